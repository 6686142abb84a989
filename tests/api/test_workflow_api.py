import json

import pytest

from claims.models import Claim, Review
from claims.workflow import claim_review
from tests.factories import CitationFactory, ClaimFactory, ExternalReviewFactory, SourceFactory

pytestmark = pytest.mark.django_db

TEXT = "The ministry denied that the meeting took place in Rabat."


def reviews_url(claim) -> str:
    return f"/api/v1/claims/{claim.pk}/reviews/"


def test_an_editor_sends_a_claim_to_review_and_the_review_is_listed(editor_client):
    claim = ClaimFactory()
    response = editor_client.post(reviews_url(claim), {"status": "in_review"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status_before"], body["status_after"], body["reviewer"]) == (
        "unverified",
        "in_review",
        "editor",
    )
    assert Claim.objects.get(pk=claim.pk).status == "in_review"
    listed = editor_client.get(reviews_url(claim)).json()
    assert [r["id"] for r in listed] == [body["id"]]


def test_an_editor_cannot_record_a_verdict(editor_client):
    claim = ClaimFactory()
    CitationFactory(claim=claim, source=SourceFactory(text=TEXT), quote="denied", stance="refutes")
    response = editor_client.post(
        reviews_url(claim), {"status": "false", "rationale": "Denied."}, format="json"
    )
    assert response.status_code == 403
    assert Claim.objects.get(pk=claim.pk).status == "unverified"


def test_a_verdict_without_a_refuting_citation_is_refused_with_the_rule(reviewer_client):
    claim = ClaimFactory()
    response = reviewer_client.post(
        reviews_url(claim), {"status": "false", "rationale": "Not true."}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "citations",
            "message": "A “False” verdict needs at least one citation that refutes or retracts "
            "the claim (with its quote found in the source).",
            "code": "refuting_citation",
        }
    ]
    assert not Review.objects.exists()


def test_a_reviewer_records_false_with_a_refuting_citation(reviewer_client):
    claim = ClaimFactory()
    citation = CitationFactory(
        claim=claim, source=SourceFactory(text=TEXT), quote="denied", stance="refutes"
    )
    response = reviewer_client.post(
        reviews_url(claim),
        {"status": "false", "rationale": "The ministry denied it.", "citations": [citation.pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["citations"] == [citation.pk]
    assert Claim.objects.get(pk=claim.pk).status == "false"


def test_a_refused_transition_lists_the_allowed_targets(reviewer_client):
    claim = ClaimFactory()
    response = reviewer_client.post(reviews_url(claim), {"status": "unverified"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["allowed"] == [
        "in_review",
        "confirmed",
        "mostly_true",
        "mixed",
        "misleading",
        "false",
        "unverifiable",
    ]
    assert body["errors"] == [
        {
            "field": "status",
            "message": "A claim cannot go from unverified to unverified. From unverified it can "
            "go to: in_review, confirmed, mostly_true, mixed, misleading, false, unverifiable.",
            "code": "transition_not_allowed",
        }
    ]


def test_citations_of_other_claims_are_refused_naming_each_of_them(reviewer_client):
    claim = ClaimFactory()
    CitationFactory(claim=claim, source=SourceFactory(text=TEXT), quote="denied", stance="refutes")
    first, second = CitationFactory(), CitationFactory()
    response = reviewer_client.post(
        reviews_url(claim),
        {"status": "false", "rationale": "Denied.", "citations": [second.pk, first.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("citations", f"Citation(s) {first.pk}, {second.pk} are not citations of this claim.")
    ]
    assert not Review.objects.exists()


def test_citations_of_other_claims_are_refused_with_the_code_foreign_citation(reviewer_client):
    claim = ClaimFactory()
    response = reviewer_client.post(
        reviews_url(claim),
        {"status": "in_review", "citations": [CitationFactory().pk]},
        format="json",
    )
    assert [e["code"] for e in response.json()["errors"]] == ["foreign_citation"]


def test_reviews_are_append_only(staff_client):
    claim = ClaimFactory()
    for method in ("put", "patch", "delete"):
        assert (
            getattr(staff_client, method)(reviews_url(claim), {}, format="json").status_code == 405
        )


def test_a_review_with_a_stale_if_match_answers_412(editor_client):
    claim = ClaimFactory()
    response = editor_client.post(
        reviews_url(claim), {"status": "in_review"}, format="json", HTTP_IF_MATCH='"999"'
    )
    assert response.status_code == 412
    version = Claim.objects.get(pk=claim.pk).version
    body = response.json()
    assert (body["code"], body["current_version"]) == ("precondition_failed", version)
    assert body["detail"] == (
        f"The claim was changed by someone else (it is now at version {version}); "
        "reload it and try again."
    )
    assert Claim.objects.get(pk=claim.pk).status == "unverified"


def test_consensus_is_shown_and_filterable(api_client):
    contested = ClaimFactory()
    CitationFactory(claim=contested, stance="supports")
    CitationFactory(claim=contested, stance="refutes")
    unsourced = ClaimFactory()
    body = api_client.get(f"/api/v1/claims/{contested.pk}/").json()
    assert (body["support_count"], body["refute_count"], body["consensus"]) == (1, 1, "contested")
    listed = api_client.get("/api/v1/claims/", {"consensus": "contested"}).json()["results"]
    assert [row["id"] for row in listed] == [contested.pk]
    listed = api_client.get("/api/v1/claims/", {"consensus": "unsourced"}).json()["results"]
    assert [row["id"] for row in listed] == [unsourced.pk]


def test_history_lists_changes_newest_first_with_user_and_fields(editor_client, editor):
    response = editor_client.post(
        "/api/v1/claims/", {"statement": "First wording.", "kind": "statement"}, format="json"
    )
    pk = response.json()["id"]
    editor_client.patch(f"/api/v1/claims/{pk}/", {"statement": "Second wording."}, format="json")
    history = editor_client.get(f"/api/v1/claims/{pk}/history/").json()
    latest = history[0]
    assert (latest["model"], latest["action"], latest["user"]) == ("claim", "changed", "editor")
    statement = next(c for c in latest["changes"] if c["field"] == "statement")
    assert statement == {
        "field": "statement",
        "label": "Statement",
        "old": "First wording.",
        "new": "Second wording.",
        "old_display": "First wording.",
        "new_display": "Second wording.",
    }
    assert history[-1]["action"] == "created"


def test_history_of_a_deleted_claim_is_for_staff(staff_client, api_client):
    claim = ClaimFactory()
    assert staff_client.delete(f"/api/v1/claims/{claim.pk}/").status_code == 204
    assert api_client.get(f"/api/v1/claims/{claim.pk}/history/").status_code == 404
    history = staff_client.get(f"/api/v1/claims/{claim.pk}/history/").json()
    assert history[0]["action"] == "deleted" and history[0]["user"] == "staff"


def test_claimreview_of_a_claim_with_a_verdict_is_json_ld(reviewer_client, api_client):
    claim = ClaimFactory(statement="Christopher Asher is the director of the FBI.")
    CitationFactory(claim=claim, source=SourceFactory(text=TEXT), quote="denied", stance="refutes")
    assert api_client.get(f"/api/v1/claims/{claim.pk}/claimreview/").status_code == 404
    reviewer_client.post(
        reviews_url(claim), {"status": "false", "rationale": "Wrong name."}, format="json"
    )
    response = api_client.get(f"/api/v1/claims/{claim.pk}/claimreview/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    body = response.json()
    assert body["@type"] == "ClaimReview"
    assert body["claimReviewed"] == claim.statement
    assert body["reviewRating"]["ratingValue"] == 1
    feed = api_client.get("/api/v1/claimreview/").json()
    assert [node["claimReviewed"] for node in feed["@graph"]] == [claim.statement]


def test_the_claimreview_feed_reads_a_page_of_verdicts_in_constant_queries(
    reviewer, api_client, django_assert_num_queries
):
    def judged(status: str) -> Claim:
        claim = ClaimFactory()
        CitationFactory(claim=claim, source=SourceFactory(text=TEXT), quote="denied")
        CitationFactory(
            claim=claim, source=SourceFactory(text=TEXT), quote="denied", stance="refutes"
        )
        claim_review(claim=claim, status=status, reviewer=reviewer, rationale="Checked.")
        return claim

    claims = [judged("false"), judged("confirmed")]
    with django_assert_num_queries(5):
        feed = api_client.get("/api/v1/claimreview/").json()["@graph"]
    assert sorted(node["claimReviewed"] for node in feed) == sorted(c.statement for c in claims)

    claims += [judged(status) for status in ("mixed", "misleading", "unverifiable")]
    with django_assert_num_queries(5):
        feed = api_client.get("/api/v1/claimreview/").json()["@graph"]
    assert sorted(node["claimReviewed"] for node in feed) == sorted(c.statement for c in claims)


def test_claimreview_import_is_for_reviewers_and_reports_counts(reviewer_client, editor_client):
    data = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://factcheck.example/asher",
        "claimReviewed": "Christopher Asher directs the FBI.",
        "reviewRating": {"@type": "Rating", "ratingValue": 1, "alternateName": "False"},
        "datePublished": "2024-05-01",
    }
    assert editor_client.post("/api/v1/claimreview/import/", data, format="json").status_code == 403
    response = reviewer_client.post("/api/v1/claimreview/import/", data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 1
    claim = Claim.objects.get(statement=data["claimReviewed"])
    assert claim.status == "unverified"  # their verdict is evidence, not ours
    assert claim.external_reviews.get().rating == "false"
    again = reviewer_client.post("/api/v1/claimreview/import/", data, format="json")
    assert (again.status_code, again.json()["created"]) == (200, 0)


def test_claimreview_import_takes_json_ld_and_its_report_counts_skips_by_reason(
    reviewer_client, api_client
):
    records = [{"@type": "ClaimReview", "url": f"https://f.example/{n}"} for n in range(150)]
    records.append(
        {
            "@type": "ClaimReview",
            "url": "https://f.example/ok",
            "claimReviewed": "The bridge opened in 2022.",
            "reviewRating": {"alternateName": "Rather odd"},
        }
    )
    response = reviewer_client.post(
        "/api/v1/claimreview/import/",
        json.dumps(records),
        content_type="application/ld+json",
    )
    assert response.status_code == 201, response.content
    report = response.json()
    assert (report["created"], report["skipped"]) == (1, 150)
    assert report["skipped_by_reason"] == {"missing claimReviewed": 150}
    assert len(report["problems"]) == 100
    assert report["unmapped_labels"] == ["Rather odd"]
    claim_id = report["claims"][0]
    detail = api_client.get(f"/api/v1/claims/{claim_id}/").json()
    assert detail["external_summary"] == {
        "count": 1,
        "by_rating": {"unmapped": 1},
        "publishers": ["f.example"],
    }
    assert detail["external_reviews"][0]["label"] == "Rather odd"
    listed = api_client.get("/api/v1/external-reviews/", {"rating": "unmapped"}).json()
    assert [r["claim"] for r in listed["results"]] == [claim_id]
    claims = api_client.get("/api/v1/claims/", {"external_rating": "unmapped"}).json()
    assert [c["id"] for c in claims["results"]] == [claim_id]
    none = api_client.get("/api/v1/claims/", {"fact_checked_by": "other.example"}).json()
    assert none["results"] == []
    assert api_client.get("/api/v1/claimreview/").json()["@graph"] == []


@pytest.mark.parametrize(
    "archive", ["", "https://web.archive.org/web/2024/https://checker.example/checks/1"]
)
def test_an_external_reviews_archive_copy_reads_as_a_url_or_null_wherever_it_is_shown(
    api_client, archive
):
    """The column keeps "" when a record gave no archived copy; the API says null (the schema's
    `format: uri` admits no empty string), in the claim's detail as in the review's own."""
    review = ExternalReviewFactory(archive_url=archive)
    expected = archive or None

    detail = api_client.get(f"/api/v1/claims/{review.claim_id}/").json()
    own = api_client.get(f"/api/v1/external-reviews/{review.pk}/").json()

    assert detail["external_reviews"][0]["archive_url"] == expected
    assert own["archive_url"] == expected
