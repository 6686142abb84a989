"""No write path skips the audit history: API, commands, deletion."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.history import claim_history
from claims.models import Citation, Claim, ClaimActor, ClaimCountry
from tests.factories import ActorFactory, ClaimFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "fixtures" / "claimreview"


def test_load_demo_records_a_creation_for_every_claim_and_part():
    call_command("load_demo", stdout=io.StringIO())
    for model in (Claim, ClaimActor, ClaimCountry, Citation):
        created = set(model.history.filter(history_type="+").values_list("id", flat=True))
        assert created == set(model.objects.values_list("id", flat=True)), model


def test_import_claimreview_records_history_for_what_it_creates():
    call_command("import_claimreview", str(FIXTURES / "single.json"), stdout=io.StringIO())
    claim = Claim.objects.get()
    actions = {entry["action"] for entry in claim_history(claim.pk)}
    assert "created" in actions
    # Created (unverified) by the import, which says so; another organisation's verdict is
    # evidence on the claim, never a review of ours (issue 13).
    assert claim.status == "unverified"
    assert any(
        entry["model"] == "claim"
        and entry["action"] == "created"
        and "ClaimReview" in (entry["reason"] or "")
        for entry in claim_history(claim.pk)
    )


def test_the_history_of_a_claim_includes_its_participants_and_countries():
    claim = ClaimFactory()
    participant = ClaimActor.objects.create(
        claim=claim, actor=ActorFactory(country="MA"), role="subject"
    )
    participant.delete()
    entries = [(e["model"], e["action"]) for e in claim_history(claim.pk)]
    assert ("claimactor", "created") in entries and ("claimactor", "deleted") in entries
    assert ("claimcountry", "created") in entries and ("claimcountry", "deleted") in entries
    assert entries[-1] == ("claim", "created")


def test_a_deleted_claim_keeps_its_history():
    claim = ClaimFactory(statement="Soon gone.")
    pk = claim.pk
    claim.delete()
    entries = claim_history(pk)
    assert entries[0]["action"] == "deleted"
    assert Claim.history.filter(id=pk, history_type="-").get().statement == "Soon gone."
