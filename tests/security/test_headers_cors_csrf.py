"""Security headers, the CSP of the HTML pages, CORS for configured origins only, CSRF on
session-authenticated writes, and `check --deploy` with the production environment."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test.utils import override_settings
from rest_framework.test import APIClient

from tests.conftest import user_with_role

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HTML_PAGES = [
    "/admin/",
    "/admin/claims/claim/add/",
    "/api/docs/",
    "/api/redoc/",
    "/api/v1/claims/?format=api&country=MA,EH",
]


@pytest.mark.parametrize("path", ["/api/v1/claims/", "/admin/login/", "/api/docs/", "/healthz"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_https_responses_carry_hsts_in_production(client):
    response = client.get("/api/v1/claims/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in client.get("/api/v1/claims/")  # never over HTTP


def csp_of(response) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_load_under_a_csp_that_runs_only_this_sites_scripts(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 200
    policy = csp_of(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    # Every script is a file from this site (or inert JSON data): nothing the CSP would block.
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        src = re.search(r'src="([^"]+)"', attributes)
        if src:
            assert src.group(1).startswith("/"), src.group(1)
        else:
            assert 'type="application/json"' in attributes or not body.strip(), body[:200]


def test_swagger_ui_gets_its_start_up_script_as_a_file(client):
    page = client.get("/api/docs/").content.decode()
    script_url = re.findall(r'<script src="([^"]+)"', page)[-1].replace("&amp;", "&")
    script = client.get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in script.content


def test_redoc_may_start_its_search_worker_from_a_blob(client):
    policy = csp_of(client.get("/api/redoc/"))
    assert "blob:" in policy["worker-src"]


def preflight(origin: str):
    return APIClient().options(
        "/api/v1/claims/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, if-match",
    )


def test_no_origin_may_call_the_api_from_a_browser_by_default():
    assert "Access-Control-Allow-Origin" not in preflight("https://newsroom.example")


@override_settings(CORS_ALLOWED_ORIGINS=["https://newsroom.example"])
def test_a_configured_origin_may_call_the_api_and_others_may_not():
    allowed = preflight("https://newsroom.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://newsroom.example"
    assert "if-match" in allowed["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in preflight("https://evil.example")
    read = APIClient().get("/api/v1/claims/", HTTP_ORIGIN="https://newsroom.example")
    assert "X-Request-ID" in read["Access-Control-Expose-Headers"]


@pytest.fixture
def session_editor_client(db):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user_with_role("desk", "editor"))
    return client


def test_a_session_authenticated_write_without_the_csrf_token_is_refused(session_editor_client):
    body = {"statement": "Forged from another site.", "kind": "other"}
    response = session_editor_client.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_session_authenticated_write_with_the_csrf_token_succeeds(session_editor_client):
    session_editor_client.get("/admin/login/")  # sets the csrftoken cookie
    token = session_editor_client.cookies["csrftoken"].value
    body = {"statement": "Written from the site.", "kind": "other"}
    response = session_editor_client.post(
        "/api/v1/claims/", body, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 201


PRODUCTION_ENVIRONMENT = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k3y-" + "x9Q!vB7#mZ2@pL5$" * 4,
    "DJANGO_ALLOWED_HOSTS": "claims.example.org",
    "DJANGO_SECURE_SSL_REDIRECT": "1",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "1",
}


def run_deploy_check(**overrides):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CLAIMTRACK_", "PYTEST"))
    }
    environment |= PRODUCTION_ENVIRONMENT | overrides
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_passes_with_the_production_environment():
    result = run_deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_warns_when_rate_limit_counters_live_in_each_process():
    result = run_deploy_check(CLAIMTRACK_DATABASE_CACHE="0")
    assert result.returncode != 0
    assert "claimtrack.W001" in result.stdout + result.stderr


def test_the_deploy_check_fails_when_https_redirect_is_forgotten():
    result = run_deploy_check(DJANGO_SECURE_SSL_REDIRECT="0")
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr
