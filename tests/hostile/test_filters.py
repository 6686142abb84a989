"""Hostile query strings against every filter of every list: a 400 naming the parameter (or,
for free text, an ordinary answer), never a 500, and nothing written."""

import pytest
from django_filters import NumberFilter

from claims.views import ActorViewSet, CitationViewSet, ClaimViewSet, EventViewSet
from sources.views import PublisherViewSet, SourceViewSet
from tests.factories import ClaimFactory

pytestmark = pytest.mark.django_db

LISTS = {
    "/api/v1/claims/": ClaimViewSet,
    "/api/v1/claims/stats/": ClaimViewSet,
    "/api/v1/claimreview/": ClaimViewSet,
    "/api/v1/actors/": ActorViewSet,
    "/api/v1/events/": EventViewSet,
    "/api/v1/citations/": CitationViewSet,
    "/api/v1/publishers/": PublisherViewSet,
    "/api/v1/sources/": SourceViewSet,
}

EVERY_FILTER = [
    (url, name, flt)
    for url, viewset in LISTS.items()
    for name, flt in viewset.filterset_class.base_filters.items()
]
FILTER_IDS = [f"{url} {name}" for url, name, _ in EVERY_FILTER]


def named(response) -> set:
    return {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize("url, name, flt", EVERY_FILTER, ids=FILTER_IDS)
def test_a_nul_byte_in_any_filter_answers_400_naming_it(api_client, unchanged, url, name, flt):
    response = api_client.get(url, {name: "MA\x00"})
    assert response.status_code == 400, response.content
    assert name in named(response)


@pytest.mark.parametrize("url, name, flt", EVERY_FILTER, ids=FILTER_IDS)
def test_ten_kilobytes_in_any_filter_answers_400_naming_it(api_client, unchanged, url, name, flt):
    response = api_client.get(url, {name: "a" * 10_240})
    assert response.status_code == 400, response.content
    assert name in named(response)


ID_FILTERS = [
    (url, name)
    for url, name, flt in EVERY_FILTER
    if isinstance(flt, NumberFilter) or name in ("actor", "publisher")
]


@pytest.mark.parametrize("value", [str(2**63), str(2**64), "9" * 40, "-1", "1.5"])
@pytest.mark.parametrize("url, name", ID_FILTERS, ids=[f"{u} {n}" for u, n in ID_FILTERS])
def test_an_id_filter_beyond_64_bits_or_not_whole_answers_400_or_nothing(
    api_client, unchanged, url, name, value
):
    response = api_client.get(url, {name: value})
    # A publisher may also be given by domain, so a number that is no id finds nothing.
    if name == "publisher":
        assert response.status_code == 200
        body = response.json()
        assert body.get("results", body.get("@graph", [])) == [] and body.get("total", 0) == 0
    else:
        assert response.status_code == 400, response.content
        assert name in named(response)


DATE_FILTERS = [
    (url, name)
    for url, name, flt in EVERY_FILTER
    if type(flt).__name__ in ("DateFilter", "IsoDateTimeFilter")
]


@pytest.mark.parametrize("value", ["0000-00-00", "99999-01-01", "2024-13-01", "2024-02-30T25:00"])
@pytest.mark.parametrize("url, name", DATE_FILTERS, ids=[f"{u} {n}" for u, n in DATE_FILTERS])
def test_an_impossible_date_filter_answers_400_naming_it(api_client, unchanged, url, name, value):
    response = api_client.get(url, {name: value})
    assert response.status_code == 400
    assert name in named(response)


@pytest.mark.parametrize("url", [u for u in LISTS if not u.endswith("stats/")])
def test_page_size_ten_to_the_ninth_is_clamped_not_refused(api_client, records, url):
    ClaimFactory.create_batch(3)
    response = api_client.get(url, {"page_size": 10**9})
    assert response.status_code == 200
    assert "page_size" not in response.json()


@pytest.mark.parametrize("value", ["1e9", "ten", "\x00", "0x10"])
def test_a_page_size_that_is_no_whole_number_answers_400_naming_it(api_client, unchanged, value):
    response = api_client.get("/api/v1/claims/", {"page_size": value})
    assert response.status_code == 400
    assert "page_size" in named(response)


@pytest.mark.parametrize(
    "q",
    [
        "'; DROP TABLE claims_claim; --",
        '" OR 1=1 --',
        "%_%",
        "<script>alert(1)</script>",
        "!!! & | ( ) : * <-> ''",
        "محمد",
        "🇲🇦",
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/claims/", "/api/v1/actors/", "/api/v1/sources/"])
def test_sql_and_html_metacharacters_in_q_are_plain_text(api_client, records, unchanged, url, q):
    response = api_client.get(url, {"q": q})
    assert response.status_code == 200
    assert response.json()["results"] == []
