"""Read-only fields sent by a client are ignored: no one sets a status, a version or an author."""

import pytest

from claims.models import Citation, Claim
from sources.models import Source
from tests.conftest import user_with_role
from tests.factories import ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

FORGED_CLAIM = {
    "status": "confirmed",
    "version": 99,
    "created_by": "admin",
    "created_at": "2000-01-01T00:00:00Z",
    "updated_at": "2000-01-01T00:00:00Z",
    "support_count": 50,
    "consensus": "supported",
}


def test_a_new_claim_ignores_status_version_author_and_timestamps(editor_client, editor):
    body = {"statement": "Morocco signed.", "kind": "agreement", **FORGED_CLAIM}
    response = editor_client.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 201, response.content
    claim = Claim.objects.get(pk=response.json()["id"])
    assert (claim.status, claim.version, claim.created_by) == ("unverified", 1, editor)
    assert claim.created_at.year > 2000


def test_a_new_claims_citations_ignore_forged_anchoring(editor_client, editor):
    source = SourceFactory(text="The minister attended the summit.")
    forged = {"source": source.pk, "quote": "not in the text", "anchoring": "exact", "start": 0}
    body = {"statement": "Morocco signed.", "kind": "agreement", "citations": [forged]}
    response = editor_client.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 201, response.content
    citation = Citation.objects.get(claim_id=response.json()["id"])
    assert citation.anchoring != "exact" and citation.start is None
    assert citation.created_by == editor


def test_an_edit_cannot_change_status_version_or_author(editor_client):
    author = user_with_role("author", "editor")
    claim = ClaimFactory(created_by=author)
    response = editor_client.patch(f"/api/v1/claims/{claim.pk}/", FORGED_CLAIM, format="json")
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert (claim.status, claim.created_by) == ("unverified", author)
    assert claim.version == 2  # moved on by the edit itself, not set to 99


def test_a_source_ignores_a_forged_canonical_url_and_text_digest(editor_client):
    body = {
        "url": "https://news.example/a?utm_source=x",
        "text": "Body.",
        "canonical_url": "https://evil.example/",
        "text_sha256": "0" * 64,
    }
    response = editor_client.post("/api/v1/sources/", body, format="json")
    assert response.status_code == 201, response.content
    source = Source.objects.get(pk=response.json()["id"])
    assert source.canonical_url == "https://news.example/a"
    assert source.text_sha256 != "0" * 64


def test_a_citation_ignores_forged_anchoring(editor_client):
    source = SourceFactory(text="The minister attended the summit.")
    claim = ClaimFactory()
    body = {
        "claim": claim.pk,
        "source": source.pk,
        "quote": "not in the text at all",
        "anchoring": "exact",
        "start": 0,
        "end": 5,
        "anchor_score": 1.0,
    }
    response = editor_client.post("/api/v1/citations/", body, format="json")
    assert response.status_code == 201, response.content
    citation = Citation.objects.get(pk=response.json()["id"])
    assert citation.anchoring != "exact" and citation.start is None


def test_a_review_cannot_forge_its_reviewer_or_before_state(reviewer_client, reviewer):
    claim = ClaimFactory()
    body = {"status": "in_review", "reviewer": "admin", "status_before": "false", "imported": True}
    response = reviewer_client.post(f"/api/v1/claims/{claim.pk}/reviews/", body, format="json")
    assert response.status_code == 201, response.content
    review = claim.reviews.get()
    assert (review.reviewer, review.status_before, review.imported) == (
        reviewer,
        "unverified",
        False,
    )
