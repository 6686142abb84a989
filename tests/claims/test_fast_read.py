"""The claims list's fast path: keyset pages, and JSON written with orjson as DRF would."""

import pytest

from claims.models import Claim
from claims.representation import claim_representation
from claims.workflow import annotate_consensus
from tests.factories import (
    CitationFactory,
    ClaimCountryFactory,
    ClaimFactory,
)

pytestmark = pytest.mark.django_db
LIST = "/api/v1/claims/"


@pytest.mark.postgres
def test_pages_ordered_by_another_field_still_link_to_the_next_page(api_client):
    for _ in range(5):
        ClaimFactory()
    seen = []
    url = f"{LIST}?ordering=occurred_on&page_size=2"
    while url:
        body = api_client.get(url).json()
        seen += [c["id"] for c in body["results"]]
        url = body["next"]

    assert sorted(seen) == sorted(Claim.objects.values_list("id", flat=True))
    assert len(seen) == 5


@pytest.mark.parametrize("statement", ["Plain words.", "Le Sahara « marocain » \u2028 ligne"])
def test_the_claims_json_is_byte_for_byte_what_drf_would_write(rf, statement):
    from rest_framework.renderers import JSONRenderer

    from claimtrack.renderers import FastJSONRenderer

    claim = ClaimFactory(statement=statement)
    CitationFactory(claim=claim)
    data = {"results": [claim_representation(annotate_consensus(Claim.objects).get(), "/x/")]}

    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)
    assert b"\\u2028" in JSONRenderer().render({"s": "\u2028"})


def test_a_countrys_pages_walked_forwards_and_back_show_every_claim_once_in_order(api_client):
    moroccan = []
    for n in range(10):
        claim = ClaimFactory()
        ClaimCountryFactory(claim=claim, country="MA" if n % 3 else "FR", role="territory")
        if n % 3:
            moroccan.append(claim.pk)
    newest_first = sorted(moroccan, reverse=True)

    pages, url = [], f"{LIST}?country=MA&page_size=2"
    while url:
        body = api_client.get(url).json()
        pages.append([c["id"] for c in body["results"]])
        url, back = body["next"], body["previous"]
    back_pages = [pages[-1]]
    while back:
        body = api_client.get(back).json()
        back_pages.append([c["id"] for c in body["results"]])
        back = body["previous"]

    assert sum(pages, []) == newest_first
    assert back_pages == pages[::-1]


def test_a_page_after_a_cursor_reads_the_country_from_the_cursor_on(api_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(4):
        ClaimCountryFactory(claim=ClaimFactory(), country="MA", role="territory")
    second = api_client.get(f"{LIST}?country=MA&page_size=2").json()["next"]
    cursor_id = api_client.get(f"{LIST}?country=MA&page_size=2").json()["results"][-1]["id"]

    with CaptureQueriesContext(connection) as queries:
        api_client.get(second)

    page_query = next(
        q["sql"] for q in queries.captured_queries if "claims_claimcountry" in q["sql"]
    )
    subquery = page_query[page_query.index("claims_claimcountry") :]
    assert f'"claim_id" < {cursor_id}' in subquery
