"""A client generated from the live OpenAPI schema works for every operation.

The live server runs on the demo data; its `/api/schema/` is fed to the pinned
openapi-python-client (requirements-dev.txt), which must generate without a warning; the
generated package is imported and the steps of tests/contract/workflow.py run with it. Every
operation of the schema must answer 2xx at least once, every error status the workflow can
provoke must be answered at least once, and every answer must parse into the generated models
with no member the schema does not declare.
"""

import io

import httpx
import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import user_with_role
from tests.contract.generated import Api, forget_client, generate_client
from tests.contract.workflow import STEPS, Run

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
# Statuses the workflow provokes; 304 is an answer too. 500 and 503 are documented on every
# operation (an unexpected error, the database down) and provoked in tests/hostile and soak/.
PROVOKED = {304, 400, 401, 403, 404, 405, 409, 412, 413, 415, 428, 429}
NOT_PROVOKED = {500, 503}


def operation_ids(schema: dict) -> set[str]:
    return {
        operation["operationId"]
        for methods in schema["paths"].values()
        for operation in methods.values()
    }


def test_every_operation_in_the_schema_has_a_step_in_the_client_workflow():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    covered = {operation for step in STEPS for operation in step.operations}
    missing = sorted(operation_ids(schema) - covered)
    assert not missing, f"add a step to tests/contract/workflow.py for: {', '.join(missing)}"
    unknown = sorted(covered - operation_ids(schema))
    assert not unknown, f"steps name operations the schema does not have: {unknown}"


@pytest.fixture
def demo_server(live_server, transactional_db, settings):
    """The live server on the demo data, with an editor, a reviewer and an administrator."""
    call_command("load_demo", stdout=io.StringIO())
    user_with_role("editor", "editor")
    user_with_role("reviewer", "reviewer")
    user_with_role("admin", is_staff=True, is_superuser=True)
    settings.CLAIMTRACK_REQUIRE_IF_MATCH = False
    return live_server


@pytest.fixture
def api(demo_server, tmp_path):
    schema = httpx.get(f"{demo_server.url}/api/schema/?format=json", timeout=30).json()
    package = generate_client(schema, tmp_path)
    yield Api(package, schema, demo_server.url)
    forget_client()


def test_a_client_generated_from_the_schema_works_for_every_operation(api, settings):
    run = Run(
        api, settings, passwords={"editor": PASSWORD, "reviewer": PASSWORD, "admin": PASSWORD}
    )
    for step in STEPS:
        step.run(run)

    succeeded = {a.operation_id for a in api.answers if 200 <= a.status < 300}
    never = sorted(operation_ids(api.schema) - succeeded)
    assert not never, f"operations that never answered 2xx: {never}"
    for step in STEPS:
        assert set(step.operations) <= succeeded, (step.run.__name__, step.operations)

    answered = {a.status for a in api.answers}
    assert answered >= PROVOKED, f"never provoked: {sorted(PROVOKED - answered)}"
    documented = {
        int(code)
        for methods in api.schema["paths"].values()
        for operation in methods.values()
        for code in operation["responses"]
    }
    unchecked = documented - answered - NOT_PROVOKED
    assert not unchecked, f"documented statuses the workflow never met: {sorted(unchecked)}"
    for answer in api.answers:  # each answer's content type is one the schema declares
        if answer.content_type and answer.operation_id in api.operations:
            declared = api.declared_content_types(answer.operation_id, answer.status)
            assert answer.content_type in declared, answer
