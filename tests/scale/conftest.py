import copy
import os
import time

import pytest
from django.db import connections
from django.test.utils import override_settings

from soak.cluster import Cluster, drop_slot, drop_stale_slots

REPLICA = "replica_test"
SLOT_PREFIX = "claimtrack_test_"


@pytest.fixture(scope="session")
def pg_replica(django_db_setup):
    """A second PostgreSQL cluster on another port, streaming from the test server.

    Built with `pg_basebackup -R` from the server in DATABASE_URL, run as the postgres user in
    a temporary directory, and torn down at the end of the session. The alias `replica_test`
    points at it with the primary's test database name; as a test mirror it is never created
    or flushed by the test runner (the replica replays what the primary does).
    """
    primary = connections["default"].settings_dict
    if connections["default"].vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://… (.ci/run does)")
    if os.environ.get("CLAIMTRACK_REPLICA_TESTS") != "1":
        # pg_basebackup copies the whole server: on a shared one that can be gigabytes.
        pytest.skip(
            "replica tests run in .ci/run's own step, against a throwaway primary "
            "(python -m soak.replica_tests); set CLAIMTRACK_REPLICA_TESTS=1 to run them here"
        )
    host, port = primary["HOST"] or "127.0.0.1", int(primary["PORT"] or 5432)
    slot = f"{SLOT_PREFIX}{os.getpid()}"
    drop_stale_slots(host, port, SLOT_PREFIX)
    replica = Cluster(prefix="claimtrack-replica-")
    try:
        replica.init_replica_of(host, port, slot)
        replica.start()
        replica.wait_ready()
    except RuntimeError as exc:
        replica.destroy()
        drop_slot(host, port, slot)
        if "pg_hba.conf" in str(exc):
            pytest.skip(
                "the PostgreSQL server does not allow replication connections from 127.0.0.1 "
                "(.ci/run's 'replication' step adds the pg_hba.conf line)"
            )
        raise
    settings_dict = copy.deepcopy(primary)
    settings_dict.update(HOST="127.0.0.1", PORT=str(replica.port))
    settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "MIRROR": "default"}
    connections.settings[REPLICA] = settings_dict
    try:
        yield replica
    finally:
        connections[REPLICA].close()
        del connections.settings[REPLICA]
        replica.destroy()
        drop_slot(host, port, slot)


@pytest.fixture
def replica_routing(pg_replica):
    """The router and middleware installed as DATABASE_REPLICA_URLS would install them."""
    from django.conf import settings

    with override_settings(
        DATABASE_ROUTERS=["claimtrack.routers.PrimaryReplicaRouter"],
        CLAIMTRACK_READ_REPLICAS=[REPLICA],
        MIDDLEWARE=[*settings.MIDDLEWARE, "claimtrack.routers.ReadYourWritesMiddleware"],
    ):
        yield REPLICA


def wait_for_replay(model, pk, timeout: float = 15) -> None:
    """Until the replica has replayed the row (streaming replication is asynchronous)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if model._base_manager.using(REPLICA).filter(pk=pk).exists():
            return
        time.sleep(0.05)
    raise AssertionError(f"{model.__name__} {pk} did not reach the replica in {timeout} s")
