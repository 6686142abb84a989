"""Hostile requests against gunicorn as deployed: each answers a quick 4xx (or an ordinary
answer) in the JSON error shape, never a 500 and never gunicorn's own plain page."""

import base64
import time
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.deployed


def error_fields(answer) -> list:
    body = answer.json()
    assert set(body) >= {"status", "code", "detail", "errors"}
    return [error["field"] for error in body["errors"]]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/claims/?publisher=%C2%B2",
        "/api/v1/sources/?publisher=%C2%B2",
        "/api/v1/claims/stats/?publisher=%C2%B2",
        "/api/v1/claimreview/?publisher=%C2%B2",
        "/api/v1/claims/?format=csv&publisher=%C2%B2",
    ],
)
def test_a_superscript_two_as_publisher_finds_nothing(deployed, path):
    answer = deployed.request("GET", path, headers={"Accept": "*/*"})
    assert answer.status == 200, answer.body[:300]


def forged_cursor() -> str:
    nested = "[" * 1200 + "1" + "]" * 1200
    raw = '{"p":[' + nested + ',1],"r":0}'
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/api/v1/claims/", "/api/v1/sources/", "/api/v1/claimreview/"])
def test_a_forged_deeply_nested_cursor_answers_400_naming_it(deployed, path):
    answer = deployed.request("GET", f"{path}?cursor={forged_cursor()}")
    assert answer.status == 400, answer.body[:300]
    assert error_fields(answer) == ["cursor"]


def q_of(characters: int) -> str:
    # A flag is 2 code points of 4 UTF-8 bytes each: 24 bytes once percent-encoded.
    return quote("🇲🇦" * (characters // 2))


def test_a_search_at_its_length_limit_reaches_the_app_past_gunicorns_default_line_limit(
    deployed,
):
    path = f"/api/v1/claims/?q={q_of(500)}"
    assert len(path) > 4094  # gunicorn's default limit_request_line
    answer = deployed.request("GET", path)
    assert answer.status == 200, answer.body[:300]


def test_a_search_over_its_length_limit_answers_json_400_naming_q(deployed):
    path = f"/api/v1/claims/?q={q_of(502)}"
    assert len(path) > 4094
    answer = deployed.request("GET", path)
    assert answer.status == 400, answer.body[:300]
    assert error_fields(answer) == ["q"]


def test_a_request_line_beyond_what_any_parameter_takes_is_refused_in_json(deployed):
    started = time.monotonic()
    answer = deployed.request("GET", "/api/v1/claims/?q=" + "a" * 9000)
    assert answer.status == 414
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["code"] == "uri_too_long"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("token", [None, "Token not-a-real-token"])
def test_deleting_reviews_answers_405_whoever_asks(deployed, token):
    headers = {"Authorization": token} if token else {}
    answer = deployed.request("DELETE", "/api/v1/claims/1/reviews/", headers=headers)
    if token:  # a bad token is refused before anything else
        assert answer.status == 401
    else:
        assert answer.status == 405
        assert answer.json()["code"] == "method_not_allowed"


def test_a_reviewer_deleting_reviews_gets_405(deployed):
    token = deployed.token("deployed-reviewer", "reviewer")
    answer = deployed.request(
        "DELETE", "/api/v1/claims/1/reviews/", headers={"Authorization": f"Token {token}"}
    )
    assert answer.status == 405
    assert answer.json()["code"] == "method_not_allowed"


def test_if_none_match_star_answers_304(deployed):
    answer = deployed.request("GET", "/api/v1/claims/1/", headers={"If-None-Match": "*"})
    assert answer.status == 304


def test_a_token_logs_in_and_out_and_dies_with_a_password_change(deployed):
    password = "a-long-and-proper-passphrase"
    assert deployed.token("deployed-editor", "editor")
    result = deployed.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; u = User.objects.get(username="
        f"'deployed-editor'); u.set_password('{password}'); u.save()",
    )
    assert result.returncode == 0, result.stderr
    login = {"username": "deployed-editor", "password": password}

    def token() -> dict:
        answer = deployed.request("POST", "/api/v1/auth/token/", login)
        assert answer.status == 200, answer.body[:300]
        return {"Authorization": f"Token {answer.json()['token']}"}

    first, second, third = token(), token(), token()
    assert deployed.request("POST", "/api/v1/auth/logout/", headers=first).status == 204
    assert deployed.request("GET", "/api/v1/claims/1/", headers=first).status == 401
    assert deployed.request("GET", "/api/v1/claims/1/", headers=second).status == 200
    result = deployed.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; u = User.objects.get(username="
        "'deployed-editor'); u.set_password('another-long-passphrase'); u.save()",
    )
    assert result.returncode == 0, result.stderr
    assert deployed.request("GET", "/api/v1/claims/1/", headers=third).status == 401
