"""The verification workflow: transitions per role, evidence rules, reviews, consensus."""

import datetime as dt
import re
import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from claims.models import Citation, Claim, Review
from claims.workflow import (
    BUCKET,
    LABEL,
    RATING,
    TRANSITIONS,
    VERDICTS,
    EvidenceMissing,
    ReviewPermissionDenied,
    TransitionNotAllowed,
    VersionConflict,
    allowed_targets,
    annotate_consensus,
    claim_consensus,
    claim_review,
    current_verdict,
    may_record_verdict,
    may_review,
    verdict_reviews,
)
from tests.conftest import run_at_once, user_with_role
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimFactory,
    PublisherFactory,
    SourceFactory,
    UserFactory,
)

S = Claim.Status
ALL = list(S)
VERDICT_LIST = [S.CONFIRMED, S.MOSTLY_TRUE, S.MIXED, S.MISLEADING, S.FALSE, S.UNVERIFIABLE]

# The issue's table of moves, written out here independently of TRANSITIONS.
ALLOWED = {
    (S.UNVERIFIED, S.IN_REVIEW),
    (S.IN_REVIEW, S.UNVERIFIED),
    *((S.IN_REVIEW, v) for v in VERDICT_LIST),
    *((S.UNVERIFIED, v) for v in VERDICT_LIST),
    *((v, S.IN_REVIEW) for v in VERDICT_LIST),
}
# Editors send to review and back, and reopen a verdict; only reviewers record verdicts.
EDITOR_MOVES = {
    (S.UNVERIFIED, S.IN_REVIEW),
    (S.IN_REVIEW, S.UNVERIFIED),
    *((v, S.IN_REVIEW) for v in VERDICT_LIST),
}
REASON = "Two wire reports and the ministry's statement agree."


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Users are made in nearly every test here; PBKDF2 would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def member_of(*groups, **extra):
    user = UserFactory(**extra)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


@pytest.fixture
def editor(db):
    return member_of("editor", username="eddie")


@pytest.fixture
def reviewer(db):
    return member_of("reviewer", username="rita")


@pytest.fixture
def plain_user(db):
    return UserFactory(username="pat")


def claim_with_evidence(status=S.UNVERIFIED):
    """A claim that meets every evidence rule: one source supports it, another refutes it.

    Put in `status` directly (its citations first: a claim with a verdict takes no new ones).
    """
    claim = ClaimFactory()
    CitationFactory(claim=claim, stance=Citation.Stance.SUPPORTS)
    CitationFactory(claim=claim, stance=Citation.Stance.REFUTES)
    Claim.objects.filter(pk=claim.pk).update(status=status)
    claim.refresh_from_db()
    return claim


# --- The plain data ------------------------------------------------------------------------


def test_ratings_labels_and_buckets_follow_the_issue_table():
    assert RATING == {
        S.UNVERIFIED: None,
        S.IN_REVIEW: None,
        S.CONFIRMED: 5,
        S.MOSTLY_TRUE: 4,
        S.MIXED: 3,
        S.MISLEADING: 2,
        S.FALSE: 1,
        S.UNVERIFIABLE: None,
    }
    assert LABEL == {
        S.UNVERIFIED: "Unverified",
        S.IN_REVIEW: "In review",
        S.CONFIRMED: "True",
        S.MOSTLY_TRUE: "Mostly true",
        S.MIXED: "Mixed",
        S.MISLEADING: "Misleading",
        S.FALSE: "False",
        S.UNVERIFIABLE: "Unverifiable",
    }
    assert BUCKET[S.CONFIRMED] == "TRUE"
    assert BUCKET[S.FALSE] == "FALSE"
    assert {BUCKET[s] for s in (S.MOSTLY_TRUE, S.MIXED, S.MISLEADING)} == {"MIXTURE"}
    assert {BUCKET[s] for s in (S.UNVERIFIED, S.IN_REVIEW, S.UNVERIFIABLE)} == {"OTHER"}


def test_the_transition_table_is_exactly_the_issue_table():
    assert set(VERDICTS) == set(VERDICT_LIST)
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


# --- Every transition for every role -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("target", ALL)
def test_a_reviewer_may_make_every_move_in_the_table_and_no_other(reviewer, current, target):
    claim = claim_with_evidence(current)
    if (current, target) in ALLOWED:
        review = claim_review(claim=claim, status=target, reviewer=reviewer, rationale=REASON)
        claim.refresh_from_db()
        assert claim.status == target
        assert (review.status_before, review.status_after) == (current, target)
        assert review.reviewer == reviewer
    else:
        with pytest.raises(TransitionNotAllowed):
            claim_review(claim=claim, status=target, reviewer=reviewer, rationale=REASON)
        claim.refresh_from_db()
        assert claim.status == current
        assert not Review.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("target", ALL)
def test_an_editor_may_send_to_review_and_back_and_reopen_but_not_judge(editor, current, target):
    claim = claim_with_evidence(current)
    if (current, target) in EDITOR_MOVES:
        claim_review(claim=claim, status=target, reviewer=editor, rationale=REASON)
        claim.refresh_from_db()
        assert claim.status == target
        assert Review.objects.get().reviewer == editor
        return
    expected = ReviewPermissionDenied if (current, target) in ALLOWED else TransitionNotAllowed
    with pytest.raises(expected):
        claim_review(claim=claim, status=target, reviewer=editor, rationale=REASON)
    claim.refresh_from_db()
    assert claim.status == current
    assert not Review.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("target", ALL)
def test_a_user_without_a_role_can_make_no_move(plain_user, current, target):
    claim = claim_with_evidence(current)
    with pytest.raises(ReviewPermissionDenied) as refused:
        claim_review(claim=claim, status=target, reviewer=plain_user, rationale=REASON)
    assert str(refused.value) == "Only editors and reviewers can change a claim's status."
    claim.refresh_from_db()
    assert claim.status == current
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_an_editor_is_told_that_recording_a_verdict_is_for_reviewers(editor):
    claim = claim_with_evidence(S.IN_REVIEW)
    with pytest.raises(ReviewPermissionDenied, match="Only reviewers can record a verdict"):
        claim_review(claim=claim, status=S.CONFIRMED, reviewer=editor, rationale=REASON)


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "  \n "])
def test_reopening_a_verdict_needs_a_reason_from_anyone(editor, reviewer, reason):
    for user in (editor, reviewer):
        claim = claim_with_evidence(S.FALSE)
        with pytest.raises(EvidenceMissing) as refused:
            claim_review(claim=claim, status=S.IN_REVIEW, reviewer=user, rationale=reason)
        assert refused.value.rules == ["reopen_reason"]
        assert refused.value.message_dict == {
            "rationale": [
                "Reopening a “False” verdict needs a reason: say what should be looked at again."
            ]
        }
        assert Claim.objects.get(pk=claim.pk).status == S.FALSE


@pytest.mark.django_db
def test_a_superuser_counts_as_reviewer_and_editor(superuser):
    assert may_record_verdict(superuser) and may_review(superuser)
    claim = claim_with_evidence()
    claim_review(claim=claim, status=S.CONFIRMED, reviewer=superuser, rationale=REASON)
    assert Claim.objects.get(pk=claim.pk).status == S.CONFIRMED


@pytest.mark.django_db
def test_a_deactivated_reviewer_and_an_anonymous_user_have_no_role():
    from django.contrib.auth.models import AnonymousUser

    gone = member_of("reviewer", is_active=False)
    assert not may_record_verdict(gone)
    assert not may_review(AnonymousUser())
    with pytest.raises(ReviewPermissionDenied):
        claim_review(claim=claim_with_evidence(), status=S.IN_REVIEW, reviewer=gone)
    with pytest.raises(ReviewPermissionDenied):
        claim_review(claim=claim_with_evidence(), status=S.IN_REVIEW, reviewer=None)


@pytest.mark.django_db
def test_recording_a_verdict_needs_a_role_and_the_verdict_permission(editor, reviewer):
    assert may_record_verdict(reviewer)
    assert may_review(editor) and not may_record_verdict(editor)
    # The verdict permission alone, without a role that may change statuses at all, is not
    # enough: the workflow would refuse such a user any move.
    stray = user_with_role("stray", permissions=["claims.record_verdict"])
    assert not may_review(stray) and not may_record_verdict(stray)
    assert not may_record_verdict(None)


@pytest.mark.django_db
def test_refused_moves_list_the_allowed_targets_under_status(reviewer):
    claim = claim_with_evidence(S.CONFIRMED)
    with pytest.raises(TransitionNotAllowed) as refused:
        claim_review(claim=claim, status=S.FALSE, reviewer=reviewer, rationale=REASON)
    assert isinstance(refused.value, ValidationError)
    assert refused.value.allowed == [S.IN_REVIEW]
    assert "in_review" in refused.value.message_dict["status"][0]


@pytest.mark.django_db
def test_errors_are_the_django_exceptions_an_api_maps_to_400_and_403(editor):
    assert issubclass(EvidenceMissing, ValidationError)
    assert issubclass(TransitionNotAllowed, ValidationError)
    assert issubclass(ReviewPermissionDenied, PermissionDenied)


@pytest.mark.django_db
def test_allowed_targets_are_what_each_role_may_choose(editor, reviewer, plain_user):
    assert allowed_targets(S.UNVERIFIED, editor) == [S.IN_REVIEW]
    assert allowed_targets(S.IN_REVIEW, editor) == [S.UNVERIFIED]
    assert allowed_targets(S.FALSE, editor) == [S.IN_REVIEW]
    assert allowed_targets(S.FALSE, reviewer) == [S.IN_REVIEW]
    assert allowed_targets(S.IN_REVIEW, reviewer) == [S.UNVERIFIED, *VERDICT_LIST]
    assert allowed_targets(S.UNVERIFIED, plain_user) == []


@pytest.mark.django_db
def test_an_unknown_status_is_refused_naming_the_field(reviewer):
    with pytest.raises(ValidationError) as refused:
        claim_review(claim=claim_with_evidence(), status="approved", reviewer=reviewer)
    assert refused.value.message_dict == {
        "status": [
            "'approved' is not a status; choose one of: unverified, in_review, confirmed, "
            "mostly_true, mixed, misleading, false, unverifiable."
        ]
    }
    assert [e.code for e in refused.value.error_dict["status"]] == ["invalid"]


@pytest.mark.django_db
@pytest.mark.parametrize("citation", ["12a", None])
def test_a_citation_that_is_not_an_id_is_refused_naming_the_field(reviewer, citation):
    claim = claim_with_evidence(S.IN_REVIEW)
    with pytest.raises(ValidationError) as refused:
        claim_review(
            claim=claim, status=S.FALSE, reviewer=reviewer, rationale=REASON, citations=[citation]
        )
    assert refused.value.message_dict == {"citations": [f"{citation!r} is not a citation id."]}
    assert [e.code for e in refused.value.error_dict["citations"]] == ["invalid"]
    assert not Review.objects.exists()


# --- Evidence rules at their boundaries ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("verdict", [S.CONFIRMED, S.MOSTLY_TRUE])
def test_a_true_verdict_needs_one_supporting_publisher_by_default(reviewer, verdict):
    claim = ClaimFactory()
    CitationFactory(claim=claim, stance=Citation.Stance.MENTIONS)
    CitationFactory(claim=claim, stance=Citation.Stance.REFUTES)
    with pytest.raises(EvidenceMissing) as refused:
        claim_review(claim=claim, status=verdict, reviewer=reviewer, rationale=REASON)
    assert refused.value.rules == ["min_publishers"]
    label = {S.CONFIRMED: "True", S.MOSTLY_TRUE: "Mostly true"}[verdict]
    assert refused.value.message_dict["citations"] == [
        f"A “{label}” verdict needs supporting citations from at least 1 different "
        "publisher(s) whose quotes are found in their sources; this claim has 0 (none)."
    ]

    CitationFactory(claim=claim, stance=Citation.Stance.SUPPORTS)
    claim_review(claim=claim, status=verdict, reviewer=reviewer, rationale=REASON)
    assert Claim.objects.get(pk=claim.pk).status == verdict


@pytest.mark.django_db
@pytest.mark.parametrize("verdict", [S.CONFIRMED, S.MOSTLY_TRUE])
def test_with_the_two_source_rule_two_articles_from_one_publisher_are_not_enough(
    settings, reviewer, verdict
):
    settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = 2
    claim = ClaimFactory()
    outlet = PublisherFactory(domain="wire.example")
    CitationFactory(claim=claim, source=SourceFactory(publisher=outlet))
    CitationFactory(claim=claim, source=SourceFactory(publisher=outlet))
    with pytest.raises(EvidenceMissing) as refused:
        claim_review(claim=claim, status=verdict, reviewer=reviewer, rationale=REASON)
    assert "has 1 (wire.example)" in refused.value.message_dict["citations"][0]

    CitationFactory(claim=claim, source=SourceFactory(publisher=PublisherFactory()))
    claim_review(claim=claim, status=verdict, reviewer=reviewer, rationale=REASON)
    assert Claim.objects.get(pk=claim.pk).status == verdict


@pytest.mark.django_db
def test_a_refusal_names_the_publishers_found_so_far(settings, reviewer):
    settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = 3
    claim = ClaimFactory()
    for domain in ("b.example", "a.example"):
        CitationFactory(
            claim=claim, source=SourceFactory(publisher=PublisherFactory(domain=domain))
        )
    with pytest.raises(EvidenceMissing) as refused:
        claim_review(claim=claim, status=S.MOSTLY_TRUE, reviewer=reviewer, rationale=REASON)
    assert refused.value.message_dict["citations"] == [
        "A “Mostly true” verdict needs supporting citations from at least 3 different "
        "publisher(s) whose quotes are found in their sources; this claim has 2 (a.example, "
        "b.example)."
    ]


@pytest.mark.django_db
def test_sources_without_a_publisher_count_by_their_own_site(settings, reviewer):
    settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = 2
    claim = ClaimFactory()
    CitationFactory(claim=claim, source=SourceFactory(publisher=None, url="https://a.example/1"))
    CitationFactory(
        claim=claim, source=SourceFactory(publisher=None, url="https://www.a.example/2")
    )
    with pytest.raises(EvidenceMissing):
        claim_review(claim=claim, status=S.CONFIRMED, reviewer=reviewer, rationale=REASON)

    CitationFactory(claim=claim, source=SourceFactory(publisher=None, url="https://b.example/3"))
    claim_review(claim=claim, status=S.CONFIRMED, reviewer=reviewer, rationale=REASON)
    assert Claim.objects.get(pk=claim.pk).status == S.CONFIRMED


@pytest.mark.django_db
def test_a_publisherless_source_on_a_publishers_site_is_that_publisher(settings, reviewer):
    settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = 2
    claim = ClaimFactory()
    outlet = PublisherFactory(domain="daily.example")
    CitationFactory(claim=claim, source=SourceFactory(publisher=outlet))
    CitationFactory(
        claim=claim, source=SourceFactory(publisher=None, url="https://daily.example/x")
    )
    with pytest.raises(EvidenceMissing):
        claim_review(claim=claim, status=S.CONFIRMED, reviewer=reviewer, rationale=REASON)


@pytest.mark.django_db
def test_an_archived_copy_counts_as_the_site_it_preserves(settings, reviewer):
    # 1.x filed archived copies under the archive's own publisher record: the address decides.
    settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = 2
    claim = ClaimFactory()
    CitationFactory(
        claim=claim, source=SourceFactory(publisher=PublisherFactory(domain="a.example"))
    )
    archive = PublisherFactory(domain="web.archive.org")
    CitationFactory(
        claim=claim,
        source=SourceFactory(
            publisher=archive, url="https://web.archive.org/web/2024/https://www.a.example/2"
        ),
    )
    with pytest.raises(EvidenceMissing) as refused:
        claim_review(claim=claim, status=S.CONFIRMED, reviewer=reviewer, rationale=REASON)
    assert "this claim has 1 (a.example)." in refused.value.message_dict["citations"][0]

    CitationFactory(
        claim=claim,
        source=SourceFactory(
            publisher=archive, url="https://web.archive.org/web/2024/https://b.example/3"
        ),
    )
    claim_review(claim=claim, status=S.CONFIRMED, reviewer=reviewer, rationale=REASON)
    assert Claim.objects.get(pk=claim.pk).status == S.CONFIRMED


@pytest.mark.django_db
def test_an_orphaned_quote_is_not_evidence(settings, reviewer):
    settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = 2
    claim = ClaimFactory()
    CitationFactory(claim=claim)
    orphan = CitationFactory(claim=claim, quote="words this article never printed")
    assert orphan.anchoring == Citation.Anchoring.ORPHANED
    with pytest.raises(EvidenceMissing):
        claim_review(claim=claim, status=S.CONFIRMED, reviewer=reviewer, rationale=REASON)

    refuting_orphan = ClaimFactory()
    CitationFactory(
        claim=refuting_orphan, stance=Citation.Stance.REFUTES, quote="never printed either"
    )
    with pytest.raises(EvidenceMissing):
        claim_review(claim=refuting_orphan, status=S.FALSE, reviewer=reviewer, rationale=REASON)


@pytest.mark.django_db
def test_a_quote_not_yet_checked_against_a_text_still_counts(reviewer):
    claim = ClaimFactory()
    citation = CitationFactory(claim=claim, source=SourceFactory(text=""))
    assert citation.anchoring == Citation.Anchoring.UNCHECKED
    claim_review(claim=claim, status=S.CONFIRMED, reviewer=reviewer, rationale=REASON)
    assert Claim.objects.get(pk=claim.pk).status == S.CONFIRMED


@pytest.mark.django_db
@pytest.mark.parametrize("verdict", [S.FALSE, S.MISLEADING])
@pytest.mark.parametrize("stance", [Citation.Stance.REFUTES, Citation.Stance.RETRACTS])
def test_a_false_verdict_needs_one_refuting_or_retracting_citation(reviewer, verdict, stance):
    claim = ClaimFactory()
    CitationFactory(claim=claim, stance=Citation.Stance.SUPPORTS)
    CitationFactory(claim=claim, stance=Citation.Stance.MENTIONS)
    with pytest.raises(EvidenceMissing) as refused:
        claim_review(claim=claim, status=verdict, reviewer=reviewer, rationale=REASON)
    assert refused.value.rules == ["refuting_citation"]

    CitationFactory(claim=claim, stance=stance)
    claim_review(claim=claim, status=verdict, reviewer=reviewer, rationale=REASON)
    assert Claim.objects.get(pk=claim.pk).status == verdict


@pytest.mark.django_db
def test_a_mixed_verdict_needs_a_citation_on_each_side(reviewer):
    only_support = ClaimFactory()
    CitationFactory(claim=only_support, stance=Citation.Stance.SUPPORTS)
    with pytest.raises(EvidenceMissing) as refused:
        claim_review(claim=only_support, status=S.MIXED, reviewer=reviewer, rationale=REASON)
    assert refused.value.rules == ["refuting_citation"]

    only_refute = ClaimFactory()
    CitationFactory(claim=only_refute, stance=Citation.Stance.REFUTES)
    with pytest.raises(EvidenceMissing) as refused:
        claim_review(claim=only_refute, status=S.MIXED, reviewer=reviewer, rationale=REASON)
    assert refused.value.rules == ["supporting_citation"]
    assert refused.value.message_dict["citations"] == [
        "A “Mixed” verdict needs at least one citation that supports the claim (with its quote "
        "found in the source)."
    ]

    CitationFactory(claim=only_refute, stance=Citation.Stance.SUPPORTS)
    claim_review(claim=only_refute, status=S.MIXED, reviewer=reviewer, rationale=REASON)
    assert Claim.objects.get(pk=only_refute.pk).status == S.MIXED


@pytest.mark.django_db
@pytest.mark.parametrize("verdict", VERDICT_LIST)
@pytest.mark.parametrize("rationale", ["", "   \n "])
def test_every_verdict_needs_a_rationale(reviewer, verdict, rationale):
    claim = claim_with_evidence(S.IN_REVIEW)
    with pytest.raises(EvidenceMissing) as refused:
        claim_review(claim=claim, status=verdict, reviewer=reviewer, rationale=rationale)
    assert refused.value.rules == ["rationale"]
    assert refused.value.message_dict == {
        "rationale": ["Every verdict needs a rationale: say in a sentence or two why."]
    }
    assert Claim.objects.get(pk=claim.pk).status == S.IN_REVIEW


@pytest.mark.django_db
def test_unverifiable_needs_only_a_rationale(reviewer):
    claim = ClaimFactory()
    claim_review(claim=claim, status=S.UNVERIFIABLE, reviewer=reviewer, rationale=REASON)
    assert Claim.objects.get(pk=claim.pk).status == S.UNVERIFIABLE


@pytest.mark.django_db
def test_all_failed_rules_are_named_at_once(reviewer):
    claim = ClaimFactory()
    with pytest.raises(EvidenceMissing) as refused:
        claim_review(claim=claim, status=S.MIXED, reviewer=reviewer, rationale="")
    assert refused.value.rules == ["refuting_citation", "supporting_citation", "rationale"]
    assert set(refused.value.message_dict) == {"citations", "rationale"}


@pytest.mark.django_db
def test_moving_to_review_and_back_needs_no_evidence_nor_rationale(editor):
    claim = ClaimFactory()
    claim_review(claim=claim, status=S.IN_REVIEW, reviewer=editor)
    claim_review(claim=claim, status=S.UNVERIFIED, reviewer=editor)
    assert Claim.objects.get(pk=claim.pk).status == S.UNVERIFIED
    assert [review.rationale for review in Review.objects.all()] == ["", ""]


@pytest.mark.django_db
def test_a_verdict_or_a_reopen_without_a_rationale_argument_is_refused(editor, reviewer):
    judged = claim_with_evidence(S.FALSE)
    with pytest.raises(EvidenceMissing) as refused:
        claim_review(claim=judged, status=S.IN_REVIEW, reviewer=editor)
    assert refused.value.rules == ["reopen_reason"]
    with pytest.raises(EvidenceMissing) as refused:
        claim_review(claim=claim_with_evidence(), status=S.UNVERIFIABLE, reviewer=reviewer)
    assert refused.value.rules == ["rationale"]


# --- The review row and the status field ---------------------------------------------------


@pytest.mark.django_db
def test_a_review_records_before_after_reviewer_rationale_and_the_cited_evidence(reviewer):
    claim = claim_with_evidence(S.IN_REVIEW)
    support = claim.citations.get(stance=Citation.Stance.SUPPORTS)
    review = claim_review(
        claim=claim,
        status=S.CONFIRMED,
        reviewer=reviewer,
        rationale=f"  {REASON}  ",
        citations=[support.pk],
    )
    stored = Review.objects.get()
    assert stored == review
    assert (stored.status_before, stored.status_after) == (S.IN_REVIEW, S.CONFIRMED)
    assert stored.reviewer == reviewer
    assert stored.rationale == REASON
    assert list(stored.citations.all()) == [support]
    assert stored.imported is False


@pytest.mark.django_db
def test_citations_of_another_claim_are_refused_and_nothing_is_written(reviewer):
    claim = claim_with_evidence(S.IN_REVIEW)
    elsewhere = CitationFactory()
    with pytest.raises(ValidationError) as refused:
        claim_review(
            claim=claim,
            status=S.CONFIRMED,
            reviewer=reviewer,
            rationale=REASON,
            citations=[elsewhere],
        )
    assert f"Citation(s) {elsewhere.pk} are not" in refused.value.message_dict["citations"][0]
    assert Claim.objects.get(pk=claim.pk).status == S.IN_REVIEW
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_a_review_bumps_the_version_and_updates_the_callers_claim(reviewer):
    claim = claim_with_evidence()
    before = claim.version
    claim_review(claim=claim, status=S.IN_REVIEW, reviewer=reviewer)
    assert claim.status == S.IN_REVIEW
    assert claim.version == before + 1 == Claim.objects.get(pk=claim.pk).version


@pytest.mark.django_db
def test_the_callers_claim_still_refuses_a_status_set_by_hand_after_a_review(reviewer):
    claim = claim_with_evidence()
    claim_review(claim=claim, status=S.IN_REVIEW, reviewer=reviewer)
    claim.status = S.CONFIRMED
    with pytest.raises(ValidationError) as refused:
        claim.save()
    assert "Only the review workflow" in refused.value.message_dict["status"][0]
    assert Claim.objects.get(pk=claim.pk).status == S.IN_REVIEW


@pytest.mark.django_db
def test_a_stale_expected_version_is_refused_with_the_current_version(reviewer):
    claim = claim_with_evidence()
    current = claim.version
    with pytest.raises(VersionConflict) as conflict:
        claim_review(
            claim=claim, status=S.IN_REVIEW, reviewer=reviewer, expected_version=current - 1
        )
    assert conflict.value.current_version == current
    assert Claim.objects.get(pk=claim.pk).status == S.UNVERIFIED
    assert not Review.objects.exists()

    claim_review(claim=claim, status=S.IN_REVIEW, reviewer=reviewer, expected_version=current)
    assert Claim.objects.get(pk=claim.pk).status == S.IN_REVIEW


@pytest.mark.django_db
def test_the_history_shows_who_changed_the_status_and_why(reviewer):
    claim = claim_with_evidence()
    claim_review(claim=claim, status=S.FALSE, reviewer=reviewer, rationale=REASON)
    latest = claim.history.order_by("-history_id").first()
    assert latest.status == S.FALSE
    assert latest.history_user == reviewer
    assert latest.history_change_reason == "review: Unverified → False"


def test_the_workflow_has_no_way_to_record_someone_elses_verdict():
    # Other organisations' verdicts are external reviews; the workflow takes no "imported" flag.
    with pytest.raises(TypeError):
        claim_review(claim=None, status=S.FALSE, reviewer=None, imported=True)


def test_no_code_outside_the_workflow_assigns_a_claims_status():
    root = Path(__file__).resolve().parents[2]
    writes = re.compile(r"\.status\s*=(?!=)|\.update\([^)]*\bstatus\s*=")
    offenders = []
    for folder in ("claims", "sources", "claimtrack"):
        for path in (root / folder).rglob("*.py"):
            if "migrations" in path.parts or path.name == "workflow.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if writes.search(line):
                    offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []


# --- The current verdict -------------------------------------------------------------------


def current_verdict_both_ways(claim):
    """`current_verdict` of a fresh read of `claim`, alone and with `verdict_reviews` prefetched
    (what the ClaimReview feed does); the two must agree."""
    alone = current_verdict(Claim.objects.get(pk=claim.pk))
    prefetched = current_verdict(verdict_reviews(Claim.objects.filter(pk=claim.pk)).get())
    assert alone == prefetched
    return alone


@pytest.mark.django_db
def test_the_current_verdict_is_the_latest_verdict_review(editor, reviewer):
    claim = claim_with_evidence()
    assert current_verdict_both_ways(claim) is None
    first = claim_review(claim=claim, status=S.CONFIRMED, reviewer=reviewer, rationale=REASON)
    assert current_verdict_both_ways(claim) == first
    claim_review(claim=claim, status=S.IN_REVIEW, reviewer=editor, rationale="Look again.")
    assert current_verdict_both_ways(claim) is None
    second = claim_review(claim=claim, status=S.FALSE, reviewer=reviewer, rationale=REASON)
    assert current_verdict_both_ways(claim) == second


@pytest.mark.django_db
def test_a_verdict_dated_before_the_step_that_preceded_it_is_still_the_current_one(
    editor, reviewer
):
    # A data loader dates a verdict as its source did; the order reviews were recorded in
    # decides which is the latest, not their dates.
    claim = claim_with_evidence()
    claim_review(claim=claim, status=S.IN_REVIEW, reviewer=editor)
    verdict = claim_review(
        claim=claim,
        status=S.FALSE,
        reviewer=reviewer,
        rationale=REASON,
        reviewed_at=dt.datetime(2024, 6, 2, tzinfo=dt.UTC),
    )
    assert Review.objects.get(pk=verdict.pk).created_at == dt.datetime(2024, 6, 2, tzinfo=dt.UTC)
    assert current_verdict_both_ways(claim) == verdict


@pytest.mark.django_db
def test_a_status_changed_behind_the_workflows_back_has_no_current_verdict(reviewer):
    claim = claim_with_evidence()
    claim_review(claim=claim, status=S.CONFIRMED, reviewer=reviewer, rationale=REASON)
    # A database administrator's UPDATE: no review gave the claim this verdict.
    Claim.objects.filter(pk=claim.pk).update(status=S.FALSE)
    assert current_verdict_both_ways(claim) is None


@pytest.mark.django_db
def test_a_verdict_status_that_no_review_recorded_has_no_current_verdict():
    # As a claim migrated from 1.x with its status but not its reviews.
    claim = claim_with_evidence(S.CONFIRMED)
    assert current_verdict_both_ways(claim) is None


# --- Consensus -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("supports", "refutes", "expected"),
    [(0, 0, "unsourced"), (1, 0, "uncontested"), (3, 1, "contested"), (0, 2, "refuted")],
)
def test_consensus_from_counts(supports, refutes, expected):
    assert claim_consensus(supports, refutes) == expected


@pytest.mark.django_db
def test_consensus_is_annotated_and_filterable_in_sql():
    unsourced = ClaimFactory()
    CitationFactory(claim=unsourced, stance=Citation.Stance.MENTIONS)
    uncontested = ClaimFactory()
    CitationFactory.create_batch(2, claim=uncontested)
    contested = ClaimFactory()
    CitationFactory(claim=contested)
    CitationFactory(claim=contested, stance=Citation.Stance.RETRACTS)
    refuted = ClaimFactory()
    CitationFactory(claim=refuted, stance=Citation.Stance.REFUTES)
    CitationFactory(claim=refuted, stance=Citation.Stance.RETRACTS)

    rows = {c.pk: c for c in annotate_consensus(Claim.objects.all())}
    assert (rows[uncontested.pk].support_count, rows[uncontested.pk].refute_count) == (2, 0)
    assert (rows[refuted.pk].support_count, rows[refuted.pk].refute_count) == (0, 2)
    for claim, expected in [
        (unsourced, "unsourced"),
        (uncontested, "uncontested"),
        (contested, "contested"),
        (refuted, "refuted"),
    ]:
        assert rows[claim.pk].consensus == expected
        filtered = annotate_consensus(Claim.objects.all()).filter(consensus=expected)
        assert list(filtered.values_list("pk", flat=True)) == [claim.pk]


@pytest.mark.django_db
def test_consensus_counts_stay_right_when_the_query_joins_other_tables():
    claim = ClaimFactory()
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Ana"))
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Anabel"))
    CitationFactory(claim=claim)
    joined = annotate_consensus(Claim.objects.filter(participants__actor__name__startswith="Ana"))
    assert [(c.support_count, c.refute_count) for c in joined] == [(1, 0), (1, 0)]


# --- Concurrency (PostgreSQL locks rows; SQLite serialises whole writes) -------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_reviewers_with_the_same_version_produce_exactly_one_review():
    reviewer = member_of("reviewer", username="rita")
    claim = claim_with_evidence()
    version = claim.version
    outcomes: list[str] = []
    barrier = threading.Barrier(10)

    def attempt(_):
        try:
            barrier.wait()
            claim_review(
                claim=Claim(pk=claim.pk),
                status=S.IN_REVIEW,
                reviewer=reviewer,
                expected_version=version,
            )
            outcomes.append("ok")
        except VersionConflict:
            outcomes.append("conflict")
        except TransitionNotAllowed:
            outcomes.append("refused")

    run_at_once(attempt, range(10))
    assert outcomes.count("ok") == 1
    assert outcomes.count("conflict") == 9
    assert Review.objects.filter(claim_id=claim.pk).count() == 1
