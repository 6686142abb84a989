"""Verdict integrity in the domain: what a review keeps, the one guard on every write path, the
re-review flag, and reviews that are never changed nor lost."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from claims.claimreview import claim_to_claimreview, with_claimreview_relations
from claims.integrity import VerdictLocked, snapshot_changes
from claims.models import (
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    Event,
    Review,
    ReviewIsPermanent,
)
from claims.workflow import claim_reopen, claim_review, claim_snapshot
from tests.conftest import user_with_role
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimCountryFactory,
    ClaimFactory,
    EventFactory,
    SourceFactory,
    TopicPositionFactory,
)

pytestmark = pytest.mark.django_db

TEXT = (
    "Washington, Monday. The United States recognized Morocco's sovereignty over Western "
    "Sahara, the State Department said in a statement."
)
QUOTE = "The United States recognized Morocco's sovereignty over Western Sahara"
REASON = "The State Department's statement says so in these words."


@pytest.fixture
def reviewer():
    return user_with_role("rita", "reviewer")


@pytest.fixture
def editor():
    return user_with_role("eddie", "editor")


def judged_claim(reviewer, status="confirmed"):
    """A claim with a participant, an entered country and a supporting citation, judged."""
    claim = ClaimFactory(statement="The United States recognized Morocco's sovereignty.")
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="United States", country="US"))
    ClaimCountryFactory(claim=claim, country="EH", role="territory")
    source = SourceFactory(text=TEXT)
    citation = CitationFactory(claim=claim, source=source, quote=QUOTE)
    review = claim_review(
        claim=claim, status=status, reviewer=reviewer, rationale=REASON, citations=[citation]
    )
    claim.refresh_from_db()
    return claim, citation, review


# --- A verdict is a frozen record ---------------------------------------------------------


def test_a_review_keeps_the_claim_version_and_a_snapshot_of_everything_the_reviewer_saw(reviewer):
    claim = ClaimFactory(statement="Judged words.", event=EventFactory(name="Talks"))
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Nasser Bourita", country="MA"))
    ClaimCountryFactory(claim=claim, country="EH", role="territory")
    cited = CitationFactory(claim=claim, source=SourceFactory(text=TEXT), quote=QUOTE)
    other = CitationFactory(claim=claim, source=SourceFactory(text=TEXT), quote="Washington")
    claim.refresh_from_db()
    version = claim.version

    review = claim_review(
        claim=claim, status="confirmed", reviewer=reviewer, rationale=REASON, citations=[cited]
    )

    stored = Review.objects.get(pk=review.pk)
    assert stored.claim_version == version
    snapshot = stored.snapshot
    assert (snapshot["statement"], snapshot["kind"]) == ("Judged words.", "statement")
    assert snapshot["event"] == {"id": claim.event_id, "name": "Talks"}
    assert snapshot["participants"] == [
        {
            "actor": claim.participants.get().actor_id,
            "name": "Nasser Bourita",
            "kind": "person",
            "role": "subject",
        }
    ]
    assert {"code": "EH", "role": "territory", "derived": False} in snapshot["countries"]
    assert {"code": "MA", "role": "subject", "derived": True} in snapshot["countries"]
    first = snapshot["citations"][0]
    assert first == {
        "id": cited.pk,
        "cited": True,
        "quote": QUOTE,
        "prefix": cited.prefix,
        "suffix": cited.suffix,
        "stance": "supports",
        "anchoring": "exact",
        "start": TEXT.index(QUOTE),
        "end": TEXT.index(QUOTE) + len(QUOTE),
        "source": cited.source_id,
        "source_url": cited.source.canonical_url,
        "text_sha256": cited.source.text_sha256,
    }
    assert [c["id"] for c in snapshot["citations"]] == [cited.pk, other.pk]
    assert stored.cited_ids == [cited.pk]
    assert json.loads(json.dumps(snapshot)) == snapshot  # plain JSON


def test_a_snapshot_lists_the_countries_by_code_then_role():
    claim = ClaimFactory()
    for code, role in [("MA", "venue"), ("EH", "venue"), ("EH", "mentioned"), ("EH", "object")]:
        ClaimCountryFactory(claim=claim, country=code, role=role)
    countries = claim_snapshot(claim)["countries"]
    assert [(c["code"], c["role"]) for c in countries] == [
        ("EH", "mentioned"),
        ("EH", "object"),
        ("EH", "venue"),
        ("MA", "venue"),
    ]


def test_a_review_reads_the_claims_parts_in_the_same_queries_however_many_there_are(
    reviewer, django_assert_num_queries
):
    def claim_with_parts(n: int) -> Claim:
        claim = ClaimFactory()
        for _ in range(n):
            ClaimActorFactory(claim=claim)
            CitationFactory(claim=claim, source=SourceFactory(text=TEXT), quote=QUOTE)
        return Claim.objects.get(pk=claim.pk)

    # The lock, the permissions, the evidence, the snapshot, the writes and their audit
    # history; on PostgreSQL also the claim's search vector.
    queries = 17 if connection.vendor == "postgresql" else 16
    for claim in (claim_with_parts(1), claim_with_parts(4)):
        user = type(reviewer).objects.get(pk=reviewer.pk)  # its permissions not yet cached
        with django_assert_num_queries(queries):
            claim_review(claim=claim, status="confirmed", reviewer=user, rationale=REASON)
    assert len(Review.objects.get(claim=claim).snapshot["participants"]) == 4


def test_a_review_is_never_changed_nor_deleted_by_save_delete_or_a_queryset(reviewer):
    _claim, _citation, review = judged_claim(reviewer)
    review.rationale = "Rewritten afterwards."
    with pytest.raises(ReviewIsPermanent):
        review.save()
    with pytest.raises(ReviewIsPermanent):
        review.delete()
    with pytest.raises(ReviewIsPermanent):
        Review.objects.filter(pk=review.pk).update(rationale="Rewritten.")
    with pytest.raises(ReviewIsPermanent):
        Review.objects.filter(pk=review.pk).delete()
    forged = Review(
        pk=review.pk, claim=review.claim, status_before="in_review", status_after="false"
    )
    # An insert only: the id exists, so the database refuses it.
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert Review.objects.get(pk=review.pk).rationale == REASON


def test_the_reviews_citations_stay_as_recorded_when_a_citation_is_later_removed(reviewer, editor):
    claim, citation, review = judged_claim(reviewer)
    claim_reopen(claim=claim, user=editor, reason="The quote is from a rewritten article.")
    cited = citation.pk
    citation.delete()
    assert Review.objects.get(pk=review.pk).cited_ids == [cited]


# --- A material change reopens, explicitly (the one guard, on every write path) -----------


@pytest.mark.parametrize(
    "change",
    [
        {"statement": "The United States never recognized Morocco's sovereignty."},
        {"kind": "other"},
        {"occurred_on": "2020-12-10"},
        {"date_precision": "day"},
    ],
)
def test_saving_a_material_field_of_a_claim_with_a_verdict_is_refused_with_how_to_reopen(
    reviewer, change
):
    claim, _citation, _review = judged_claim(reviewer)
    for field, value in change.items():
        setattr(claim, field, value)
    with pytest.raises(VerdictLocked) as refused:
        claim.save()
    message = str(refused.value)
    assert f"Claim {claim.pk} has a verdict (“True”)" in message
    assert f"POST /api/v1/claims/{claim.pk}/reopen/" in message
    stored = Claim.objects.get(pk=claim.pk)
    assert stored.statement == "The United States recognized Morocco's sovereignty."
    assert stored.kind == "statement"


def test_a_refusal_names_the_claim_its_verdict_the_change_and_how_to_reopen(reviewer):
    ClaimFactory()  # claims without a verdict, before and after it
    claim, _citation, _review = judged_claim(reviewer)
    ClaimFactory()
    claim.statement, claim.kind = "Reworded.", "other"
    with pytest.raises(VerdictLocked) as refused:
        claim.save()
    assert str(refused.value) == (
        f"Claim {claim.pk} has a verdict (“True”), so changing its statement and its kind is "
        "refused: the verdict would no longer be about what its reviewer judged. To change it, "
        f'reopen the claim first (POST /api/v1/claims/{claim.pk}/reopen/ with {{"reason": "…"}}, '
        "or “Reopen for editing” in the admin), make the change, then record a verdict again."
    )


@pytest.mark.parametrize("field", ["event", "position"])
def test_saving_only_the_event_or_the_position_of_a_claim_with_a_verdict_is_refused(
    reviewer, field
):
    claim, _citation, _review = judged_claim(reviewer)
    setattr(claim, field, EventFactory() if field == "event" else TopicPositionFactory())
    with pytest.raises(VerdictLocked, match="changing (its event|the position it states)"):
        claim.save(update_fields=[field])
    assert getattr(Claim.objects.get(pk=claim.pk), f"{field}_id") is None


def test_the_guard_judges_the_claim_a_part_belongs_to_not_another(reviewer):
    ClaimFactory()  # the first claim, without a verdict
    judged, _citation, _review = judged_claim(reviewer)
    free = ClaimFactory()
    participant = ClaimActorFactory(claim=free, role="subject")
    citation = CitationFactory(claim=free, source=SourceFactory(text=TEXT), quote=QUOTE)

    participant.role = "object"
    participant.save()
    citation.stance = "refutes"
    citation.save()
    with pytest.raises(VerdictLocked) as refused:
        ClaimActor.objects.create(claim=judged, actor=ActorFactory(name="Spain"), role="object")

    assert str(refused.value).startswith(
        f"Claim {judged.pk} has a verdict (“True”), so adding participant Spain (object) is "
        "refused:"
    )
    assert ClaimActor.objects.get(pk=participant.pk).role == "object"
    assert Citation.objects.get(pk=citation.pk).stance == "refutes"


def test_a_participant_whose_actor_cannot_be_found_is_named_with_a_question_mark(reviewer):
    claim, _citation, _review = judged_claim(reviewer)
    with pytest.raises(VerdictLocked, match=r"adding participant \? \(object\) is refused"):
        ClaimActor(claim=claim, actor_id=987654321, role="object").save()


def test_the_event_of_a_claim_with_a_verdict_neither_changes_nor_is_deleted(reviewer, editor):
    claim, _citation, _review = judged_claim(reviewer)
    claim.event = EventFactory()
    with pytest.raises(VerdictLocked, match="its event"):
        claim.save()
    claim.refresh_from_db()
    claim_reopen(claim=claim, user=editor, reason="It happened at the summit.")
    claim.event = event = EventFactory(name="Summit")
    claim.save()
    claim_review(claim=claim, status="confirmed", reviewer=reviewer, rationale=REASON)
    # (A refused delete spoils the transaction it ran in, as any failed delete does.)
    with pytest.raises(VerdictLocked, match="deleting its event “Summit”"), transaction.atomic():
        event.delete()
    assert Claim.objects.get(pk=claim.pk).event_id == event.pk


def test_deleting_the_event_of_judged_claims_is_refused_naming_the_first_ten():
    event = EventFactory(name="Summit")
    judged = [ClaimFactory(event=event, status="false") for _ in range(11)]
    with pytest.raises(VerdictLocked) as refused, transaction.atomic():
        event.delete()
    others = ", ".join(f"#{claim.pk}" for claim in judged[1:10])
    assert str(refused.value).startswith(
        f"Claim {judged[0].pk} has a verdict (“False”), so deleting its event “Summit” (also the "
        f"event of judged claims {others} and more) is refused:"
    )
    assert Event.objects.filter(pk=event.pk).exists()

    judged[-1].delete()  # ten judged claims: each named, no "more"
    with pytest.raises(VerdictLocked) as refused, transaction.atomic():
        event.delete()
    assert f"(also the event of judged claims {others}) is refused:" in str(refused.value)

    for claim in judged[1:-1]:
        claim.delete()
    with pytest.raises(VerdictLocked) as refused, transaction.atomic():
        event.delete()
    assert "so deleting its event “Summit” is refused:" in str(refused.value)


def test_an_event_whose_claims_have_no_verdict_is_deleted_whatever_other_events_claims_have(
    reviewer,
):
    judged_claim(reviewer)  # a verdict, on a claim of no event
    ClaimFactory(event=EventFactory(), status="confirmed")  # a verdict, on another event
    event = EventFactory()
    claim = ClaimFactory(event=event, status="in_review")
    event.delete()
    assert Claim.objects.get(pk=claim.pk).event_id is None


def test_the_note_of_a_claim_with_a_verdict_may_change(reviewer):
    claim, _citation, _review = judged_claim(reviewer)
    claim.note = "Ask the desk for the original statement."
    claim.save()
    assert Claim.objects.get(pk=claim.pk).note == "Ask the desk for the original statement."


def test_participants_of_a_claim_with_a_verdict_are_neither_added_changed_nor_removed(
    reviewer,
):
    claim, _citation, _review = judged_claim(reviewer)
    participant = claim.participants.get()
    with pytest.raises(VerdictLocked, match="adding participant Spain"):
        ClaimActor.objects.create(claim=claim, actor=ActorFactory(name="Spain"), role="object")
    participant.role = "object"
    with pytest.raises(VerdictLocked, match="changing participant United States"):
        participant.save()
    removing = "removing participant United States"
    with pytest.raises(VerdictLocked, match=removing), transaction.atomic():
        ClaimActor.objects.get(pk=participant.pk).delete()
    with pytest.raises(VerdictLocked), transaction.atomic():
        ClaimActor.objects.filter(claim=claim).delete()  # a bulk delete too
    assert list(claim.participants.values_list("role", flat=True)) == ["subject"]


def test_entered_countries_of_a_claim_with_a_verdict_are_held_but_derived_rows_follow(
    reviewer,
):
    claim, _citation, _review = judged_claim(reviewer)
    entered = claim.countries.get(country="EH")
    with pytest.raises(VerdictLocked, match="adding country MA"):
        ClaimCountry.objects.create(claim=claim, country="MA", role="mentioned")
    with pytest.raises(VerdictLocked, match="removing country EH"), transaction.atomic():
        entered.delete()
    # An actor's new country is not a change of the claim: its derived row follows.
    actor = claim.participants.get().actor
    actor.country = "CA"
    actor.save()
    derived = set(claim.countries.filter(derived=True).values_list("country", "role"))
    assert derived == {("CA", "subject")}


def test_a_derived_country_row_cannot_be_edited_by_hand_on_any_claim():
    claim = ClaimFactory()
    ClaimActorFactory(claim=claim, actor=ActorFactory(country="US"))
    row = claim.countries.get(derived=True)
    row.country = "FR"
    with pytest.raises(ValidationError) as refused:
        row.save()
    assert refused.value.message_dict == {
        "country": [
            "This country row is derived from a participant or the event and follows them: "
            "change the participant or the event, or enter a country of your own."
        ]
    }
    assert [error.code for error in refused.value.error_dict["country"]] == ["derived_country"]
    assert Claim.objects.for_country("US").filter(pk=claim.pk).exists()


@pytest.mark.parametrize(
    "change", [{"stance": "refutes"}, {"quote": "recognized Morocco's sovereignty"}]
)
def test_a_citation_a_verdict_relied_on_cannot_change_or_go(reviewer, change):
    claim, citation, review = judged_claim(reviewer)
    for field, value in change.items():
        setattr(citation, field, value)
    with pytest.raises(VerdictLocked, match=f"changing citation #{citation.pk}"):
        citation.save()
    removing = f"removing citation #{citation.pk}"
    with pytest.raises(VerdictLocked, match=removing), transaction.atomic():
        Citation.objects.get(pk=citation.pk).delete()
    with pytest.raises(VerdictLocked, match="adding a citation"):
        CitationFactory(claim=claim, source=citation.source, quote="Washington")
    assert list(Review.objects.get(pk=review.pk).citations.all()) == [citation]


def test_a_citations_note_may_change_under_a_verdict(reviewer):
    _claim, citation, _review = judged_claim(reviewer)
    citation.note = "Checked against the archived copy."
    citation.save()
    assert Citation.objects.get(pk=citation.pk).note == "Checked against the archived copy."


def test_moving_a_judged_quote_with_other_context_in_an_unchanged_text_is_refused(reviewer):
    ClaimFactory()  # claims without a verdict, before and after it
    claim = ClaimFactory()
    text = "He said yes. Later, he said yes again."
    citation = CitationFactory(claim=claim, source=SourceFactory(text=text), quote="said yes")
    claim_review(claim=claim, status="confirmed", reviewer=reviewer, rationale=REASON)
    ClaimFactory()
    citation.refresh_from_db()
    citation.prefix, citation.suffix = "Later, he ", " again."
    with pytest.raises(VerdictLocked) as refused:
        citation.save()
    assert str(refused.value).startswith(
        f"Claim {claim.pk} has a verdict (“True”), so moving where citation #{citation.pk}'s "
        "quote is anchored is refused:"
    )
    assert Citation.objects.get(pk=citation.pk).start == text.index("said yes")


def test_a_quote_a_new_text_moved_goes_back_where_it_was_judged_when_the_text_comes_back(
    reviewer,
):
    claim, citation, _review = judged_claim(reviewer)
    source = citation.source
    source.text = "Added in front. " + TEXT
    source.save()
    assert Citation.objects.get(pk=citation.pk).start == len("Added in front. ") + TEXT.index(QUOTE)

    source.text = TEXT
    source.save()

    assert Citation.objects.get(pk=citation.pk).start == TEXT.index(QUOTE)


def test_the_guard_holds_for_management_commands_too(reviewer, tmp_path):
    claim, citation, _review = judged_claim(reviewer)
    with pytest.raises(VerdictLocked):
        call_command(
            "shell",
            command=(
                "from claims.models import Claim\n"
                f"c = Claim.objects.get(pk={claim.pk})\n"
                "c.statement = 'Rewritten from a shell.'\n"
                "c.save()\n"
            ),
            stdout=io.StringIO(),
        )
    assert Claim.objects.get(pk=claim.pk).statement.startswith("The United States recognized")


def test_after_a_reopen_the_claim_can_be_edited_and_judged_again(reviewer, editor):
    claim, _citation, first = judged_claim(reviewer)
    reopened = claim_reopen(claim=claim, user=editor, reason="The date is missing.")
    assert (reopened.status_before, reopened.status_after) == ("confirmed", "in_review")
    assert reopened.rationale == "The date is missing."
    claim.refresh_from_db()
    claim.occurred_on, claim.date_precision = "2020-12-10", "day"
    claim.save()
    second = claim_review(claim=claim, status="confirmed", reviewer=reviewer, rationale=REASON)
    assert second.snapshot["occurred_on"] == "2020-12-10"
    assert Review.objects.get(pk=first.pk).snapshot["occurred_on"] is None


def test_reopening_a_claim_without_a_verdict_is_refused_naming_the_status(editor):
    claim = ClaimFactory()
    with pytest.raises(ValidationError) as refused:
        claim_reopen(claim=claim, user=editor, reason="Why not.")
    assert "no verdict to reopen" in refused.value.message_dict["status"][0]
    assert not Review.objects.exists()


# --- Evidence moving under a verdict ------------------------------------------------------


def test_a_new_source_text_that_moves_a_judged_quote_flags_the_claim_with_a_system_entry(
    reviewer, editor, client
):
    claim, citation, _review = judged_claim(reviewer)
    published = claim_to_claimreview(claim, base_url="https://x.example")
    source = citation.source
    source.text = "The article was rewritten: " + TEXT.replace("Western Sahara", "the Sahara")
    source._history_user = editor
    source.save()

    claim.refresh_from_db()
    assert claim.needs_rereview is True
    assert claim.status == "confirmed"
    entry = claim.history.latest()
    assert entry.history_user is None
    assert f"citation #{citation.pk}" in entry.history_change_reason
    assert "needs re-review" in entry.history_change_reason
    assert claim_to_claimreview(claim, base_url="https://x.example") == published

    claim_reopen(claim=claim, user=editor, reason="The source changed.")
    # Reopening decides nothing: the flag stays until a reviewer records a verdict again.
    assert Claim.objects.get(pk=claim.pk).needs_rereview is True
    claim_review(claim=claim, status="unverifiable", reviewer=reviewer, rationale="Gone.")
    assert Claim.objects.get(pk=claim.pk).needs_rereview is False


@pytest.mark.parametrize(
    "text, how",
    [
        ("Added in front. " + TEXT, "found elsewhere"),
        (TEXT.replace("recognized", "recognised"), "only approximately found"),
        ("Nothing of it is left.", "no longer found"),
        ("", "unchecked"),  # a source whose text was removed
    ],
)
def test_the_re_review_entry_says_how_the_judged_quote_moved(reviewer, text, how):
    claim, citation, _review = judged_claim(reviewer)
    source = citation.source
    source.text = text
    source.save()
    reason = Claim.objects.get(pk=claim.pk).history.latest().history_change_reason
    assert reason == f"needs re-review: citation #{citation.pk}'s quote {how} in its source"


@pytest.mark.parametrize(
    "ids, reason",
    [
        (
            [1000000001, 1000000002, 1000000003, 1000000004],
            "needs re-review: citations #1000000001, #1000000002, #1000000003, #1000000004 moved "
            "in their sources",
        ),
        (
            [1000000001, 1000000002, 1000000003, 10000000004],
            "needs re-review: citations #1000000001, #1000000002, #1000000003, #10000000004 moved "
            "in their sourc…",
        ),
    ],
)
def test_the_re_review_entry_names_every_moved_citation_within_100_characters(
    reviewer, ids, reason
):
    # The ids are chosen so that the entry takes exactly 100 characters, then 101 (cut short):
    # the history keeps at most 100.
    claim = ClaimFactory()
    source = SourceFactory(text=TEXT)
    citations = [CitationFactory(id=pk, claim=claim, source=source, quote=QUOTE) for pk in ids]
    claim_review(
        claim=claim, status="confirmed", reviewer=reviewer, rationale=REASON, citations=citations
    )
    source.text = "Added in front. " + TEXT
    source.save()
    entry = Claim.objects.get(pk=claim.pk).history.latest()
    assert entry.history_change_reason == reason


def test_a_moved_quote_the_verdict_did_not_point_at_flags_nothing(reviewer):
    claim, cited, _review = judged_claim(reviewer)
    claim_reopen(claim=claim, user=user_with_role("ed", "editor"), reason="One more quote.")
    other = CitationFactory(claim=claim, source=SourceFactory(text=TEXT), quote=QUOTE)
    claim_review(
        claim=claim, status="confirmed", reviewer=reviewer, rationale=REASON, citations=[cited]
    )
    source = other.source
    source.text = "Added in front. " + TEXT
    source.save()
    assert Citation.objects.get(pk=other.pk).start != TEXT.index(QUOTE)
    assert Claim.objects.get(pk=claim.pk).needs_rereview is False


def test_a_new_text_that_keeps_a_judged_quote_where_it_was_flags_nothing(reviewer):
    claim, citation, _review = judged_claim(reviewer)
    source = citation.source
    source.text = TEXT + " A paragraph added at the end."
    source.save()
    assert Claim.objects.get(pk=claim.pk).needs_rereview is False


def test_moved_quotes_of_claims_without_a_verdict_flag_nothing():
    citation = CitationFactory(source=SourceFactory(text=TEXT), quote=QUOTE)
    source = citation.source
    source.text = "Nothing of it is left."
    source.save()
    assert Citation.objects.get(pk=citation.pk).anchoring == "orphaned"
    assert Claim.objects.get(pk=citation.claim_id).needs_rereview is False


# --- What changed since a review ----------------------------------------------------------


def test_the_changes_since_a_review_name_each_part_that_differs(reviewer, editor):
    claim, citation, review = judged_claim(reviewer)
    assert snapshot_changes(review.snapshot, claim_snapshot(claim)) == []
    actor = claim.participants.get().actor
    actor.name = "USA"
    actor.save()
    changes = snapshot_changes(review.snapshot, claim_snapshot(claim))
    assert {
        "field": "participants",
        "label": "Participant",
        "judged": "United States (subject)",
        "now": "USA (subject)",
    } in changes


def snapshot_citation(pk: int, **changes) -> dict:
    """A citation as a review's snapshot records it."""
    row = {
        "id": pk,
        "cited": True,
        "quote": f"Quote {pk}",
        "prefix": "",
        "suffix": "",
        "stance": "supports",
        "anchoring": "exact",
        "start": 0,
        "end": 7,
        "source": 1,
        "source_url": "https://news.example/articles/1",
        "text_sha256": "ab" * 32,
    }
    return row | changes


def test_the_changes_since_a_review_list_each_difference_once_with_what_was_judged_and_now():
    judged = {
        "statement": "Spain backs the autonomy plan.",
        "kind": "statement",
        "occurred_on": "2022-03-18",
        "date_precision": "day",
        "event": {"id": 1, "name": "Talks"},
        "participants": [
            {"actor": 3, "name": "Spain", "kind": "country", "role": "subject"},
            {"actor": 4, "name": "Pedro Sánchez", "kind": "person", "role": "subject"},
        ],
        "countries": [
            {"code": "EH", "role": "territory", "derived": False},
            {"code": "ES", "role": "subject", "derived": True},
        ],
        "citations": [snapshot_citation(1), snapshot_citation(2), snapshot_citation(3)],
    }
    now = judged | {
        "statement": "Spain opposes the autonomy plan.",
        "participants": [
            {"actor": 3, "name": "Kingdom of Spain", "kind": "country", "role": "subject"},
            {"actor": 5, "name": "Morocco", "kind": "country", "role": "object"},
        ],
        "countries": [
            {"code": "EH", "role": "territory", "derived": True},
            {"code": "MA", "role": "mentioned", "derived": False},
        ],
        "citations": [
            snapshot_citation(2, stance="refutes"),
            snapshot_citation(3),
            snapshot_citation(4),
        ],
    }

    assert snapshot_changes(judged, now) == [
        {
            "field": "statement",
            "label": "Statement",
            "judged": "Spain backs the autonomy plan.",
            "now": "Spain opposes the autonomy plan.",
        },
        {
            "field": "participants",
            "label": "Participant",
            "judged": "Spain (subject)",
            "now": "Kingdom of Spain (subject)",
        },
        {
            "field": "participants",
            "label": "Participant",
            "judged": "Pedro Sánchez (subject)",
            "now": None,
        },
        {
            "field": "participants",
            "label": "Participant",
            "judged": None,
            "now": "Morocco (object)",
        },
        {
            "field": "countries",
            "label": "Country",
            "judged": "EH (territory, entered)",
            "now": "EH (territory, derived)",
        },
        {"field": "countries", "label": "Country", "judged": "ES (subject, derived)", "now": None},
        {
            "field": "countries",
            "label": "Country",
            "judged": None,
            "now": "MA (mentioned, entered)",
        },
        {"field": "citations[1]", "label": "Citation #1", "judged": "Quote 1", "now": None},
        {
            "field": "citations[2].stance",
            "label": "Citation #2 stance",
            "judged": "supports",
            "now": "refutes",
        },
        {"field": "citations[4]", "label": "Citation #4", "judged": None, "now": "Quote 4"},
    ]
    assert snapshot_changes(judged, judged) == []
    assert snapshot_changes({}, now) == []  # a review that recorded nothing


def test_the_changes_to_participants_come_in_the_order_of_their_actor_ids_as_numbers():
    # Actor 9 before actor 10 (compared as text, 10 came first).
    judged = {
        "participants": [
            {"actor": 9, "name": "Spain", "kind": "country", "role": "subject"},
            {"actor": 10, "name": "France", "kind": "country", "role": "subject"},
        ],
        "countries": [],
        "citations": [],
    }
    now = {"participants": [], "countries": [], "citations": []}
    assert [c["judged"] for c in snapshot_changes(judged, now)] == [
        "Spain (subject)",
        "France (subject)",
    ]


# --- Reviews are never lost ---------------------------------------------------------------


def test_a_restored_claim_publishes_the_same_claimreview_as_before_its_deletion(
    reviewer, superuser
):
    from claims.admin_views import deleted_claim_records, restore_claim

    claim, citation, review = judged_claim(reviewer)
    before = claim_to_claimreview(
        with_claimreview_relations(Claim.objects.all()).get(pk=claim.pk), base_url="https://x"
    )
    Claim.objects.get(pk=claim.pk).delete()
    assert not Review.objects.filter(pk=review.pk).exists()

    restored, skipped = restore_claim(deleted_claim_records().get(id=claim.pk), superuser)

    assert skipped == []
    back = Review.objects.get(pk=review.pk)
    assert (back.status_after, back.rationale, back.snapshot) == (
        "confirmed",
        REASON,
        review.snapshot,
    )
    assert list(back.citations.all()) == [citation]
    after = claim_to_claimreview(
        with_claimreview_relations(Claim.objects.all()).get(pk=restored.pk), base_url="https://x"
    )
    assert after == before


# --- Reviews recorded before snapshots existed --------------------------------------------


def test_the_migration_rebuilds_earlier_reviews_snapshots_from_the_audit_history(reviewer, editor):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "claims.migrations.0006_role_permissions_and_review_snapshots"
    )
    claim, citation, first = judged_claim(reviewer)
    claim_reopen(claim=claim, user=editor, reason="Name the proclamation.")
    claim.refresh_from_db()
    claim.statement = "The United States recognized Morocco's sovereignty by proclamation."
    claim.save()
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Donald Trump", country="US"))
    second = claim_review(claim=claim, status="confirmed", reviewer=reviewer, rationale=REASON)
    recorded = {r.pk: r.snapshot for r in Review.objects.all()}
    # As before snapshots existed (the plain manager: the application never does this).
    Review._base_manager.update(snapshot={})

    migration.snapshot_earlier_reviews(apps, None)

    for review in Review.objects.all():
        rebuilt = dict(review.snapshot)
        assert rebuilt.pop("reconstructed") is True
        assert rebuilt == recorded[review.pk], review
    assert Review.objects.get(pk=first.pk).snapshot["statement"].endswith("sovereignty.")
    assert len(Review.objects.get(pk=second.pk).snapshot["participants"]) == 2
    assert Review.objects.get(pk=first.pk).cited_ids == [citation.pk]


def test_loading_the_demo_again_leaves_a_judged_demo_claim_as_it_was_judged(reviewer):
    call_command("load_demo", stdout=io.StringIO())
    claim = Claim.objects.get(statement="Morocco established diplomatic relations with Israel.")
    claim.participants.filter(role="object").delete()  # the team's own correction
    claim_review(claim=claim, status="confirmed", reviewer=reviewer, rationale=REASON)
    judged = list(claim.participants.values_list("actor__name", "role"))

    call_command("load_demo", stdout=io.StringIO())

    assert list(claim.participants.values_list("actor__name", "role")) == judged
