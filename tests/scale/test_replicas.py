"""Read replicas for real: a streaming replica of the test server (see conftest.pg_replica)."""

import time

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from claims.models import Claim
from claimtrack.routers import routing_scope
from tests.conftest import user_with_role
from tests.scale.conftest import REPLICA, wait_for_replay

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
]


def server_of(alias: str) -> tuple[bool, int]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        return cursor.fetchone()


def test_reads_are_served_by_the_replica_and_writes_by_the_primary(pg_replica, replica_routing):
    assert server_of(REPLICA) == (True, pg_replica.port)  # a standby, on its own port
    with routing_scope():
        claim = Claim.objects.create(statement="Rabat hosted the talks.", kind="meeting")
    assert Claim.objects.db_manager("default").filter(pk=claim.pk).exists()
    wait_for_replay(Claim, claim.pk)

    with routing_scope(), CaptureQueriesContext(connections[REPLICA]) as on_replica:
        found = Claim.objects.get(pk=claim.pk)
    assert found.statement == "Rabat hosted the talks."
    assert found._state.db == REPLICA
    assert any('"claims_claim"' in q["sql"] for q in on_replica.captured_queries)

    with routing_scope(), CaptureQueriesContext(connections["default"]) as on_primary:
        found.statement = "Rabat hosted the second round of talks."
        found.save()
    assert on_primary.captured_queries, "the write did not go to the primary"
    assert server_of("default")[0] is False


def test_a_replica_refuses_writes_so_none_can_be_routed_there_by_mistake(pg_replica):
    with pytest.raises(Exception, match="read-only transaction"):
        Claim.objects.using(REPLICA).create(statement="Never stored.", kind="other")


def test_a_request_that_wrote_reads_the_rest_of_the_request_from_the_primary(replica_routing):
    with routing_scope():
        assert Claim.objects.all().db == REPLICA
        Claim.objects.create(statement="A write pins the request.", kind="other")
        assert Claim.objects.all().db == "default"
    with routing_scope():
        assert Claim.objects.all().db == REPLICA  # the next request starts afresh


def test_a_client_reads_its_own_write_at_once_and_others_read_the_replica(replica_routing):
    writer = user_with_role("writer", "editor")
    _, token = AuthToken.objects.create(writer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    created = client.post(
        "/api/v1/claims/", {"statement": "Written, then read at once.", "kind": "statement"}
    )
    assert created.status_code == 201
    claim_id = created.json()["id"]
    # No waiting for replication: the writer's next read goes to the primary.
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        read = client.get(f"/api/v1/claims/{claim_id}/")
    assert read.status_code == 200
    assert read.json()["statement"] == "Written, then read at once."
    assert not on_replica.captured_queries

    wait_for_replay(Claim, claim_id)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        other = APIClient().get(f"/api/v1/claims/{claim_id}/")
    assert other.status_code == 200
    assert any('"claims_claim"' in q["sql"] for q in on_replica.captured_queries)


def test_the_writer_returns_to_the_replica_once_the_window_has_passed(replica_routing, settings):
    settings.CLAIMTRACK_READ_YOUR_WRITES_SECONDS = 1
    writer = user_with_role("writer", "editor")
    client = APIClient()
    client.force_login(writer)  # a browser session: the mark travels in a signed cookie
    created = client.post("/api/v1/claims/", {"statement": "Cookie pinned.", "kind": "other"})
    assert created.status_code == 201
    assert "claimtrack_wrote" in client.cookies
    claim_id = created.json()["id"]
    wait_for_replay(Claim, claim_id)

    time.sleep(1.5)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get(f"/api/v1/claims/{claim_id}/").status_code == 200
    assert any('"claims_claim"' in q["sql"] for q in on_replica.captured_queries)
