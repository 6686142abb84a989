"""Schemathesis against the API's own OpenAPI schema (/api/schema/), as a reviewer, on demo data.

Every operation in the schema gets generated valid and invalid requests; the checks below must
find nothing. The number of examples is bounded (SCHEMATHESIS_MAX_EXAMPLES, default 10) so the
whole run stays within a few minutes on a small CI machine.
"""

import io
import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import user_with_role

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
)


# Counted so that a run can say how much it really tried (tests/conftest.py prints it).
EXAMPLES_TRIED = {"cases": 0}


@pytest.fixture
def reviewer_token(db):
    # Requests go through the real WSGI handler, whose request signals would close the test's
    # connection (and with it the test transaction on PostgreSQL); Django's test client
    # disconnects them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    call_command("load_demo", stdout=io.StringIO())
    _, token = AuthToken.objects.create(user_with_role("fuzzing-reviewer", "reviewer", "editor"))
    yield token
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_conforms_to_its_schema_and_never_fails_on_the_server(case, reviewer_token):
    EXAMPLES_TRIED["cases"] += 1
    case.call_and_validate(headers={"Authorization": f"Token {reviewer_token}"}, checks=CHECKS)
