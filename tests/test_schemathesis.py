"""Schemathesis against the API's own OpenAPI schema (/api/schema/), on the demo data.

Every operation gets generated valid and invalid requests, plus the examples the schema gives;
the checks below must find nothing. Generated ids would almost never name a row, so requests
are aimed at real ones (`DemoRows.aim`): path ids, ids in bodies and filters are mapped onto
the demo's rows (deletes onto spare rows made for them), a country code onto a known spelling,
and a valid login onto the fuzzing account. That way the response-schema check runs on every
operation's success answers: the run counts, per operation, the 2xx answers it validated, and
the last test fails when an operation got none (tests/conftest.py prints the counts).

The number of examples is bounded (SCHEMATHESIS_MAX_EXAMPLES, default 10). The run can be
split over processes: CLAIMTRACK_SCHEMATHESIS_SHARD=K/N runs the K-th of N shares of the
operations (`./dev test` runs one share per core, side by side); each share checks its own
operations, and together they cover every one. Under pytest-xdist the generated cases would not
run (2 of 60 did), so this module refuses to be collected there.
"""

import io
import os
import zlib
from collections import Counter
from dataclasses import dataclass, field

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

from claims.models import Actor, Citation, Claim, Event, ExternalReview, Topic
from claims.workflow import claim_review
from claimtrack.api import MAX_ID
from claimtrack.clients import LoginRateThrottle
from sources.models import Publisher, Source
from tests.conftest import user_with_role
from tests.factories import ExternalReviewFactory

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's

if os.environ.get("PYTEST_XDIST_WORKER"):
    raise RuntimeError(
        "tests/test_schemathesis.py does not run under pytest-xdist (its generated cases are "
        "not distributed): run it in a process of its own, as ./dev test does"
    )

# Relative cost of an operation's run, by method: writes get hundreds of coverage cases.
SHARE_WEIGHTS = {"PUT": 6, "PATCH": 6, "POST": 5}


def shares(labels, n: int) -> dict[str, int]:
    """Operation label ("PATCH /api/v1/claims/{id}/") -> its share, 0..n-1: dealt in path order
    to the lightest share so far, so that the shares take about as long as each other."""
    load, share_of = [0] * n, {}
    for label in sorted(labels, key=lambda label: (label.split()[1], label)):
        share = load.index(min(load))
        share_of[label] = share
        load[share] += SHARE_WEIGHTS.get(label.split()[0], 1)
    return share_of


def parse_share(value: str) -> tuple[int, int]:
    """ "K/N" (1 <= K <= N) -> (K - 1, N); a clear error otherwise."""
    try:
        k, n = (int(part) for part in value.split("/"))
    except ValueError:
        k = n = 0
    if not 1 <= k <= n:
        raise ValueError(
            f"CLAIMTRACK_SCHEMATHESIS_SHARD must be K/N with 1 <= K <= N, not {value!r}"
        )
    return k - 1, n


SHARE = os.environ.get("CLAIMTRACK_SCHEMATHESIS_SHARD", "1/1")
schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
_share, _n = parse_share(SHARE)
if _n > 1:
    _share_of = shares([result.ok().label for result in schema.get_all_operations()], _n)
    schema = schema.include(func=lambda ctx: _share_of[ctx.operation.label] == _share)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
)
# A write with a stale If-Match answers 412 before its body is read (RFC 9110 13.2.1: the
# preconditions come first), so an invalid body may meet 412 as well as 400.
schema.config.checks.negative_data_rejection.expected_statuses = [
    *schema.config.checks.negative_data_rejection.expected_statuses,
    "412",
]

# Per operation ("GET /api/v1/claims/{id}/"): requests sent, and 2xx answers that passed the
# checks, the response schema among them.
SENT: Counter[str] = Counter()
VALIDATED_2XX: Counter[str] = Counter()

# Models whose ids a body, a filter or a path names, by the name it uses.
ID_KEYS = {
    "claim": "claims",
    "source": "sources",
    "event": "events",
    "actor": "actors",
    "publisher": "publishers",
}
COUNTRY_SPELLINGS = ["MA", "ma", "MAR", "EH", "esh", "US", "ZZ"]  # ZZ: no such country


def _pick(pool: list, *values) -> object:
    """A member of `pool` chosen by generated values (deterministic, as the run is)."""
    return pool[zlib.crc32(repr(values).encode()) % len(pool)]


def _is_id(value) -> bool:
    # (The coverage phase sends path values as the text they are on the wire.)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


@dataclass
class DemoRows:
    """The demo data's rows, for generated requests to aim at."""

    username: str
    token: str
    ids: dict[str, list[int]]
    # Made to be deleted, so that a DELETE can succeed (demo rows are referenced: 409).
    spare: dict[str, list[int]]
    verdicts: list[int]
    slugs: list[str]  # the topics'
    citations_of: dict[int, list[int]] = field(default_factory=dict)

    def aim(self, case) -> None:
        """Points the case's ids at real rows; a valid login at the fuzzing account."""
        resource = case.path.removeprefix("/api/v1/").split("/")[0]
        positive = case.meta.generation.mode == GenerationMode.POSITIVE
        params = dict(case.path_parameters or {})
        if _is_id(params.get("id")):
            if case.method == "DELETE" and case.path.count("/") == 5:
                pool = self.spare.get(resource) or self.ids[resource]  # (read-only: 405)
            elif case.path.endswith(("/claimreview/", "/reopen/")):
                pool = self.verdicts  # only a claim with a verdict has these
            else:
                pool = self.ids[resource]
            # Also by the rest of the case: the coverage phase varies the body, not the id.
            params["id"] = _pick([*pool, MAX_ID], params["id"], case.body, case.query)
        if isinstance(params.get("slug"), str) and positive:
            params["slug"] = _pick(self.slugs, params["slug"])
        if isinstance(params.get("code"), str) and positive:
            params["code"] = _pick(COUNTRY_SPELLINGS, params["code"])
        if params:
            case.path_parameters = params
        if positive and "If-Match" in (case.headers or {}):
            # A random tag is always stale: also send none, or `*` (any current version).
            headers = dict(case.headers)
            tag = _pick(["*", None, headers["If-Match"]], headers["If-Match"])
            if tag is None:
                del headers["If-Match"]
            else:
                headers["If-Match"] = tag
            case.headers = headers
        if case.query:
            case.query = {key: self._ids_in(key, value) for key, value in case.query.items()}
        if isinstance(case.body, dict):
            body = {key: self._ids_in(key, value) for key, value in case.body.items()}
            if resource == "claims" and _is_id(params.get("id")) and "citations" in body:
                cited = self.citations_of.get(params["id"], [])
                if cited and isinstance(body["citations"], list):
                    body["citations"] = [
                        _pick(cited, c) if _is_id(c) else c for c in body["citations"]
                    ]
            if resource == "auth" and positive and {"username", "password"} <= body.keys():
                body = {"username": self.username, "password": PASSWORD}
            case.body = body

    def _ids_in(self, key: str, value):
        """`value` with the ids it holds under `key` (an id, a list, nested objects) made
        real; anything that is not an id is left for the server to refuse."""
        if key in ID_KEYS and _is_id(value):
            return _pick(self.ids[ID_KEYS[key]], value)
        if isinstance(value, list):
            return [self._ids_in(key if key in ID_KEYS else "", item) for item in value]
        if isinstance(value, dict):
            return {k: self._ids_in(k, v) for k, v in value.items()}
        return value


@pytest.fixture
def demo_rows(db, monkeypatch):
    # Requests go through the real WSGI handler, whose request signals would close the test's
    # connection (and with it the test transaction on PostgreSQL); Django's test client
    # disconnects them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    call_command("load_demo", stdout=io.StringIO())
    user = user_with_role("fuzzer", "reviewer", "editor", is_staff=True, is_superuser=True)
    _, token = AuthToken.objects.create(user)
    # Hundreds of logins from one address: the login limit (tests/deployed/test_rate_limits.py)
    # would answer all but the first ten with 429, valid credentials included.
    monkeypatch.setattr(LoginRateThrottle, "rate", "1000000/minute", raising=False)

    # Two verdicts, so that the ClaimReview operations have something to publish.
    verdicts = []
    for claim in Claim.objects.filter(citations__isnull=False).distinct().order_by("id")[:2]:
        claim_review(claim=claim, status="in_review", reviewer=user)
        claim_review(
            claim=claim,
            status="confirmed",
            reviewer=user,
            rationale="The seed article says so.",
            citations=list(claim.citations.all()),
        )
        verdicts.append(claim.pk)
    # Another fact-checker's review, so that the external-review operations have one to read.
    ExternalReviewFactory(claim=Claim.objects.get(pk=verdicts[0]))
    spare_claim = Claim.objects.create(statement="A spare claim to delete.", kind="other")
    demo_source = Source.objects.order_by("id").first()
    spare = {
        "claims": [spare_claim.pk],
        "actors": [Actor.objects.create(name="A spare actor", kind="person").pk],
        "events": [Event.objects.create(name="A spare event", kind="meeting").pk],
        "publishers": [Publisher.objects.create(name="Spare", domain="spare.example").pk],
        "sources": [Source.objects.create(url="https://spare.example/a", text="Spare.").pk],
        "citations": [
            Citation.objects.create(claim=spare_claim, source=demo_source, quote="Morocco").pk
        ],
    }
    models = {
        "claims": Claim,
        "sources": Source,
        "publishers": Publisher,
        "actors": Actor,
        "events": Event,
        "citations": Citation,
        "external-reviews": ExternalReview,
    }
    rows = DemoRows(
        username=user.username,
        token=token,
        ids={
            name: list(model.objects.values_list("pk", flat=True)) for name, model in models.items()
        },
        spare=spare,
        verdicts=verdicts,
        slugs=list(Topic.objects.values_list("slug", flat=True)),
    )
    for claim_id, citation_id in Citation.objects.values_list("claim_id", "pk"):
        rows.citations_of.setdefault(claim_id, []).append(citation_id)
    yield rows
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_conforms_to_its_schema_and_never_fails_on_the_server(case, demo_rows):
    demo_rows.aim(case)
    label = case.operation.label
    SENT[label] += 1
    response = case.call_and_validate(
        headers={"Authorization": f"Token {demo_rows.token}"}, checks=CHECKS
    )
    # (The coverage phase also tries methods the operation does not have: not its answers.)
    if 200 <= response.status_code < 300 and case.method.upper() == case.operation.method.upper():
        VALIDATED_2XX[label] += 1


def test_every_operation_had_success_answers_checked_against_its_response_schema():
    if not SENT:
        pytest.skip("runs after the schemathesis test above, in the same session")
    without = sorted(label for label in SENT if not VALIDATED_2XX[label])
    assert not without, f"operations with no 2xx answer validated: {without}"
