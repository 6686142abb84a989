"""The workflow's rules as a client meets them: consensus from citations, and the exact error
codes (errors[].code, code) a client program reads to tell one refusal from another."""

import pytest

from claims.models import Citation, Claim, Review
from tests.factories import CitationFactory, ClaimFactory, PublisherFactory, SourceFactory

pytestmark = pytest.mark.django_db

TEXT = "The ministry denied that the meeting took place in Rabat, and officials confirmed it."


def reviews_url(claim) -> str:
    return f"/api/v1/claims/{claim.pk}/reviews/"


def cite(claim, stance, **fields):
    return CitationFactory(
        claim=claim, source=SourceFactory(text=TEXT), quote="denied", stance=stance, **fields
    )


@pytest.mark.parametrize(
    ("stances", "expected"),
    [
        (["supports"], ("uncontested", 1, 0)),  # exactly one supporting citation
        (["supports", "mentions"], ("uncontested", 1, 0)),
        (["refutes"], ("refuted", 0, 1)),
        (["retracts"], ("refuted", 0, 1)),
        (["supports", "retracts"], ("contested", 1, 1)),
        (["supports", "refutes", "refutes"], ("contested", 1, 2)),
        (["mentions"], ("unsourced", 0, 0)),
        ([], ("unsourced", 0, 0)),
    ],
)
def test_consensus_of_a_claim_from_its_citations_in_detail_list_and_filter(
    api_client, stances, expected
):
    claim = ClaimFactory()
    ClaimFactory()  # another claim, unsourced, so a filter has something to leave out
    for stance in stances:
        cite(claim, stance)

    body = api_client.get(f"/api/v1/claims/{claim.pk}/").json()
    listed = {row["id"]: row for row in api_client.get("/api/v1/claims/").json()["results"]}
    filtered = api_client.get("/api/v1/claims/", {"consensus": expected[0]}).json()["results"]

    assert (body["consensus"], body["support_count"], body["refute_count"]) == expected
    row = listed[claim.pk]
    assert (row["consensus"], row["support_count"], row["refute_count"]) == expected
    assert claim.pk in [r["id"] for r in filtered]
    assert all(r["consensus"] == expected[0] for r in filtered)


def test_an_orphaned_supporting_citation_still_counts_for_consensus(api_client):
    claim = ClaimFactory()
    citation = cite(claim, "supports")
    Citation.objects.filter(pk=citation.pk).update(anchoring=Citation.Anchoring.ORPHANED)
    body = api_client.get(f"/api/v1/claims/{claim.pk}/").json()
    assert (body["consensus"], body["support_count"]) == ("uncontested", 1)


def error_codes(response) -> list[tuple[str, str]]:
    return [(error["field"], error["code"]) for error in response.json()["errors"]]


def test_a_transition_not_in_the_table_is_refused_with_its_code(reviewer_client):
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(status="false")
    response = reviewer_client.post(
        reviews_url(claim), {"status": "confirmed", "rationale": "Changed my mind."}, format="json"
    )
    assert response.status_code == 400
    assert error_codes(response) == [("status", "transition_not_allowed")]
    assert response.json()["errors"][0]["message"] == (
        "A claim cannot go from false to confirmed. From false it can go to: in_review."
    )
    assert response.json()["allowed"] == ["in_review"]
    assert Claim.objects.get(pk=claim.pk).status == "false"


@pytest.mark.parametrize(
    ("status", "stances", "expected"),
    [
        ("false", [], [("citations", "refuting_citation"), ("rationale", "rationale")]),
        ("misleading", ["supports"], [("citations", "refuting_citation")]),
        ("mixed", ["refutes"], [("citations", "supporting_citation")]),
        (
            "mixed",
            [],
            [
                ("citations", "refuting_citation"),
                ("citations", "supporting_citation"),
                ("rationale", "rationale"),
            ],
        ),
        ("confirmed", [], [("citations", "min_publishers"), ("rationale", "rationale")]),
        ("mostly_true", ["supports"], [("citations", "min_publishers")]),
    ],
)
def test_a_verdict_missing_evidence_names_each_rule_by_its_code(
    reviewer_client, settings, status, stances, expected
):
    settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = 2
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(status="in_review")
    for stance in stances:
        cite(claim, stance)
    rationale = "" if ("rationale", "rationale") in expected else "Checked against the record."

    response = reviewer_client.post(
        reviews_url(claim), {"status": status, "rationale": rationale}, format="json"
    )

    assert response.status_code == 400
    assert sorted(error_codes(response)) == sorted(expected)
    assert not Review.objects.filter(status_after=status).exists()


def test_two_supporting_articles_of_one_publisher_are_one_publisher(reviewer_client, settings):
    settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = 2
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(status="in_review")
    publisher = PublisherFactory(domain="news.example")
    for n in range(2):
        CitationFactory(
            claim=claim,
            source=SourceFactory(text=TEXT, publisher=publisher, url=f"https://news.example/{n}"),
            quote="confirmed",
            stance="supports",
        )
    response = reviewer_client.post(
        reviews_url(claim), {"status": "confirmed", "rationale": "Two articles."}, format="json"
    )
    assert response.status_code == 400
    assert error_codes(response) == [("citations", "min_publishers")]
    assert "has 1 (news.example)" in response.json()["errors"][0]["message"]


def test_an_editor_asking_for_a_verdict_is_refused_with_its_code(editor_client):
    claim = ClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(status="in_review")
    cite(claim, "refutes")
    response = editor_client.post(
        reviews_url(claim), {"status": "false", "rationale": "Denied."}, format="json"
    )
    assert response.status_code == 403
    body = response.json()
    assert (body["code"], body["detail"]) == (
        "permission_denied",
        "Only reviewers can record a verdict.",
    )


def test_a_reader_without_a_role_is_refused_a_status_change(api_client):
    claim = ClaimFactory()
    response = api_client.post(reviews_url(claim), {"status": "in_review"}, format="json")
    assert response.status_code in (401, 403)
    assert response.json()["code"] in ("not_authenticated", "permission_denied")
    assert Claim.objects.get(pk=claim.pk).status == "unverified"
