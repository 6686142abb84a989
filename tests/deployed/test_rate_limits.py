"""Rate limits as deployed: gunicorn with 2 workers, DJANGO_DEBUG=0, the default cache.

Each test starts from empty counters and lockouts (`cache.clear()` and `axes_reset` through
manage.py: the counters live in the database, where every worker and command sees them).
"""

import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

from tests.deployed.conftest import deployed_server

pytestmark = pytest.mark.deployed

LOGIN_LIMIT = 10  # CLAIMTRACK_THROTTLE_LOGIN's default: 10/minute per client address
ANON_LIMIT = 30
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(scope="module")
def limited(tmp_path_factory, django_db_setup, django_db_blocker):
    """A deployed server with the default cache and an anonymous limit small enough to reach."""
    with deployed_server(
        "limits",
        tmp_path_factory.mktemp("limits"),
        CLAIMTRACK_THROTTLE_ANON=f"{ANON_LIMIT}/minute",
    ) as server:
        yield server


@pytest.fixture
def server(limited):
    result = limited.manage("shell", "-c", "from django.core.cache import cache; cache.clear()")
    assert result.returncode == 0, result.stderr
    assert limited.manage("axes_reset").returncode == 0
    return limited


def token_login(server, username: str, headers: dict | None = None) -> int:
    body = {"username": username, "password": "not-the-password"}
    return server.request("POST", TOKEN, body, headers=headers).status


def form_login(server, path: str, username: str) -> int:
    """A login through an HTML form, as a browser posts it (CSRF cookie and field)."""
    page = server.request("GET", path, headers={"Accept": "text/html"})
    cookie = SimpleCookie(page.headers["set-cookie"])["csrftoken"].value
    field = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
    form = {"username": username, "password": "not-the-password", "csrfmiddlewaretoken": field}
    answer = server.request(
        "POST",
        path,
        urlencode(form),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            "Accept": "text/html",
        },
    )
    return answer.status


def test_a_forged_forwarded_header_does_not_lift_the_login_limit(server):
    spent = [token_login(server, f"guess{i}") for i in range(LOGIN_LIMIT)]
    assert spent == [400] * LOGIN_LIMIT  # wrong passwords, each one processed
    forged = [
        token_login(server, f"guess{i}", {"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(30)
    ]
    assert forged == [429] * 30


def test_a_forged_forwarded_header_does_not_lift_the_anonymous_limit(server):
    spent = [server.request("GET", "/api/v1/actors/").status for _ in range(ANON_LIMIT)]
    assert spent == [200] * ANON_LIMIT
    forged = [
        server.request(
            "GET", "/api/v1/actors/", headers={"X-Forwarded-For": f"203.0.113.{i}"}
        ).status
        for i in range(10)
    ]
    assert forged == [429] * 10


def test_both_workers_count_logins_against_one_limit(server):
    start = server.log.stat().st_size
    answers = [token_login(server, f"guess{i}") for i in range(2 * LOGIN_LIMIT)]
    assert answers == [400] * LOGIN_LIMIT + [429] * LOGIN_LIMIT
    # The attempts were served by both workers (gunicorn's access log names each one's pid):
    # with counters in each process's memory, 2 workers let up to 20 through.
    time.sleep(0.5)  # the access log is written after the response
    served = re.findall(rf'"POST {TOKEN} HTTP/1.1" \d+ .* <(\d+)>', server.log.read_text()[start:])
    assert len(served) == 2 * LOGIN_LIMIT
    assert len(set(served)) == 2, "one worker served every attempt: rerun to exercise both"


@pytest.mark.parametrize("path", ["/admin/login/", "/api-auth/login/"])
def test_many_usernames_from_one_address_meet_the_login_limit_on_a_login_form(server, path):
    answers = [form_login(server, path, f"guess{i}") for i in range(LOGIN_LIMIT + 5)]
    assert answers == [200] * LOGIN_LIMIT + [429] * 5  # the form again, with its error


def test_every_login_path_counts_against_the_same_limit(server):
    paths = ["/admin/login/", "/api-auth/login/", TOKEN]
    answers = [
        token_login(server, f"guess{i}")
        if paths[i % 3] == TOKEN
        else form_login(server, paths[i % 3], f"guess{i}")
        for i in range(LOGIN_LIMIT + 3)
    ]
    assert 429 not in answers[:LOGIN_LIMIT]
    assert answers[LOGIN_LIMIT:] == [429] * 3
