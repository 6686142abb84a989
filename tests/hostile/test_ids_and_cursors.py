"""Ids from outside are parsed in one place (claimtrack.api.parse_id), and forged cursors are
refused: the inputs that reached a 500 answer an ordinary 4xx or an empty result."""

import base64
import json

import pytest

from claims.workflow import claim_review
from claimtrack.api import MAX_ID, parse_id
from tests.factories import CitationFactory, ClaimFactory, PublisherFactory, SourceFactory

pytestmark = pytest.mark.django_db

# "²" is a digit to str.isdigit() but not to int(); "١٢" is a number to int() but no id.
NOT_IDS = ["²", "١٢", "1_2", " 12", "12 ", "+12", "-1", "0", str(MAX_ID + 1), "9" * 40, ""]


@pytest.mark.parametrize("raw", NOT_IDS + [None, 1.0, True, [], "12\n"])
def test_parse_id_refuses_anything_but_ascii_digits_within_64_bits(raw):
    assert parse_id(raw) is None


@pytest.mark.parametrize("raw, pk", [("1", 1), ("007", 7), (str(MAX_ID), MAX_ID), (42, 42)])
def test_parse_id_reads_row_ids(raw, pk):
    assert parse_id(raw) == pk


PUBLISHER_LISTS = [
    "/api/v1/claims/",
    "/api/v1/claims/stats/",
    "/api/v1/claimreview/",
    "/api/v1/sources/",
    "/api/v1/claims/?format=csv",
]


@pytest.fixture
def cited(reviewer):
    publisher = PublisherFactory(domain="apnews.com")
    source = SourceFactory(publisher=publisher, text="The minister attended the summit.")
    claim = ClaimFactory()
    CitationFactory(claim=claim, source=source, quote="The minister attended")
    # A verdict recorded as a reviewer records it, so that the ClaimReview feed lists the claim.
    claim_review(claim=claim, status="confirmed", reviewer=reviewer, rationale="AP reports it.")
    return publisher, claim


def rows(response) -> int:
    if response["Content-Type"].startswith("text/csv"):
        return len(b"".join(response.streaming_content).decode().splitlines()) - 1
    body = response.json()
    if "total" in body:
        return body["total"]
    return len(body.get("results", body.get("@graph", [])))


@pytest.mark.parametrize("url", PUBLISHER_LISTS)
@pytest.mark.parametrize("value", ["²", "١", "1_0"])
def test_a_publisher_that_looks_like_a_number_but_is_no_id_finds_nothing(
    api_client, cited, url, value
):
    response = api_client.get(url, {"publisher": value})
    assert response.status_code == 200, response.content
    assert rows(response) == 0


@pytest.mark.parametrize("url", PUBLISHER_LISTS)
def test_a_publisher_by_id_or_domain_still_finds_its_claims(api_client, cited, url):
    publisher, _ = cited
    for value in (str(publisher.pk), "www.apnews.com"):
        response = api_client.get(url, {"publisher": value})
        assert response.status_code == 200
        assert rows(response) == 1, (url, value)


def test_history_of_a_claim_whose_id_is_not_a_number_is_404(api_client):
    response = api_client.get("/api/v1/claims/%C2%B2/history/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def forged_cursor(depth: int = 1200) -> str:
    nested = "[" * depth + "1" + "]" * depth
    raw = '{"p":[' + nested + ',1],"r":0}'
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_of(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


CURSOR_LISTS = ["/api/v1/claims/", "/api/v1/sources/", "/api/v1/claimreview/"]


@pytest.mark.parametrize("url", CURSOR_LISTS)
@pytest.mark.parametrize(
    "cursor",
    [
        forged_cursor(1200),
        forged_cursor(50),  # short enough to decode: a list is no position
        cursor_of({"p": [{"a": 1}, 1], "r": 0}),
        cursor_of({"p": ["x" * 9000, 1], "r": 0}),
        "A" * 10_000,
    ],
    ids=["nested-1200", "nested-50", "object", "too-long", "garbage"],
)
def test_a_forged_cursor_answers_400_naming_it(api_client, cited, url, cursor):
    response = api_client.get(url, {"cursor": cursor})
    assert response.status_code == 400, response.content[:300]
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


@pytest.mark.parametrize("url", CURSOR_LISTS)
def test_the_cursors_the_api_hands_out_still_work(api_client, url):
    ClaimFactory.create_batch(3, status="confirmed")
    SourceFactory.create_batch(3)
    first = api_client.get(url, {"page_size": 1}).json()
    assert first["next"]
    assert api_client.get(first["next"]).status_code == 200


# --- the admin -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/claims/claim/?event=%C2%B2",
        "/admin/claims/claim/?publisher=%C2%B2",
        "/admin/claims/claim/add/?actor=%C2%B2",
        "/admin/claims/claim/add/?actor=1_0&actor=%D9%A1",
        "/admin/claims/claim/add/?source=%C2%B2&quote=x",
        "/admin/claims/claim/add/?event=%C2%B2",
        "/admin/claims/claim/%C2%B2/history/",
        "/admin/sources/source/%C2%B2/history/",
        "/admin/claims/actor/1_0/history/",
        "/admin/claims/claim/%C2%B2/change/",
    ],
)
def test_admin_pages_given_a_number_that_is_no_id_answer_without_a_server_error(
    admin_client, cited, path
):
    response = admin_client.get(path)
    assert response.status_code in (200, 302, 404), response.status_code


def test_restoring_a_deleted_claim_by_a_history_id_that_is_no_number_says_so(admin_client):
    response = admin_client.post("/admin/claims/claim/deleted/", {"history_id": "²"}, follow=True)
    assert response.status_code == 200
    assert "no deleted claim with that history record" in response.content.decode()


@pytest.mark.parametrize("event", ["²", "1_0", " 1", True, 0, 2**63])
def test_an_event_that_is_no_id_is_refused_naming_it(editor_client, event):
    body = {"statement": "A claim.", "kind": "other", "event": event}
    response = editor_client.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["event"]


@pytest.mark.parametrize("tag", ['"²"', '"1_0"', '" 1"'])
def test_an_if_match_that_is_no_version_answers_412(reviewer_client, tag):
    claim = ClaimFactory()
    response = reviewer_client.post(
        f"/api/v1/claims/{claim.pk}/reviews/",
        {"status": "in_review"},
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert response.status_code == 412
    assert claim.reviews.count() == 0
