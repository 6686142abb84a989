"""Verdict integrity through the API: the issue's attacks, each answered as specified."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from claims.models import Claim, Review
from claims.workflow import claim_review
from tests.conftest import DELETE_PERMISSIONS, user_with_role
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimCountryFactory,
    ClaimFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

STATEMENT = "The United States recognized Morocco's sovereignty over Western Sahara."
INVERTED = "The United States never recognized Morocco's sovereignty over Western Sahara."
TEXT = (
    "On 10 December 2020 the United States recognized Moroccan sovereignty over the entire "
    "Western Sahara territory, the White House said."
)
QUOTE = "the United States recognized Moroccan sovereignty over the entire Western Sahara"
REASON = "The White House proclamation says so."


def claim_url(claim, tail="") -> str:
    return f"/api/v1/claims/{claim.pk}/{tail}"


@pytest.fixture
def judged(reviewer):
    """Claim 1 of the issue, confirmed by a reviewer on one supporting citation."""
    claim = ClaimFactory(statement=STATEMENT, kind="recognition")
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="United States", country="US"))
    ClaimCountryFactory(claim=claim, country="EH", role="territory")
    citation = CitationFactory(claim=claim, source=SourceFactory(text=TEXT), quote=QUOTE)
    claim_review(
        claim=claim, status="confirmed", reviewer=reviewer, rationale=REASON, citations=[citation]
    )
    claim.refresh_from_db()
    return claim, citation


def etag(client, claim) -> str:
    return client.get(claim_url(claim))["ETag"]


# --- The attacks of the issue, one test each ----------------------------------------------


def test_an_inverted_statement_on_a_confirmed_claim_is_refused_and_claimreview_keeps_the_judged_one(
    editor_client, api_client, judged
):
    claim, _citation = judged
    response = editor_client.patch(claim_url(claim), {"statement": INVERTED}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["claim"]) == ("verdict_locked", claim.pk)
    assert body["reopen"] == f"/api/v1/claims/{claim.pk}/reopen/"
    assert "reopen the claim first" in body["detail"]
    stored = Claim.objects.get(pk=claim.pk)
    assert (stored.statement, stored.status) == (STATEMENT, "confirmed")
    published = api_client.get(claim_url(claim, "claimreview/")).json()
    assert published["claimReviewed"] == STATEMENT


def test_a_citation_a_verdict_relied_on_can_be_neither_switched_nor_deleted(
    editor_client, api_client, judged
):
    claim, citation = judged
    url = f"/api/v1/citations/{citation.pk}/"
    assert editor_client.patch(url, {"stance": "refutes"}, format="json").status_code == 409
    assert editor_client.delete(url).status_code == 409
    elsewhere = {"claim": claim.pk, "source": citation.source_id, "quote": "the White House"}
    assert editor_client.post("/api/v1/citations/", elsewhere, format="json").status_code == 409

    reviews = api_client.get(claim_url(claim, "reviews/")).json()
    assert reviews[0]["citations"] == [citation.pk]
    assert reviews[0]["snapshot"]["citations"][0]["stance"] == "supports"
    assert Claim.objects.get(pk=claim.pk).citations.get().stance == "supports"


def test_replacing_a_sources_text_flags_the_claims_whose_verdict_rested_on_its_quotes(
    editor_client, api_client, judged
):
    claim, citation = judged
    published = api_client.get(claim_url(claim, "claimreview/")).json()
    response = editor_client.patch(
        f"/api/v1/sources/{citation.source_id}/",
        {"text": "The page now says something else entirely."},
        format="json",
    )
    assert response.status_code == 200

    detail = api_client.get(claim_url(claim)).json()
    assert (detail["status"], detail["needs_rereview"]) == ("confirmed", True)
    flagged = api_client.get("/api/v1/claims/", {"needs_rereview": "true"}).json()["results"]
    assert [row["id"] for row in flagged] == [claim.pk]
    assert api_client.get("/api/v1/claims/", {"needs_rereview": "false"}).json()["results"] == []
    entry = api_client.get(claim_url(claim, "history/")).json()[0]
    assert entry["user"] is None
    assert f"citation #{citation.pk}" in entry["reason"]
    assert {k: entry["changes"][0][k] for k in ("field", "old", "new")} == {
        "field": "needs_rereview",
        "old": False,
        "new": True,
    }
    assert api_client.get(claim_url(claim, "claimreview/")).json() == published


def test_a_staff_reviewer_cannot_delete_claims_but_whoever_holds_the_permission_can(judged):
    claim, _citation = judged
    staff_reviewer = APIClient()
    staff_reviewer.force_authenticate(user_with_role("rev", "reviewer", is_staff=True))
    assert staff_reviewer.delete(claim_url(claim)).status_code == 403

    deleter = APIClient()
    deleter.force_authenticate(user_with_role("chief", "editor", permissions=DELETE_PERMISSIONS))
    review_ids = list(claim.reviews.values_list("pk", flat=True))
    assert deleter.delete(claim_url(claim)).status_code == 204
    assert set(Review.history.filter(history_type="-").values_list("id", flat=True)) == set(
        review_ids
    )


# --- Reopening ----------------------------------------------------------------------------


def test_an_editor_reopens_a_verdict_with_a_reason_then_edits(editor_client, api_client, judged):
    claim, _citation = judged
    response = editor_client.post(
        claim_url(claim, "reopen/"),
        {"reason": "The statement should name the proclamation."},
        format="json",
        HTTP_IF_MATCH=etag(editor_client, claim),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status_before"], body["status_after"], body["reviewer"]) == (
        "confirmed",
        "in_review",
        "editor",
    )
    assert body["rationale"] == "The statement should name the proclamation."
    assert response["ETag"] == etag(editor_client, claim)
    assert api_client.get(claim_url(claim, "claimreview/")).status_code == 404

    response = editor_client.patch(claim_url(claim), {"statement": INVERTED}, format="json")
    assert response.status_code == 200
    assert [r["status_after"] for r in api_client.get(claim_url(claim, "reviews/")).json()] == [
        "in_review",
        "confirmed",
    ]


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_reopening_needs_a_reason_named_in_the_error(editor_client, judged, body):
    claim, _citation = judged
    response = editor_client.post(claim_url(claim, "reopen/"), body, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["reason"]
    assert Claim.objects.get(pk=claim.pk).status == "confirmed"


def test_reopening_with_a_stale_if_match_answers_412_and_changes_nothing(reviewer_client, judged):
    claim, _citation = judged
    response = reviewer_client.post(
        claim_url(claim, "reopen/"), {"reason": "Look again."}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412
    assert response.json()["current_version"] == claim.version
    assert Claim.objects.get(pk=claim.pk).status == "confirmed"


def test_reopening_a_claim_without_a_verdict_answers_400_naming_its_status(editor_client):
    claim = ClaimFactory()
    response = editor_client.post(claim_url(claim, "reopen/"), {"reason": "?"}, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["message"]) == (
        "status",
        f"Claim {claim.pk} has no verdict to reopen: it is “Unverified”, and can be edited as "
        "it is.",
    )
    assert not Review.objects.exists()


def test_reopening_a_claim_without_a_verdict_answers_the_code_no_verdict(editor_client):
    claim = ClaimFactory(status="in_review")
    response = editor_client.post(claim_url(claim, "reopen/"), {"reason": "?"}, format="json")
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
        ("status", "no_verdict")
    ]


def test_reopening_is_for_editors_and_reviewers_only(api_client, judged):
    claim, _citation = judged
    assert api_client.post(claim_url(claim, "reopen/"), {"reason": "x"}).status_code == 401
    nobody = APIClient()
    nobody.force_authenticate(user_with_role("visitor", is_staff=True))
    assert nobody.post(claim_url(claim, "reopen/"), {"reason": "x"}).status_code == 403


# --- What may change under a verdict, and what the API shows of it ------------------------


def test_the_note_changes_and_a_representation_sent_back_as_it_is_saves(editor_client, judged):
    claim, _citation = judged
    response = editor_client.patch(
        claim_url(claim), {"note": "Waiting for the archive copy."}, format="json"
    )
    assert response.status_code == 200
    current = editor_client.get(claim_url(claim)).json()
    assert current["note"] == "Waiting for the archive copy."
    assert editor_client.put(claim_url(claim), current, format="json").status_code == 200
    changed = {**current, "countries": [{"code": "MA", "role": "mentioned"}]}
    assert editor_client.put(claim_url(claim), changed, format="json").status_code == 409


def test_reviews_show_what_was_judged_and_what_changed_since(api_client, judged):
    claim, citation = judged
    actor = claim.participants.get().actor
    actor.name = "United States of America"
    actor.save()

    [review] = api_client.get(claim_url(claim, "reviews/")).json()

    assert review["status_label"] == "True"
    assert review["claim_version"] == claim.version - 1
    assert review["snapshot"]["statement"] == STATEMENT
    assert review["snapshot"]["participants"][0]["name"] == "United States"
    assert review["changed_since"] == [
        {
            "field": "participants",
            "label": "Participant",
            "judged": "United States (subject)",
            "now": "United States of America (subject)",
        }
    ]


def test_the_status_has_one_label_in_the_claim_csv_history_and_claimreview(api_client, judged):
    claim, _citation = judged
    assert api_client.get(claim_url(claim)).json()["status_label"] == "True"
    listed = api_client.get("/api/v1/claims/").json()["results"][0]
    assert (listed["status"], listed["status_label"]) == ("confirmed", "True")
    body = b"".join(api_client.get("/api/v1/claims/?format=csv").streaming_content)
    row = next(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert (row["status"], row["status_label"], row["needs_rereview"]) == (
        "confirmed",
        "True",
        "no",
    )
    entry = api_client.get(claim_url(claim, "history/")).json()[0]
    assert entry["reason_display"] == "review: Unverified → True"
    status = next(c for c in entry["changes"] if c["field"] == "status")
    assert (status["old_display"], status["new_display"]) == ("Unverified", "True")
    rating = api_client.get(claim_url(claim, "claimreview/")).json()["reviewRating"]
    assert rating["alternateName"] == "True"


def test_claimreview_publishes_the_judged_statement_even_if_the_row_was_changed_behind_its_back(
    api_client, judged
):
    claim, _citation = judged
    # A database administrator's UPDATE skips every rule of the application.
    Claim.objects.filter(pk=claim.pk).update(statement=INVERTED)
    review = claim.reviews.get()
    published = api_client.get(claim_url(claim, "claimreview/")).json()
    assert published["claimReviewed"] == STATEMENT
    assert published["datePublished"] == review.created_at.date().isoformat()
    feed = api_client.get("/api/v1/claimreview/").json()["@graph"]
    assert [node["claimReviewed"] for node in feed] == [STATEMENT]
