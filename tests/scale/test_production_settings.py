"""Production settings: statement timeout, replicas, pgbouncer, Redis; database down is a 503."""

import json
import os
import sqlite3
import subprocess
import sys
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import override_settings

from claims.models import Claim
from claimtrack.routers import PrimaryReplicaRouter, routing_scope

REDIS_URL = "redis://127.0.0.1:6379/13"


def settings_with(**env) -> dict:
    """The settings a fresh process computes from this environment."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATA", "CLAIMTRACK_"))
    }
    environment.update({"DJANGO_DEBUG": "1", **env})
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'DATABASES': s.DATABASES, 'CACHES': s.CACHES, "
        "'SESSION_ENGINE': s.SESSION_ENGINE, 'ROUTERS': s.DATABASE_ROUTERS, "
        "'MIDDLEWARE': s.MIDDLEWARE, 'REPLICAS': s.CLAIMTRACK_READ_REPLICAS}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**environment, "DJANGO_SETTINGS_MODULE": "claimtrack.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgresql_connections_carry_a_statement_timeout_from_the_environment():
    found = settings_with(
        DATABASE_URL="postgres://app@db.internal/claimtrack", CLAIMTRACK_STATEMENT_TIMEOUT_MS="1500"
    )
    options = found["DATABASES"]["default"]["OPTIONS"]
    assert options["options"] == "-c statement_timeout=1500"
    assert options["connect_timeout"] == 5


def test_replica_urls_become_read_aliases_with_the_router_and_read_your_writes():
    found = settings_with(
        DATABASE_URL="postgres://app@primary/claimtrack",
        DATABASE_REPLICA_URLS="postgres://app@replica-a/claimtrack, postgres://app@replica-b/claimtrack",
    )
    assert found["REPLICAS"] == ["replica_1", "replica_2"]
    assert found["DATABASES"]["replica_2"]["HOST"] == "replica-b"
    assert found["DATABASES"]["replica_1"]["TEST"]["MIRROR"] == "default"
    assert found["ROUTERS"] == ["claimtrack.routers.PrimaryReplicaRouter"]
    assert "claimtrack.routers.ReadYourWritesMiddleware" in found["MIDDLEWARE"]


def test_behind_pgbouncer_there_are_no_server_side_cursors_and_no_startup_options():
    found = settings_with(
        DATABASE_URL="postgres://app@bouncer:6432/claimtrack", DATABASE_PGBOUNCER="1"
    )
    database = found["DATABASES"]["default"]
    assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "options" not in database["OPTIONS"]


def test_a_redis_url_puts_cache_throttling_and_sessions_in_redis():
    found = settings_with(REDIS_URL=REDIS_URL)
    assert found["CACHES"]["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert found["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"


def test_without_redis_production_counts_in_the_database_cache_and_development_in_memory():
    production = settings_with(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)
    assert production["CACHES"]["default"]["BACKEND"].endswith("db.DatabaseCache")
    development = settings_with(DJANGO_DEBUG="1")
    assert development["CACHES"]["default"]["BACKEND"].endswith("locmem.LocMemCache")


# A release may migrate under development settings and serve under production ones (the
# benchmark did: every production request then failed on the missing table).
@pytest.mark.parametrize("debug", ["0", "1"])
def test_migrate_creates_the_database_cache_table_without_a_separate_step(tmp_path, debug):
    database = tmp_path / "fresh.sqlite3"
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATA", "CLAIMTRACK_"))
    }
    environment.update(
        DJANGO_DEBUG=debug, DJANGO_SECRET_KEY="x" * 50, DATABASE_URL=f"sqlite:///{database}"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "claimtrack_cache" in tables


def test_a_replica_url_of_another_kind_of_database_stops_start_up():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://app@primary/claimtrack",
        DATABASE_REPLICA_URLS="sqlite:////tmp/copy.sqlite3",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS" in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_statement_running_past_the_timeout_is_cancelled():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"
        cursor.execute("SET LOCAL statement_timeout = 50")
        with pytest.raises(OperationalError, match="statement timeout"):
            cursor.execute("SELECT pg_sleep(2)")


# --- the database is down ---------------------------------------------------------------


def database_down():
    return mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
        side_effect=OperationalError("connection refused: is the server running?"),
    )


@pytest.mark.django_db
def test_with_the_database_down_the_api_answers_503_json_with_retry_after():
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get("/api/v1/claims/")
        ready = client.get("/readyz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"


@pytest.mark.django_db
def test_with_the_database_down_a_signed_in_browser_gets_503_not_a_server_error(admin_client):
    admin_client.raise_request_exception = False
    with database_down():
        response = admin_client.get("/admin/claims/claim/")
    assert response.status_code == 503


@pytest.mark.django_db
def test_with_the_database_down_writes_answer_503_and_nothing_is_half_written(editor_client):
    with database_down():
        response = editor_client.post(
            "/api/v1/claims/", {"statement": "Lost?", "kind": "other"}, format="json"
        )
    assert response.status_code == 503
    assert not Claim.objects.exists()


# --- routing rules (no replica needed: the router only names aliases) ---------------------


@override_settings(CLAIMTRACK_READ_REPLICAS=["replica_1"])
def test_the_router_reads_from_a_replica_writes_to_the_primary_and_keeps_accounts_on_it():
    from django.contrib.auth.models import User
    from knox.models import AuthToken

    router = PrimaryReplicaRouter()
    with routing_scope():
        assert router.db_for_read(Claim) == "replica_1"
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(AuthToken) == "default"
        assert router.db_for_write(Claim) == "default"
        assert router.db_for_read(Claim) == "default"  # this request wrote
    assert router.allow_migrate("replica_1", "claims") is False


@pytest.mark.django_db
@override_settings(CLAIMTRACK_READ_REPLICAS=["replica_1"])
def test_reads_inside_a_transaction_stay_on_the_primary():
    from django.db import transaction

    with routing_scope(), transaction.atomic():
        assert PrimaryReplicaRouter().db_for_read(Claim) == "default"


# --- Redis --------------------------------------------------------------------------------


@pytest.fixture
def redis_cache():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    caches = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "claimtrack-test",
        }
    }
    with override_settings(
        CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        yield client
    for key in client.scan_iter("claimtrack-test:*"):
        client.delete(key)


@pytest.mark.django_db
def test_throttling_counters_live_in_redis_where_every_app_server_sees_them(redis_cache):
    response = Client().get("/api/v1/claims/")
    assert response.status_code == 200
    keys = [key.decode() for key in redis_cache.scan_iter("claimtrack-test:*throttle_anon*")]
    assert keys, "no throttle counter in Redis"
    assert cache.get(keys[0].split(":", 2)[2]) is not None


@pytest.mark.django_db
def test_sessions_are_cached_in_redis_and_kept_in_the_database(redis_cache, superuser):
    from django.contrib.sessions.models import Session

    client = Client()
    client.force_login(superuser)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert list(redis_cache.scan_iter(f"claimtrack-test:*{session_key}"))
    assert Session.objects.filter(session_key=session_key).exists()
