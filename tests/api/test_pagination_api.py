"""Keyset pagination as a client walks it: forwards, backwards, over empty sort values."""

import base64
import datetime
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from claims import filters
from claimtrack.pagination import MAX_CURSOR_LENGTH, MAX_ID
from tests.factories import ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/claims/"


def ids(body) -> list[int]:
    return [row["id"] for row in body["results"]]


def pages_forward(client, url, params) -> list[dict]:
    pages = [client.get(url, params).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    return pages


def cursor_of(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.fixture
def dated_claims():
    """Eleven claims, four of them without a date, two dates shared."""
    dates = [None, "2020-01-03", None, "2020-01-01", "2020-01-03", None, "2020-01-02"]
    dates += ["2020-01-05", None, "2020-01-04", "2020-01-01"]
    return [ClaimFactory(occurred_on=datetime.date.fromisoformat(d) if d else None) for d in dates]


@pytest.mark.parametrize("ordering", ["occurred_on", "-occurred_on", "-id", "id"])
def test_walking_back_from_the_last_page_gives_the_same_pages_in_reverse(
    api_client, dated_claims, ordering
):
    forward = pages_forward(api_client, LIST, {"ordering": ordering, "page_size": 3})
    assert [len(ids(p)) for p in forward] == [3, 3, 3, 2]
    assert forward[0]["previous"] is None

    backward = [forward[-1]]
    while backward[-1]["previous"]:
        backward.append(api_client.get(backward[-1]["previous"]).json())

    assert [ids(p) for p in reversed(backward)] == [ids(p) for p in forward]


def test_empty_dates_come_last_in_both_directions_and_walking_back_over_them(
    api_client, dated_claims
):
    undated = {c.pk for c in dated_claims if c.occurred_on is None}
    for ordering in ["occurred_on", "-occurred_on"]:
        forward = pages_forward(api_client, LIST, {"ordering": ordering, "page_size": 3})
        walked = [pk for page in forward for pk in ids(page)]
        assert set(walked[-4:]) == undated, ordering
        # The last page holds only undated claims: its `previous` starts from an empty value.
        assert set(ids(forward[-1])) <= undated
        before_last = api_client.get(forward[-1]["previous"]).json()
        assert ids(before_last) == ids(forward[-2])


def test_a_page_reached_backwards_links_forwards_to_the_page_after_it(api_client, dated_claims):
    forward = pages_forward(api_client, LIST, {"ordering": "occurred_on", "page_size": 3})
    second_again = api_client.get(forward[2]["previous"]).json()

    assert ids(second_again) == ids(forward[1])
    assert second_again["previous"] is not None
    assert ids(api_client.get(second_again["next"]).json()) == ids(forward[2])
    first_again = api_client.get(second_again["previous"]).json()
    assert ids(first_again) == ids(forward[0])
    assert first_again["previous"] is None  # nothing before the first page
    assert first_again["next"] is not None


def test_the_last_page_has_no_next_and_a_page_size_of_all_rows_has_no_links(api_client):
    claims = ClaimFactory.create_batch(4)
    whole = api_client.get(LIST, {"page_size": 4}).json()
    assert sorted(ids(whole)) == sorted(c.pk for c in claims)
    assert (whole["next"], whole["previous"]) == (None, None)
    first = api_client.get(LIST, {"page_size": 3}).json()
    last = api_client.get(first["next"]).json()
    assert len(ids(last)) == 1 and last["next"] is None and last["previous"] is not None


@pytest.mark.parametrize(
    "payload",
    [
        {"p": [None, 0], "r": 0},  # ids start at 1
        {"p": [None, -5], "r": 0},
        {"p": [None, MAX_ID + 1], "r": 0},
        {"p": [None, "7"], "r": 0},
        {"p": [None, 7], "r": 2},
        {"p": [None, 7]},
        {"p": [[1], 7], "r": 0},
    ],
)
def test_a_cursor_that_no_page_handed_out_is_refused_naming_the_cursor(api_client, payload):
    ClaimFactory()
    response = api_client.get(LIST, {"cursor": cursor_of(payload)})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == [
        {
            "field": "cursor",
            "message": "Invalid cursor: use the next/previous links as given.",
            "code": "invalid",
        }
    ]


@pytest.mark.parametrize("pk", [1, MAX_ID])
def test_a_cursor_at_the_ends_of_the_id_range_is_a_position(api_client, pk):
    claim = ClaimFactory()
    after = api_client.get(LIST, {"cursor": cursor_of({"p": [None, pk], "r": 0})})
    assert after.status_code == 200
    expected = [claim.pk] if claim.pk < pk else []  # newest first: after = smaller ids
    assert ids(after.json()) == expected


def test_a_cursor_of_the_wrong_type_for_the_ordering_is_refused(api_client):
    ClaimFactory(occurred_on=datetime.date(2020, 1, 1))
    response = api_client.get(
        LIST, {"ordering": "occurred_on", "cursor": cursor_of({"p": ["not a date", 1], "r": 0})}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "cursor", "message": "Invalid cursor.", "code": "invalid"}
    ]


def test_an_ordering_that_is_not_offered_is_refused_listing_the_choices(api_client):
    response = api_client.get("/api/v1/sources/", {"ordering": "title"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "ordering",
            "message": "Order by one of: id, -id, published_at, -published_at, created_at, "
            "-created_at, updated_at, -updated_at.",
            "code": "invalid",
        }
    ]


def test_sources_walk_by_publication_date_with_undated_ones_last(api_client):
    dated = [
        SourceFactory(published_at=datetime.datetime(2020, 1, d, tzinfo=datetime.UTC))
        for d in (3, 1, 2)
    ]
    undated = [SourceFactory(published_at=None) for _ in range(2)]
    forward = pages_forward(
        api_client, "/api/v1/sources/", {"ordering": "published_at", "page_size": 2}
    )
    walked = [pk for page in forward for pk in ids(page)]
    assert walked[:3] == [dated[1].pk, dated[2].pk, dated[0].pk]
    assert set(walked[3:]) == {s.pk for s in undated}


@pytest.mark.postgres
def test_the_second_page_of_a_search_ordered_by_relevance_continues_the_first(api_client):
    assert connection.vendor == "postgresql"
    strong = [
        ClaimFactory(statement=f"Phosphate phosphate phosphate exports, report {n}.")
        for n in range(3)
    ]
    weak = [ClaimFactory(statement=f"Fisheries and phosphate, note {n}.") for n in range(3)]
    ClaimFactory(statement="Nothing about the subject.")

    pages = pages_forward(api_client, LIST, {"q": "phosphate", "page_size": 2})

    walked = [pk for page in pages for pk in ids(page)]
    assert len(pages) == 3 and len(walked) == len(set(walked)) == 6
    assert set(walked[:3]) == {c.pk for c in strong}
    assert set(walked[3:]) == {c.pk for c in weak}
    back = api_client.get(pages[2]["previous"]).json()
    assert ids(back) == ids(pages[1])


@pytest.mark.postgres
def test_relevance_ranks_the_newest_matches_and_newest_first_reaches_them_all(
    api_client, monkeypatch
):
    """A broad word: the relevance order ranks the newest RANKED_MATCHES matches (the oldest,
    most relevant claim is beyond them); ordering by id walks every match."""
    monkeypatch.setattr(filters, "RANKED_MATCHES", 3)
    oldest = ClaimFactory(statement="Phosphate phosphate phosphate phosphate exports.")
    newer = [ClaimFactory(statement=f"Phosphate, note {n}.") for n in range(4)]
    strongest_newest = ClaimFactory(statement="Phosphate phosphate exports, latest.")

    ranked = ids(api_client.get(LIST, {"q": "phosphate"}).json())
    everything = [
        pk
        for page in pages_forward(
            api_client, LIST, {"q": "phosphate", "ordering": "-id", "page_size": 2}
        )
        for pk in ids(page)
    ]

    assert ranked[0] == strongest_newest.pk
    assert set(ranked) == {strongest_newest.pk, newer[3].pk, newer[2].pk}
    assert everything == [strongest_newest.pk, *(c.pk for c in reversed(newer)), oldest.pk]


@pytest.mark.postgres
def test_a_forged_relevance_cursor_holding_text_answers_without_a_server_error(api_client):
    assert connection.vendor == "postgresql"
    ClaimFactory(statement="Phosphate exports.")
    forged = cursor_of({"p": ["very relevant", MAX_ID], "r": 0})
    response = api_client.get(LIST, {"q": "phosphate", "cursor": forged})
    assert response.status_code < 500


@pytest.mark.parametrize("size", ["abc", "1.5", "2e3"])
def test_a_page_size_that_is_no_whole_number_is_refused_naming_the_range(api_client, size):
    response = api_client.get(LIST, {"page_size": size})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "page_size", "message": "Give a whole number from 1 to 200.", "code": "invalid"}
    ]


@pytest.mark.parametrize(("size", "expected"), [("", 50), ("-3", 1), ("0", 1), ("201", 200)])
def test_a_page_size_out_of_range_is_clamped_not_refused(api_client, size, expected):
    ClaimFactory.create_batch(201)
    assert len(ids(api_client.get(LIST, {"page_size": size}).json())) == expected


def spaced_cursor(pk: int, length: int) -> str:
    """A cursor after `pk` (newest first) whose JSON is padded with spaces to `length` bytes."""
    raw = json.dumps({"p": [None, pk], "r": 0}, separators=(",", ":"))
    raw = raw[:-1] + " " * (length - len(raw)) + "}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("length", range(20, 32))
def test_a_cursor_is_read_whatever_padding_its_length_leaves_off(api_client, length):
    older, newer = ClaimFactory(), ClaimFactory()
    response = api_client.get(LIST, {"cursor": spaced_cursor(newer.pk, length)})
    assert response.status_code == 200
    assert ids(response.json()) == [older.pk]


def test_a_cursor_of_the_longest_length_is_read_and_a_longer_one_refused(api_client):
    older, newer = ClaimFactory(), ClaimFactory()
    longest = spaced_cursor(newer.pk, MAX_CURSOR_LENGTH * 3 // 4)
    assert len(longest) == MAX_CURSOR_LENGTH
    assert ids(api_client.get(LIST, {"cursor": longest}).json()) == [older.pk]

    longer = spaced_cursor(newer.pk, MAX_CURSOR_LENGTH * 3 // 4 + 3)
    response = api_client.get(LIST, {"cursor": longer})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


def test_the_cursors_in_links_are_url_safe_text_with_nothing_to_escape(api_client, dated_claims):
    links = []
    for ordering in ["occurred_on", "-id"]:
        for size in (1, 2):
            for page in pages_forward(api_client, LIST, {"ordering": ordering, "page_size": size}):
                links += [link for link in (page["next"], page["previous"]) if link]
    assert len(links) > 40
    for link in links:
        (cursor,) = parse_qs(urlsplit(link).query)["cursor"]
        assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor), link
        assert f"cursor={cursor}" in link


def test_the_next_page_keeps_every_value_of_a_repeated_filter(api_client):
    ClaimFactory.create_batch(2, status="unverified")
    ClaimFactory.create_batch(2, status="confirmed")
    first = api_client.get(LIST, {"status": ["unverified", "confirmed"], "page_size": 2}).json()
    assert parse_qs(urlsplit(first["next"]).query)["status"] == ["unverified", "confirmed"]
