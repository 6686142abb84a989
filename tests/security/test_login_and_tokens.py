"""Tokens are stored hashed and expire; logins are locked after repeated failures (django-axes)."""

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.conftest import user_with_role

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-proper-passphrase"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def editor_with_password(db):
    user = user_with_role("newsdesk", "editor")
    user.set_password(PASSWORD)
    user.save()
    return user


def token_login(client, password: str, address: str = "10.0.0.1"):
    body = {"username": "newsdesk", "password": password}
    return client.post(TOKEN_URL, body, format="json", REMOTE_ADDR=address)


def test_a_token_is_stored_only_as_a_hash(editor_with_password):
    token = token_login(APIClient(), PASSWORD).json()["token"]
    stored = AuthToken.objects.get(user=editor_with_password)
    assert token not in {stored.digest, stored.token_key}
    assert len(stored.digest) == 128  # SHA-512 hex


def test_a_token_expires_after_its_lifetime(editor_with_password):
    body = token_login(APIClient(), PASSWORD).json()
    stored = AuthToken.objects.get(user=editor_with_password)
    lifetime = stored.expiry - timezone.now()
    assert abs(lifetime - settings.REST_KNOX["TOKEN_TTL"]) < timedelta(minutes=1)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.post("/api/v1/actors/", {"name": "A", "kind": "other"}).status_code == 201
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert client.post("/api/v1/actors/", {"name": "B", "kind": "other"}).status_code == 401


def test_token_login_is_locked_after_repeated_failures_even_with_the_right_password(
    editor_with_password,
):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert token_login(client, "wrong").status_code == 400
    locked = token_login(client, "wrong")
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert int(locked["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
    assert token_login(client, PASSWORD).status_code == 429
    assert not AuthToken.objects.exists()


def test_a_lockout_does_not_shut_the_user_out_from_another_address(editor_with_password):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        token_login(client, "wrong", address="10.0.0.66")
    assert token_login(client, PASSWORD, address="10.0.0.2").status_code == 200


def test_a_success_before_the_limit_resets_the_count(editor_with_password):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        token_login(client, "wrong")
    assert token_login(client, PASSWORD).status_code == 200
    assert token_login(client, "wrong").status_code == 400  # counted from zero again


def test_the_admin_login_form_is_locked_after_repeated_failures(client, db):
    staff = user_with_role("chief", "reviewer", is_staff=True)
    staff.set_password(PASSWORD)
    staff.save()

    def admin_login(password):
        body = {"username": "chief", "password": password, "next": "/admin/"}
        return client.post("/admin/login/?next=/admin/", body, REMOTE_ADDR="10.0.0.9")

    assert admin_login("wrong").status_code == 200  # the form again, with an error
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        admin_login("wrong")
    assert admin_login("wrong").status_code == 429
    assert admin_login(PASSWORD).status_code == 429
    assert client.get("/admin/").status_code == 302  # still not logged in


# --- one limit per address across usernames, on every login path --------------------------

LOGIN_LIMIT = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"].split("/")[0])


def attempt(client, path: str, username: str, address: str = "10.0.0.7"):
    """One wrong-password login on `path` (admin form, browsable API form, token login)."""
    body = {"username": username, "password": "wrong"}
    form = "json" if path == TOKEN_URL else "multipart"  # the forms post form data
    return client.post(path, body, format=form, REMOTE_ADDR=address)


LOGIN_PATHS = ["/admin/login/", "/api-auth/login/", TOKEN_URL]


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_many_usernames_from_one_address_meet_the_login_limit(path):
    client = APIClient()
    answers = [attempt(client, path, f"guess{i}").status_code for i in range(LOGIN_LIMIT + 5)]
    assert 429 not in answers[:LOGIN_LIMIT]
    assert answers[LOGIN_LIMIT:] == [429] * 5
    assert attempt(client, path, "guess-x", address="10.0.0.8").status_code != 429


def test_the_login_limit_counts_every_login_path_together():
    client = APIClient()
    answers = [
        attempt(client, LOGIN_PATHS[i % 3], f"guess{i}").status_code for i in range(LOGIN_LIMIT + 3)
    ]
    assert 429 not in answers[:LOGIN_LIMIT]
    assert answers[LOGIN_LIMIT:] == [429] * 3


def test_the_login_limit_says_when_to_retry(client):
    for i in range(LOGIN_LIMIT):
        attempt(client, "/admin/login/", f"guess{i}")
    refused = attempt(client, "/admin/login/", "guess")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60


def test_the_browsable_api_login_form_is_locked_like_the_others(editor_with_password):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "/api-auth/login/", "newsdesk", address="10.0.0.9")
    right = {"username": "newsdesk", "password": PASSWORD}
    locked = client.post("/api-auth/login/", right, format="multipart", REMOTE_ADDR="10.0.0.9")
    assert locked.status_code == 429


@pytest.mark.parametrize("path", LOGIN_PATHS)
def test_a_username_longer_than_any_account_is_a_failed_login_not_a_server_error(path):
    answer = attempt(APIClient(), path, "x" * 300)
    assert answer.status_code in (200, 400)  # the form again with its error, or a JSON 400
    # Counted like any failure, under the 255 characters the lockout table holds.
    assert AccessAttempt.objects.get().username == "x" * 255


# --- logout, logout everywhere --------------------------------------------------------------


def token_client(password: str = PASSWORD) -> tuple[APIClient, str]:
    token = token_login(APIClient(), password).json()["token"]
    return APIClient(HTTP_AUTHORIZATION=f"Token {token}"), token


def can_write(client) -> int:
    return client.post("/api/v1/actors/", {"name": "A", "kind": "other"}).status_code


def test_logout_revokes_the_token_it_is_sent_with_and_no_other(editor_with_password):
    first, _ = token_client()
    second, _ = token_client()
    assert first.post("/api/v1/auth/logout/").status_code == 204
    assert can_write(first) == 401
    assert can_write(second) == 201


def test_logout_everywhere_revokes_every_token_of_the_user(editor_with_password):
    first, _ = token_client()
    second, _ = token_client()
    assert first.post("/api/v1/auth/logoutall/").status_code == 204
    assert (can_write(first), can_write(second)) == (401, 401)
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/auth/logout/", "/api/v1/auth/logoutall/"])
def test_logout_without_a_token_answers_401_in_the_json_error_shape(db, path):
    response = APIClient().post(path)
    assert response.status_code == 401
    assert set(response.json()) >= {"status", "code", "detail", "errors"}


# --- a cap on tokens per user -----------------------------------------------------------------


def test_a_login_beyond_the_token_cap_revokes_the_oldest_token(editor_with_password, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 3}
    clients = [token_client()[0] for _ in range(4)]
    assert AuthToken.objects.filter(user=editor_with_password).count() == 3
    assert [can_write(c) for c in clients] == [401, 201, 201, 201]


def test_create_user_counts_against_the_same_cap(db, settings):
    from django.core.management import call_command

    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 1}
    user_with_role("placeholder", "editor")  # the role groups
    call_command("create_user", "script", "--role", "editor", "--api-only", stdout=io.StringIO())
    assert AuthToken.objects.filter(user__username="script").count() == 1


# --- tokens die with the password or the account ---------------------------------------------


def test_a_password_change_revokes_every_token(editor_with_password):
    client, _ = token_client()
    editor_with_password.set_password("another-long-passphrase")
    editor_with_password.save()
    assert can_write(client) == 401


def test_a_password_change_in_the_admin_revokes_every_token(editor_with_password, admin_client):
    client, _ = token_client()
    new = "another-long-passphrase-2"
    response = admin_client.post(
        f"/admin/auth/user/{editor_with_password.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert can_write(client) == 401


def test_changepassword_revokes_every_token(editor_with_password, monkeypatch):
    from django.core.management import call_command

    client, _ = token_client()
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "another-long-passphrase-3")
    call_command("changepassword", "newsdesk", stdout=io.StringIO())
    assert can_write(client) == 401


def test_making_the_password_unusable_revokes_every_token(editor_with_password):
    client, _ = token_client()
    editor_with_password.set_unusable_password()
    editor_with_password.save()
    assert can_write(client) == 401


def test_deactivating_the_account_in_the_admin_revokes_every_token(
    editor_with_password, admin_client
):
    client, _ = token_client()
    user = editor_with_password
    response = admin_client.post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": user.username,
            "email": user.email,
            "groups": [g.pk for g in user.groups.all()],
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
            # is_active left out: the box is unchecked
        },
    )
    assert response.status_code == 302, response.content[:3000]
    user.refresh_from_db()
    assert not user.is_active
    assert not AuthToken.objects.filter(user=user).exists()
    user.is_active = True
    user.save()
    assert can_write(client) == 401  # reactivation does not bring the old tokens back


def test_an_edit_that_keeps_the_credentials_keeps_the_tokens(editor_with_password):
    client, _ = token_client()
    editor_with_password.first_name = "News"
    editor_with_password.save()
    assert can_write(client) == 201


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """A stand-in for a stronger hasher: one the stored MD5 hashes are upgraded to."""

    algorithm = "quick_pbkdf2"
    iterations = 1


def test_a_password_hash_upgrade_at_login_keeps_the_tokens(editor_with_password, settings):
    client, _ = token_client()
    # A stronger hasher becomes the default: the next login re-hashes the same password.
    settings.PASSWORD_HASHERS = [
        f"{__name__}.QuickPBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    before = AuthToken.objects.count()
    token_client()
    editor_with_password.refresh_from_db()
    assert editor_with_password.password.startswith("quick_pbkdf2$")
    assert AuthToken.objects.count() == before + 1
    assert can_write(client) == 201
