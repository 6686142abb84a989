"""Where a source's address is shown or exported, it is the canonical one (no tracking
parameters); the address as entered stays on the source, for provenance."""

import csv
import io

import pytest

from claims.claimreview.export import claim_to_claimreview
from claims.workflow import claim_review
from tests.factories import CitationFactory, SourceFactory

pytestmark = pytest.mark.django_db

ENTERED = "https://news.example/2024/france-sahara?utm_source=x&utm_medium=email"
CANONICAL = "https://news.example/2024/france-sahara"


@pytest.fixture
def citation():
    source = SourceFactory(url=ENTERED, text="France backs the autonomy plan, the letter says.")
    assert source.canonical_url == CANONICAL
    return CitationFactory(source=source, quote="France backs the autonomy plan")


def test_the_api_gives_each_citation_its_sources_canonical_url(api_client, citation):
    claim = api_client.get(f"/api/v1/claims/{citation.claim_id}/").json()
    assert [c["source_url"] for c in claim["citations"]] == [CANONICAL]
    listed = api_client.get("/api/v1/citations/", {"claim": citation.claim_id}).json()
    rows = listed.get("results", listed)
    assert [c["source_url"] for c in rows] == [CANONICAL]


def test_the_csv_sources_column_has_canonical_urls(api_client, citation):
    response = api_client.get("/api/v1/claims/", HTTP_ACCEPT="text/csv")
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    (row,) = csv.DictReader(io.StringIO(text.decode("utf-8-sig")))
    assert row["sources"] == CANONICAL


def test_claimreview_appearance_has_canonical_urls(citation, reviewer):
    claim = citation.claim
    claim_review(claim=claim, status="in_review", reviewer=reviewer)
    claim_review(
        claim=claim,
        status="confirmed",
        reviewer=reviewer,
        rationale="The letter says so.",
        citations=[citation],
    )
    item = claim_to_claimreview(claim, base_url="https://claimtrack.example")["itemReviewed"]
    assert item["appearance"] == [CANONICAL]


def test_the_source_keeps_the_address_as_entered(api_client, citation):
    source = api_client.get(f"/api/v1/sources/{citation.source_id}/").json()
    assert (source["url"], source["canonical_url"]) == (ENTERED, CANONICAL)
