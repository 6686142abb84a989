"""Issue 11, through gunicorn as deployed: re-anchoring (a row lock that needs a transaction,
which the test client's per-test transaction hid), and the text endpoints on a large source."""

import pytest

pytestmark = pytest.mark.deployed


@pytest.fixture(scope="module")
def editor_token(deployed):
    return deployed.token("reanchoring-editor", "editor")


def test_reanchoring_a_source_answers_its_citations_not_a_500(deployed, editor_token):
    answer = deployed.request(
        "POST",
        "/api/v1/sources/1/reanchor/",
        headers={"Authorization": f"Token {editor_token}"},
    )

    assert answer.status == 200, answer.body[:500]
    results = answer.json()
    assert results and all(r["anchoring"] in ("exact", "fuzzy") for r in results)
    assert not any(r["changed"] for r in results)  # the demo text did not change


def test_mentions_and_suggestions_of_a_large_source_answer_a_bounded_page(deployed, editor_token):
    # The demo article repeated to about 1 MB: thousands of mentions and suggestions.
    text = deployed.request("GET", "/api/v1/sources/1/").json()["text"]
    large = "\n\n".join([text] * (1_000_000 // len(text) + 1))
    created = deployed.request(
        "POST",
        "/api/v1/sources/ingest/",
        {"url": "https://large.example.org/article", "text": large},
        headers={"Authorization": f"Token {editor_token}"},
        timeout=60,
    )
    assert created.status == 201, created.body[:500]
    source = created.json()["id"]

    mentions = deployed.request("GET", f"/api/v1/sources/{source}/mentions/", timeout=60)
    suggestions = deployed.request("GET", f"/api/v1/sources/{source}/suggestions/", timeout=60)

    assert mentions.status == 200 and suggestions.status == 200
    page = mentions.json()
    assert len(page["results"]) == 500 and page["count"] > 10_000 and page["next"]
    assert len(suggestions.json()["results"]) == 50 and suggestions.json()["truncated"]
    assert len(mentions.body) < 200_000 and len(suggestions.body) < 1_000_000
