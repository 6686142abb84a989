"""The soak verifier catches lost, altered and duplicated writes (the soak's own proof)."""

import pytest
from django.db import connection

from claims.models import Claim
from soak.run import Ack, Ledger
from soak.verify import verify

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUN = "t3st"


def dsn() -> str:
    s = connection.settings_dict
    return (
        f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} "
        f"user={s['USER']} dbname={s['NAME']}"
    )


def acknowledged_create(statement: str) -> Ack:
    claim = Claim.objects.create(statement=statement, kind="other")
    return Ack("create", claim.pk, claim.version, statement, "unverified")


def test_a_run_whose_writes_are_all_stored_verifies():
    ledger = Ledger()
    ledger.acks.append(acknowledged_create(f"soak {RUN} create c1-1"))
    figures, problems = verify(dsn(), ledger, RUN)
    assert problems == []
    assert figures["writes_verified"] == 1


def test_an_acknowledged_edit_missing_from_the_database_is_reported():
    ledger = Ledger()
    ack = acknowledged_create(f"soak {RUN} create c1-1")
    ledger.acks += [
        ack,
        Ack("edit", ack.claim_id, ack.version + 1, f"soak {RUN} edit", "unverified"),
    ]
    _figures, problems = verify(dsn(), ledger, RUN)
    assert any("acknowledged edit in history 0 times" in p for p in problems)
    assert any("below" in p for p in problems)


def test_a_create_stored_twice_is_reported_as_a_duplicate():
    ledger = Ledger()
    ledger.acks.append(acknowledged_create(f"soak {RUN} create c1-1"))
    Claim.objects.create(statement=f"soak {RUN} create c1-1", kind="other")
    _figures, problems = verify(dsn(), ledger, RUN)
    assert any("created 2 times" in p for p in problems)
