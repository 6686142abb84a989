"""Structured logs: one JSON line per request with its id, echoed in X-Request-ID; unexpected
exceptions are logged under the same id, which the JSON 500 body gives back."""

import json
import logging

import pytest
from django.test import Client

from claimtrack.logging import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def as_json_lines(caplog, logger: str) -> list[dict]:
    formatter, request_id = JsonFormatter(), RequestIdFilter()
    lines = []
    for record in caplog.records:
        if record.name == logger:
            request_id.filter(record)
            lines.append(json.loads(formatter.format(record)))
    return lines


def test_each_request_logs_one_json_line_with_its_id_status_duration_and_user(
    caplog, editor_client, editor
):
    caplog.set_level(logging.INFO, logger="claimtrack.request")
    response = editor_client.post("/api/v1/actors/", {"name": "A", "kind": "other"}, format="json")
    [line] = as_json_lines(caplog, "claimtrack.request")
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["method"], line["path"], line["status"]) == ("POST", "/api/v1/actors/", 201)
    assert line["user_id"] == editor.pk
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


def test_an_anonymous_request_logs_no_user(caplog, client):
    caplog.set_level(logging.INFO, logger="claimtrack.request")
    client.get("/healthz")
    [line] = as_json_lines(caplog, "claimtrack.request")
    assert line["user_id"] is None and line["status"] == 200


def test_a_sane_incoming_request_id_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.2024:01")
    assert response["X-Request-ID"] == "lb-7f3a.2024:01"


@pytest.mark.parametrize(
    "incoming", ["", "has spaces", "x" * 129, 'quote"s', "new\nline", "ü-not-ascii"]
)
def test_an_unsafe_incoming_request_id_is_replaced_by_a_fresh_one(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_every_response_gets_its_own_id(client):
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


@pytest.mark.urls("tests.security.urls_with_a_failing_view")
def test_an_unexpected_exception_is_logged_with_the_request_id_given_in_the_500(caplog):
    caplog.set_level(logging.INFO)
    response = Client(raise_request_exception=False).get("/api/v1/fail/")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "server_error" and "boom" not in json.dumps(body)
    assert body["request_id"] == response["X-Request-ID"]
    [error] = as_json_lines(caplog, "django.request")
    assert error["request_id"] == body["request_id"]
    assert "RuntimeError: boom" in error["exception"]
    [line] = as_json_lines(caplog, "claimtrack.request")
    assert line["status"] == 500 and line["request_id"] == body["request_id"]


def test_the_console_handler_writes_json_lines(settings):
    console = settings.LOGGING["handlers"]["console"]
    assert settings.LOGGING["formatters"][console["formatter"]]["()"].endswith("JsonFormatter")
    assert "request_id" in console["filters"]


def test_a_page_not_found_is_logged_once(caplog, client):
    caplog.set_level(logging.INFO)
    assert client.get("/admin/no-such-page/").status_code in (302, 404)
    assert client.get("/no-such-page").status_code == 404
    lines = [(r.name, r.getMessage()) for r in caplog.records if "no-such-page" in r.getMessage()]
    assert [name for name, _ in lines] == ["claimtrack.request", "claimtrack.request"]


def test_a_management_command_logs_nothing_on_start(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=root,
        env={**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path}/db"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout == "System check identified no issues (0 silenced).\n"


def test_development_logs_are_readable_text_and_production_logs_json():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (
        "from django.conf import settings; "
        "print(settings.LOGGING['handlers']['console']['formatter'])"
    )
    formats = {}
    for debug in ("0", "1"):
        env = {**os.environ, "DJANGO_DEBUG": debug, "DJANGO_SECRET_KEY": "x" * 50}
        env.pop("CLAIMTRACK_LOG_FORMAT", None)
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        formats[debug] = done.stdout.strip().splitlines()[-1]
    assert formats == {"0": "json", "1": "text"}
