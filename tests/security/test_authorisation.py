"""Who may call what: every operation in the generated OpenAPI schema × every role.

The operation list comes from the schema itself, so a new endpoint is covered (and must fit
the rules below, or this test names it).
"""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from claims.models import Claim
from claimtrack.auth import token_create
from tests.conftest import user_with_role
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimFactory,
    EventFactory,
    PublisherFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

SAFE = {"get", "head", "options"}
STAFF_ONLY_DELETE = {"claims", "sources"}


def schema_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method, path)
        for path, operations in sorted(schema["paths"].items())
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


OPERATIONS = schema_operations()
ROLES = ["anonymous", "editor", "reviewer", "staff"]


def expected(role: str, method: str, path: str) -> int | None:
    """The documented refusal (401/403) for this role, or None when the role may call it."""
    resource = path.removeprefix("/api/v1/").split("/")[0]
    if method in SAFE or path == "/api/v1/auth/token/":
        return None  # the data is public; anyone may log in
    if role == "anonymous":
        return 401
    if role == "staff":
        return None
    if method == "delete" and re.fullmatch(r"/api/v1/\w+/\{id\}/", path):
        return 403 if resource in STAFF_ONLY_DELETE else None
    if path == "/api/v1/claimreview/import/":
        return None if role == "reviewer" else 403
    return None


@pytest.fixture
def ids(db):
    source = SourceFactory(publisher=PublisherFactory(), text="The minister attended.")
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(status="confirmed")  # has a verdict to publish
    return {
        "claims": claim.pk,
        "actors": ActorFactory().pk,
        "events": EventFactory().pk,
        "publishers": source.publisher.pk,
        "sources": source.pk,
        "citations": CitationFactory(claim=claim, source=source, quote="minister").pk,
        "countries": "MA",
    }


def client_for(role: str) -> APIClient:
    """A client signed in as API clients are: with a token from a login."""
    client = APIClient()
    if role != "anonymous":
        roles = {"editor": ["editor"], "reviewer": ["reviewer"], "staff": ["reviewer"]}[role]
        user = user_with_role(role, *roles, is_staff=role == "staff")
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user)[1]}")
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_answers_each_role_as_documented(ids, role, method, path):
    resource = path.removeprefix("/api/v1/").split("/")[0]
    url = path.replace("{id}", str(ids.get(resource, 1)))
    response = getattr(client_for(role), method)(url, {}, format="json")
    refusal = expected(role, method, path)
    assert response.status_code < 500, response.content
    if refusal is None:
        assert response.status_code not in (401, 403), response.content
    else:
        assert response.status_code == refusal, response.content


def test_the_matrix_covers_every_write_endpoint_of_the_schema():
    writes = {path for method, path in OPERATIONS if method not in SAFE}
    assert {"/api/v1/claims/", "/api/v1/claims/{id}/", "/api/v1/claims/{id}/reviews/"} <= writes
    assert len(OPERATIONS) >= 45
