"""The public pages (claims.public) on the demo data: each page answers, links what it shows,
embeds the ClaimReview only for a verdict, caches for anonymous readers, and answers a bad
query with a 400 page naming the parameter."""

import datetime
import io
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, Event, claim_path
from tests.claims.test_positions import stated
from tests.conftest import user_with_role
from tests.factories import (
    ClaimCountryFactory,
    ClaimFactory,
    TopicFactory,
    TopicPositionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_loaded(module_rows) -> int:
    """The demo data, loaded once for the module; the US recognition's id."""
    with module_rows():
        call_command("load_demo", stdout=io.StringIO())
        return Claim.objects.get(occurred_on__isnull=False).pk


@pytest.fixture
def demo(db, demo_loaded):
    return Claim.objects.get(pk=demo_loaded)  # the US recognition


def test_every_page_type_answers_on_the_demo_data(client, demo):
    event = Event.objects.first()
    for url in [
        "/",
        "/claims/",
        "/claims/?q=Morocco&country=MAR&status=unverified",
        f"/claims/{demo.pk}/",
        "/countries/US/",
        "/countries/esh/",
        "/topics/western-sahara/",
        "/topics/western-sahara/?as_of=2021-01-01",
        f"/events/{event.pk}/",
    ]:
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer["Content-Type"].startswith("text/html"), url


def test_the_claim_page_shows_the_quote_in_its_context_linked_to_the_source(client, demo):
    page = client.get(f"/claims/{demo.pk}/").content.decode()

    assert "<mark>the United States recognizes that the entire Western Sahara territory" in page
    assert 'href="https://trumpwhitehouse.archives.gov/presidential-actions/' in page
    assert "Not checked yet" in page
    assert "application/ld+json" not in page  # no verdict: no ClaimReview
    assert 'href="/countries/US/"' in page
    assert "Recognises Moroccan sovereignty" in page and "10 December 2020" in page


def test_a_claim_with_a_verdict_embeds_its_claimreview_escaped(client, settings):
    settings.CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = 1
    topic = TopicFactory()
    position = TopicPositionFactory(topic=topic)
    claim = stated(position, "US", datetime.date(2020, 12, 10), "confirmed", _reviewer())
    Claim.objects.filter(pk=claim.pk).update(statement="A </script><script>alert(1)</script>")

    page = client.get(f"/claims/{claim.pk}/").content.decode()

    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert "<" not in block
    data = json.loads(block)
    assert data["@type"] == "ClaimReview"
    assert "Checked." in page  # the rationale


def _reviewer():
    return user_with_role("reviewer", "reviewer")


def test_the_topic_page_colours_the_us_only_from_the_proclamation_on(client, demo):
    before = client.get("/topics/western-sahara/?as_of=2020-12-09").content.decode()
    after = client.get("/topics/western-sahara/?as_of=2020-12-10").content.decode()

    map_before = before.split("<svg", 1)[1].split("</svg>", 1)[0]
    map_after = after.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert f'href="/claims/{demo.pk}/"' not in map_before
    assert f'href="/claims/{demo.pk}/"' in map_after
    assert 'data-country="US"' not in before and 'data-country="US"' in after
    assert ": Recognises Moroccan sovereignty (unverified or disputed claim)" in map_after


def test_the_embeddable_map_may_be_framed_elsewhere_and_runs_nothing(client, demo):
    answer = client.get("/topics/western-sahara/map.svg?as_of=2021-01-01")

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("image/svg+xml")
    assert "frame-ancestors *" in answer["Content-Security-Policy"]
    assert "script" not in answer["Content-Security-Policy"].replace("default-src 'none'", "")
    assert "X-Frame-Options" not in answer
    assert b"<script" not in answer.content


def test_other_pages_still_refuse_framing(client, demo):
    answer = client.get("/topics/western-sahara/")

    assert "frame-ancestors 'none'" in answer["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url, field",
    [
        ("/topics/western-sahara/?as_of=2020-13-01", "as_of"),
        ("/topics/western-sahara/map.svg?as_of=soon", "as_of"),
        ("/claims/?country=XX", "country"),
        ("/claims/?status=maybe", "status"),
        ("/claims/?page=0", "page"),
        ("/claims/?page=400", "page"),
    ],
)
def test_a_bad_query_answers_a_400_page_naming_the_parameter(client, demo, url, field):
    answer = client.get(url)

    assert answer.status_code == 400
    assert f"<strong>{field}</strong>" in answer.content.decode()


@pytest.mark.parametrize(
    "url", ["/claims/99999999999999999999/", "/claims/999999999999999999/", "/countries/ZZ/"]
)
def test_unknown_rows_are_404_never_500(client, demo, url):
    assert client.get(url).status_code == 404


def test_pages_are_cacheable_for_anonymous_readers_and_answer_304(client, demo):
    first = client.get(f"/claims/{demo.pk}/")

    assert "public" in first["Cache-Control"] and "max-age=60" in first["Cache-Control"]
    assert first["Last-Modified"]
    again = client.get(f"/claims/{demo.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_signed_in_readers_get_private_pages(client, demo):
    client.force_login(user_with_role("editor", "editor"))

    assert "private" in client.get("/").get("Cache-Control")


def test_search_counts_facets_and_pages(client, demo):
    page = client.get("/claims/?country=EH").content.decode()

    assert "5 claims" in page
    assert re.search(r"Unverified</a> <span class=\"count\">\(5\)</span>", page)


def test_the_country_page_shows_the_timeline_of_its_positions(client, demo):
    page = client.get("/countries/USA/").content.decode()

    assert "Sovereignty over Western Sahara" in page
    assert f'href="/claims/{demo.pk}/"' in page
    assert "10 December 2020" in page


def test_the_claim_page_reads_a_fixed_number_of_queries_however_long_its_history(client):
    """The page lists the latest changes in words; it does not diff each with the one before
    (a read per change)."""
    claim = ClaimFactory()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/claims/{claim.pk}/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(12):
        claim.statement = f"Edited statement number {n}."
        claim.save()
    assert queries() == few
    assert "Edited statement number 11." in client.get(f"/claims/{claim.pk}/").content.decode()


def test_the_topic_page_lists_the_latest_changes_and_says_where_the_rest_are(client, monkeypatch):
    """The page's timeline is capped (it would grow with the data); the map still reads every
    statement, and the page says how many earlier changes the API and the CSV hold."""
    monkeypatch.setattr("claims.public.TIMELINE_SHOWN", 3)
    topic = TopicFactory()
    position = TopicPositionFactory(topic=topic)
    claims = [
        stated(position, code, datetime.date(2020, 1, day))
        for day, code in enumerate(["US", "MA", "ES", "FR", "DE"], start=1)
    ]

    page = client.get(f"/topics/{topic.slug}/").content.decode()
    timeline = page.split('id="timeline-h"', 1)[1]

    assert "2 earlier ones are in the whole timeline" in timeline
    assert f"/api/v1/topics/{topic.slug}/timeline/?format=csv" in timeline
    listed = [c for c in claims if f'href="/claims/{c.pk}/"' in timeline]
    assert listed == claims[2:]  # the latest three
    map_svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert all(f'href="/claims/{c.pk}/"' in map_svg for c in claims)


def test_the_country_page_counts_exactly_up_to_a_cap_then_says_more(client, monkeypatch):
    """Each role's count is a bounded read: exact up to COUNT_CAP, then "N+"."""
    monkeypatch.setattr("claims.public.PAGE_SIZE", 2)
    monkeypatch.setattr("claims.public.COUNT_CAP", 3)
    for _ in range(3):
        ClaimCountryFactory(country="IS", role="subject")
    ClaimCountryFactory(country="IS", role="mentioned")
    page = client.get("/countries/IS/").content.decode()
    assert "As subject (3)" in page and "All 3 claims" in page
    assert "As mentioned (1)" in page

    ClaimCountryFactory(country="IS", role="subject")
    page = client.get("/countries/IS/").content.decode()
    assert "As subject (3+)" in page and "All 3+ claims" in page


def test_the_country_page_lists_each_roles_newest_claims_in_a_fixed_number_of_queries(
    client, monkeypatch
):
    """However many claims, roles and topics a country has, its page reads the same number of
    queries, and each role lists its newest claims first."""
    monkeypatch.setattr("claims.public.PAGE_SIZE", 2)

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/countries/IS/").content.decode()
        return len(captured), page

    topic = TopicFactory(question="Question 0")
    stated(TopicPositionFactory(topic=topic), "IS", datetime.date(2020, 1, 1))  # a subject claim
    _, older, newest = (ClaimCountryFactory(country="IS", role="subject") for _ in range(3))
    ClaimCountryFactory(country="IS", role="venue")
    few, page = queries()
    subject = page.split("As subject (4)", 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'href="/claims/(\d+)/"', subject) == [
        str(newest.claim_id),
        str(older.claim_id),
    ]
    assert "As venue (1)" in page and "As object" not in page

    for role in ("object", "territory", "participant", "mentioned"):
        ClaimCountryFactory.create_batch(3, country="IS", role=role)
    for n in range(1, 4):
        topic = TopicFactory(question=f"Question {n}")
        stated(TopicPositionFactory(topic=topic), "IS", datetime.date(2020, 1, 1 + n))
    many, page = queries()
    assert many == few
    assert all(f"Question {n}" in page for n in range(4))


def test_search_counts_and_facets_read_only_as_far_as_its_pages_reach(client, monkeypatch):
    """A search's cost does not grow with the data: it counts the matches up to what its
    pages reach (then says "more than"), and its facets count among those newest matches."""
    monkeypatch.setattr("claims.public.SEARCH_SPAN", 3)  # in production: MAX_PAGE pages
    monkeypatch.setattr("claims.public.PAGE_SIZE", 3)
    older = ClaimFactory(statement="Zorpland signs a fisheries deal.", status="false")
    newer = [ClaimFactory(statement=f"Zorpland talks {n}.", status="unverified") for n in range(3)]

    page = client.get("/claims/", {"q": "Zorpland"}).content.decode()

    assert "More than 3 claims" in page
    assert "The newest 3 are listed and counted below" in page
    facets = page.split('id="facets-h"', 1)[1].split("</aside>", 1)[0]
    assert "status=unverified" in facets and "(3)" in facets
    assert "status=false" not in facets  # the oldest match is beyond the span
    assert all(f'href="/claims/{c.pk}/"' in page for c in newer)
    assert f'href="/claims/{older.pk}/"' not in page  # (not on the first page)

    exact = client.get("/claims/", {"q": "Zorpland", "status": "unverified"}).content.decode()
    assert "3 claims" in exact and "More than" not in exact


@pytest.mark.parametrize("pk", [1, 42, 10**17])
def test_the_claim_path_pages_and_exports_build_is_the_url_of_the_claim_page(pk):
    """claims.models.claim_path builds the public path without a URL lookup (pages list
    hundreds, the ClaimReview feed thousands): it must stay the URLconf's."""
    assert claim_path(pk) == reverse("public-claim", kwargs={"pk": pk})
