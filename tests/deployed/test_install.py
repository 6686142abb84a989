"""The production install: requirements.txt alone starts the app under gunicorn and answers."""

import pytest

pytestmark = pytest.mark.deployed


def test_runtime_requirements_alone_pass_the_deploy_check(deployed):
    result = deployed.manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={"DJANGO_SECURE_SSL_REDIRECT": "1", "DJANGO_SESSION_COOKIE_SECURE": "1",
             "DJANGO_CSRF_COOKIE_SECURE": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/claims/?country=EH", "application/json"),
        ("/api/v1/claims/1/", "application/json"),
        ("/api/v1/claims/?format=csv", "text/csv"),
        ("/api/v1/claimreview/", "application/ld+json"),
        ("/api/v1/sources/1/mentions/", "application/json"),
        ("/api/schema/", "application/vnd.oai.openapi"),
        ("/api/docs/", "text/html"),
        ("/admin/login/", "text/html"),
        ("/readyz", "application/json"),
    ],
)
def test_each_kind_of_endpoint_answers_from_the_runtime_install(deployed, path, content_type):
    answer = deployed.request("GET", path, headers={"Accept": "*/*"})
    assert answer.status == 200, answer.body[:500]
    assert answer.headers["content-type"].startswith(content_type)


def test_static_files_are_served_by_whitenoise(deployed):
    page = deployed.request("GET", "/admin/login/", headers={"Accept": "text/html"}).body.decode()
    css = page.split('href="/static/admin/css/base', 1)[1].split('"', 1)[0]
    answer = deployed.request("GET", f"/static/admin/css/base{css}")
    assert answer.status == 200
    assert answer.headers["cache-control"].startswith("max-age=")
