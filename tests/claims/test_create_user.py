"""`create_user`: with the README's command and a newcomer's settings it makes an account that
logs in to the admin with its password, and prints its API token once."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "violet staple horse battery"


def create_user(*args, stdin: str | None = None, monkeypatch=None) -> list[str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.mark.django_db
def test_an_account_from_stdin_logs_in_to_the_admin_and_its_token_works_for_the_api(
    client, monkeypatch
):
    lines = create_user(
        "amina",
        "--role",
        "reviewer",
        "--password-stdin",
        stdin=PASSPHRASE + "\n",
        monkeypatch=monkeypatch,
    )

    assert lines[0] == (
        "Created reviewer 'amina' (logs in to the admin at /admin/ with that password). "
        "API token (shown once):"
    )
    token = lines[1]
    user = get_user_model().objects.get(username="amina")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["reviewer"]
    login = client.post("/admin/login/?next=/admin/", {"username": "amina", "password": PASSPHRASE})
    assert (login.status_code, login.url) == (302, "/admin/")
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/claims/claim/" in index.text
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    claim = {"statement": "A reviewer's first claim.", "kind": "statement"}
    assert api.post("/api/v1/claims/", claim, format="json").status_code == 201
    # Shown once: only a digest is stored.
    assert token not in str(list(AuthToken.objects.values_list()))


@pytest.mark.django_db
def test_the_password_is_asked_twice_on_a_terminal(monkeypatch):
    answers = iter([PASSPHRASE, PASSPHRASE])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    create_user("eddie", "--role", "editor")
    assert get_user_model().objects.get(username="eddie").check_password(PASSPHRASE)


@pytest.mark.django_db
def test_two_different_passwords_create_nothing(monkeypatch):
    answers = iter([PASSPHRASE, PASSPHRASE + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    with pytest.raises(CommandError, match="differ"):
        create_user("eddie", "--role", "editor")
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_without_a_terminal_nor_stdin_it_says_how_to_give_the_password(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    with pytest.raises(CommandError, match="--password-stdin"):
        create_user("eddie", "--role", "editor")
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("weak", ["\n", "eddie\n", "12345678\n"])
def test_an_empty_or_weak_password_is_refused_and_nothing_is_created(monkeypatch, weak):
    with pytest.raises(CommandError, match="^password: "):
        create_user(
            "eddie", "--role", "editor", "--password-stdin", stdin=weak, monkeypatch=monkeypatch
        )
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_an_api_only_account_has_no_password_and_no_admin(client):
    lines = create_user("script", "--role", "editor", "--api-only")
    user = get_user_model().objects.get(username="script")
    assert not user.is_staff and not user.has_usable_password()
    assert "API only" in lines[0]


def test_the_readme_command_works_with_a_newcomers_settings(tmp_path):
    """`./dev manage create_user …` as the README says, with no DJANGO_* variables set."""
    readme = (ROOT / "README.md").read_text()
    assert "./dev manage create_user" in readme
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST", "CLAIMTRACK_"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'newcomer.sqlite3'}"  # not the project's file

    def dev(*args, stdin=""):
        return subprocess.run(
            [str(ROOT / "dev"), "manage", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        )

    created = dev(
        "create_user", "newbie", "--role", "reviewer", "--password-stdin", stdin=PASSPHRASE
    )
    assert created.returncode == 0, created.stderr
    lines = created.stdout.splitlines()
    shown = lines.index(next(line for line in lines if line.endswith("API token (shown once):")))
    token = lines[shown + 1]
    assert len(token) == 64 and created.stdout.count(token) == 2  # the token, and how to use it

    check = dev(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "u = User.objects.get(username='newbie'); "
        f"print(u.check_password('{PASSPHRASE}'), u.is_staff, "
        "sorted(u.groups.values_list('name', flat=True)))",
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip().splitlines()[-1] == "True True ['reviewer']"
