"""Who may do what: one table of what every operation needs, checked for every role through the
API (every operation of the generated OpenAPI schema) and through the admin (every page of every
registered claims and sources model, and the claim pages added to the admin).

The table says which Django permission each operation needs; the roles' permissions are written
out below (not read from the migration: a test also checks the groups hold exactly these). The
expected answer for a role follows: allowed when it holds the permission, else 401 (API) or a
login redirect (admin) for anonymous visitors and 403 for signed-in users.
"""

import copy

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from claims.models import RatingLabel
from claims.workflow import claim_review
from claimtrack.auth import token_create
from tests.conftest import DELETE_PERMISSIONS, user_with_role
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimCountryFactory,
    ClaimFactory,
    EventFactory,
    ExternalReviewFactory,
    PublisherFactory,
    SourceFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db

PUBLIC = None  # anyone, also anonymous
NOBODY = "nobody"  # no permission grants it (reviews are never changed)
SIGNED_IN = "signed in"  # any account, whatever its role (its own tokens)

# --- The roles -----------------------------------------------------------------------------

EDITABLE = {
    "claims": ["claim", "claimactor", "claimcountry", "citation", "actor", "event"],
    "sources": ["source", "publisher"],
}
PART_AND_SHARED = {"claimactor", "claimcountry", "citation", "actor", "event", "publisher"}
EDITOR = {
    f"{app}.{action}_{model}"
    for app, models in EDITABLE.items()
    for model in models
    for action in ("view", "add", "change")
} | {f"{app}.delete_{m}" for app, ms in EDITABLE.items() for m in ms if m in PART_AND_SHARED}
EDITOR |= {"claims.view_review", "claims.add_review"}
EDITOR |= {"claims.view_externalreview", "claims.view_ratinglabel"}
EDITOR |= {f"claims.{a}_topic" for a in ("view", "add", "change")}
EDITOR |= {f"claims.{a}_topicposition" for a in ("view", "add", "change", "delete")}
ROLES = {
    "anonymous": None,
    "staff": set(),  # is_staff only: the admin lets them in, nothing more
    "editor": EDITOR,
    "reviewer": EDITOR
    | {"claims.record_verdict", "claims.add_ratinglabel", "claims.change_ratinglabel"},
    "deleter": EDITOR | set(DELETE_PERMISSIONS),
}


def make_user(role: str):
    groups = {"editor": ["editor"], "reviewer": ["reviewer"], "deleter": ["editor"]}
    return user_with_role(
        role,
        *groups.get(role, []),
        is_staff=True,
        permissions=DELETE_PERMISSIONS if role == "deleter" else (),
    )


def allowed(role: str, needs) -> bool:
    if needs is PUBLIC:
        return True
    if ROLES[role] is None:
        return False
    return needs is SIGNED_IN or needs in ROLES[role]


# --- The one table: what each operation needs ----------------------------------------------

RESOURCES = {
    "actors": "claims.actor",
    "events": "claims.event",
    "citations": "claims.citation",
    "claims": "claims.claim",
    "sources": "sources.source",
    "publishers": "sources.publisher",
}


def _crud() -> dict[tuple[str, str], str]:
    table = {}
    for resource, label in RESOURCES.items():
        app, model = label.split(".")
        table[("post", f"/api/v1/{resource}/")] = f"{app}.add_{model}"
        for method in ("put", "patch"):
            table[(method, f"/api/v1/{resource}/{{id}}/")] = f"{app}.change_{model}"
        table[("delete", f"/api/v1/{resource}/{{id}}/")] = f"{app}.delete_{model}"
    return table


API = {
    **_crud(),
    ("post", "/api/v1/auth/token/"): PUBLIC,
    ("post", "/api/v1/auth/logout/"): SIGNED_IN,
    ("post", "/api/v1/auth/logoutall/"): SIGNED_IN,
    ("post", "/api/v1/claims/{id}/reviews/"): "claims.add_review",
    ("post", "/api/v1/claims/{id}/reopen/"): "claims.add_review",
    ("post", "/api/v1/claimreview/import/"): "claims.record_verdict",
    ("post", "/api/v1/sources/ingest/"): "sources.add_source",
    ("post", "/api/v1/sources/{id}/reanchor/"): "sources.add_source",
}
ADMIN_MODELS = [
    model
    for model in apps.get_models()
    if model in admin.site._registry and model._meta.app_label in EDITABLE
]


def _admin_table() -> dict[tuple[str, str, str], str]:
    table = {}
    for model in ADMIN_MODELS:
        app, name = model._meta.app_label, model._meta.model_name
        if name == "review":  # written by the workflow only, never changed
            needs = {"add": NOBODY, "change": NOBODY, "delete": NOBODY}
        elif name == "externalreview":  # written by imports only
            needs = {"add": NOBODY, "change": NOBODY, "delete": f"{app}.delete_{name}"}
        else:
            needs = {a: f"{app}.{a}_{name}" for a in ("add", "change", "delete")}
        view = f"{app}.view_{name}"
        if name != "review":  # a past version, and reverting to it
            table[("get", f"{app}_{name}_simple_history", name)] = view
            table[("post", f"{app}_{name}_simple_history", name)] = needs["change"]
        table |= {
            ("get", f"{app}_{name}_changelist", ""): view,
            ("get", f"{app}_{name}_add", ""): needs["add"],
            ("post", f"{app}_{name}_add", ""): needs["add"],
            ("get", f"{app}_{name}_change", name): view,
            ("post", f"{app}_{name}_change", name): needs["change"],
            ("get", f"{app}_{name}_delete", name): needs["delete"],
            ("post", f"{app}_{name}_delete", name): needs["delete"],
            ("get", f"{app}_{name}_history", name): view,
        }
    return table | {
        ("get", "claims_claim_review", "claim"): "claims.view_claim",
        ("post", "claims_claim_review", "claim"): "claims.add_review",
        ("get", "claims_claim_reopen", "claim"): "claims.add_review",
        ("post", "claims_claim_reopen", "claim"): "claims.add_review",
        ("get", "claims_claim_deleted", ""): "claims.delete_claim",
        ("post", "claims_claim_deleted", ""): "claims.delete_claim",
        ("get", "claims_claim_chart", ""): "claims.view_claim",
        ("get", "claims_claim_queue", ""): "claims.view_claim",
        ("get", "claims_claim_export", ""): "claims.view_claim",
    }


ADMIN = _admin_table()


def schema_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method, path)
        for path, operations in sorted(schema["paths"].items())
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


OPERATIONS = schema_operations()


def api_needs(method: str, path: str):
    if method == "get":
        return PUBLIC  # the data is public
    return API[(method, path)]


# --- The objects the operations act on -----------------------------------------------------


@pytest.fixture
def objects(db, shared_objects):
    """The rows below, for one test (a copy: the rows themselves are the module's)."""
    return copy.deepcopy(shared_objects)


@pytest.fixture(scope="module")
def shared_objects(module_rows):
    """One row of each kind: a claim in review (a claim with a verdict is read-only for every
    role, which tests/test_admin_integrity.py covers) with a participant, an entered country,
    a citation and its review. Written once for the module's hundreds of tests."""
    with module_rows():
        source = SourceFactory(publisher=PublisherFactory(), text="The minister attended.")
        claim = ClaimFactory()
        participant = ClaimActorFactory(claim=claim, actor=ActorFactory(country="MA"))
        country = ClaimCountryFactory(claim=claim)
        citation = CitationFactory(claim=claim, source=source, quote="minister")
        editor = user_with_role("ed", "editor")
        review = claim_review(claim=claim, status="in_review", reviewer=editor)
        topic = TopicFactory()
        return {
            "topics": topic,
            "topic": topic,
            "claims": claim,
            "claim": claim,
            "actors": participant.actor,
            "actor": participant.actor,
            "events": EventFactory(),
            "event": EventFactory(),
            "publishers": source.publisher,
            "publisher": source.publisher,
            "sources": source,
            "source": source,
            "citations": citation,
            "citation": citation,
            "claimactor": participant,
            "claimcountry": country,
            "review": review,
            # On a claim of its own: a deleter of `claim` need not hold its permission.
            "externalreview": ExternalReviewFactory(),
            "external-reviews": ExternalReviewFactory(),
            "ratinglabel": RatingLabel.objects.create(label="Sort of", bucket="mixed"),
        }


# --- The API -------------------------------------------------------------------------------


def api_client_for(role: str) -> APIClient:
    """A client signed in as API clients are: with a token from a login."""
    client = APIClient()
    if role != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=make_user(role))[1]}")
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_api_operation_answers_each_role_as_the_table_says(objects, role, method, path):
    resource = path.removeprefix("/api/v1/").split("/")[0]
    target = objects.get(resource)
    url = path.replace("{code}", "MA").replace("{slug}", getattr(target, "slug", ""))
    url = url.replace("{id}", str(getattr(target, "pk", 1)))
    response = getattr(api_client_for(role), method)(url, {}, format="json")
    assert response.status_code < 500, response.content
    if allowed(role, api_needs(method, path)):
        assert response.status_code not in (401, 403), response.content
    else:
        assert response.status_code == (401 if role == "anonymous" else 403), response.content


def test_the_table_names_every_write_operation_of_the_schema_and_no_other():
    writes = {(m, p) for m, p in OPERATIONS if m != "get"}
    assert writes == set(API)
    assert len(OPERATIONS) >= 50


# --- The admin -----------------------------------------------------------------------------

ADMIN_CASES = sorted(ADMIN)


def admin_url(name: str, target) -> str:
    if name.endswith("_simple_history"):  # an object's past version
        return reverse(f"admin:{name}", args=[target.pk, target.history.earliest().history_id])
    return reverse(f"admin:{name}", args=[target.pk] if target is not None else [])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "method, name, on", ADMIN_CASES, ids=[f"{m} {n}" for m, n, _ in ADMIN_CASES]
)
def test_every_admin_page_answers_each_role_as_the_table_says(objects, role, method, name, on):
    client = Client()
    if role != "anonymous":
        client.force_login(make_user(role))
    url = admin_url(name, objects[on] if on else None)
    data = {"post": "yes"} if name.endswith("_delete") else {}
    response = getattr(client, method)(url, data)
    assert response.status_code < 500
    if role == "anonymous":
        assert response.status_code == 302 and response.url.startswith("/admin/login/")
    elif allowed(role, ADMIN[(method, name, on)]):
        assert response.status_code != 403, response
        assert not (response.status_code == 302 and "/login/" in response.url)
    else:
        assert response.status_code == 403, response


def test_the_admin_table_covers_every_registered_model_and_the_claim_pages():
    names = {name for _, name, _ in ADMIN}
    for model in ADMIN_MODELS:
        opts = model._meta
        for view in ("changelist", "add", "change", "delete", "history"):
            assert f"{opts.app_label}_{opts.model_name}_{view}" in names
    claim_urls = {p.name for p in admin.site._registry[objects_model("claims.claim")].get_urls()}
    assert {n for n in claim_urls if n and not n.endswith("autocomplete")} <= names


def objects_model(label: str):
    return apps.get_model(label)


def test_the_role_groups_hold_exactly_the_permissions_of_the_table():
    for role in ("editor", "reviewer"):
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.select_related("content_type")
        }
        assert held == ROLES[role], role


def test_a_staff_account_without_a_role_sees_an_empty_admin(client):
    client.force_login(make_user("staff"))
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "claims-overview" not in index.text
    assert "/admin/claims/claim/" not in index.text
