"""Tokens are stored hashed and expire; logins are locked after repeated failures (django-axes)."""

from datetime import timedelta

import pytest
from django.conf import settings
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
