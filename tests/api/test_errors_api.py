import re

import pytest
from rest_framework.test import APIClient

from tests.conftest import user_with_role
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_answers_json_404(api_client):
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_a_missing_claim_answers_json_404(api_client):
    response = api_client.get("/api/v1/claims/999999/")
    assert response.status_code == 404
    assert response.json()["status"] == 404


@pytest.mark.parametrize("pk", ["abc", str(2**70)])
def test_a_malformed_or_huge_id_in_the_path_answers_404_not_500(api_client, pk):
    assert api_client.get(f"/api/v1/claims/{pk}/").status_code == 404


def test_a_wrong_content_type_answers_415(editor_client):
    response = editor_client.post(
        "/api/v1/claims/", "statement=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_invalid_json_answers_400(editor_client):
    response = editor_client.post("/api/v1/claims/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_method_not_allowed_answers_405_json(editor_client):
    response = editor_client.put("/api/v1/claims/", {}, format="json")
    assert response.status_code == 405
    assert response.json()["status"] == 405


def test_the_openapi_schema_generates_without_warnings_and_validates():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_api_docs_are_served_from_installed_packages_without_a_cdn(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert "fonts.googleapis.com" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/") and not url.startswith("//") for url in assets)
    # (tests/browser/test_api_docs.py checks what the pages load once their scripts run.)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_to_the_read_only_countries_answer_405(editor_client, method):
    path = "/api/v1/countries/" if method == "post" else "/api/v1/countries/MA/"
    response = getattr(editor_client, method)(path, {}, format="json")
    assert response.status_code == 405
    assert response.json()["status"] == 405


@pytest.mark.parametrize("role", ["anonymous", "editor", "reviewer", "staff"])
@pytest.mark.parametrize(
    "method, path",
    [
        ("delete", "/api/v1/claims/{id}/reviews/"),
        ("put", "/api/v1/claims/{id}/reviews/"),
        ("delete", "/api/v1/claims/"),
        ("post", "/api/v1/claims/{id}/history/"),
        ("delete", "/api/v1/claims/stats/"),
        # A method of HTTP's that no endpoint handles: 405, not a 401 asking for a login.
        ("trace", "/api/v1/claims/"),
    ],
)
def test_a_method_an_endpoint_does_not_have_answers_405_whoever_asks(role, method, path):
    client = APIClient()
    if role != "anonymous":
        roles = ["reviewer"] if role == "staff" else [role]
        client.force_authenticate(user_with_role(role, *roles, is_staff=role == "staff"))
    claim = ClaimFactory()
    response = getattr(client, method)(path.format(id=claim.pk), {}, format="json")
    assert response.status_code == 405, response.content
    body = response.json()
    assert (body["status"], body["code"]) == (405, "method_not_allowed")
    assert "GET" in response["Allow"]
    assert claim.reviews.count() == 0
