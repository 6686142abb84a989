"""The public pages in Chromium on the demo data: every page type opens, the topic map's
colours and links agree with the positions API before and after 10 December 2020, nothing is
fetched from another origin, and axe-core finds no serious or critical violation.

Screenshots go to artifacts/public-screenshots/ (git-ignored); to refresh the ones
docs/public.md shows, run
`CLAIMTRACK_PUBLIC_SCREENSHOTS=docs/screenshots ./dev test tests/browser/test_public_pages.py`.
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.maps import palette
from claims.models import Claim, Event, Topic
from claims.workflow import claim_review
from tests.browser.axe import describe, run_axe
from tests.conftest import user_with_role

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / os.environ.get("CLAIMTRACK_PUBLIC_SCREENSHOTS", "artifacts/public-screenshots")


@pytest.fixture
def demo(transactional_db):
    """The demo data, with the US recognition confirmed (as a reviewer would, on the seed
    article and the proclamation), so that the map shows an established and a hatched
    position once a second, undated-then-dated claim is added."""
    call_command("load_demo", stdout=io.StringIO())
    us = Claim.objects.get(occurred_on__isnull=False)
    claim_review(
        claim=us,
        status="confirmed",
        reviewer=user_with_role("reviewer", "reviewer"),
        rationale="Demo data: confirmed for the browser tests by the proclamation's own words.",
        citations=list(us.citations.all()),
    )
    return us


def watch_requests(page, origin: str) -> list[str]:
    """Every URL the page asks for that is not on `origin` (data: and about: aside)."""
    foreign = []

    def check(request):
        url = request.url
        if not url.startswith((origin, "data:", "about:", "blob:")):
            foreign.append(url)

    page.on("request", check)
    return foreign


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"public-{name}.png"), full_page=True)


def audit(page, where: str) -> None:
    violations = run_axe(page)
    assert not violations, f"{where}:\n{describe(violations)}"


def test_every_public_page_opens_fetches_nothing_elsewhere_and_passes_axe(
    new_page, live_server, demo
):
    page = new_page()
    foreign = watch_requests(page, live_server.url)
    event = Event.objects.order_by("pk").first()
    pages = {
        "home": "/",
        "search": "/claims/?q=Morocco&country=EH",
        "claim": f"/claims/{demo.pk}/",
        "country": "/countries/USA/",
        "topic": "/topics/western-sahara/?as_of=2021-01-01",
        "event": f"/events/{event.pk}/",
    }
    for name, url in pages.items():
        answer = page.goto(url)
        assert answer.status == 200, url
        assert page.locator("h1").count() == 1, url
        audit(page, url)
        shot(page, name)
    assert foreign == []


def map_fills(page) -> dict[str, str]:
    """Claim link → the colour its country is painted in (a hatch pattern's base colour)."""
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("svg.world-map a")].map(a => {
            let fill = a.querySelector("path, circle").getAttribute("fill");
            const ref = fill.match(/^url\\(#(.+)\\)$/);
            const base = ref && document.getElementById(ref[1]).querySelector("rect");
            if (base) fill = base.getAttribute("fill");
            return [a.getAttribute("href"), fill.toUpperCase()];
        }))"""
    )


@pytest.mark.parametrize("as_of", ["2020-12-09", "2021-06-30"])
def test_the_map_shows_what_the_positions_api_answers(new_page, live_server, demo, as_of):
    page = new_page()
    topic = Topic.objects.get(slug="western-sahara")
    colours = dict(zip([p.key for p in topic.positions.all()], palette(5), strict=True))
    api = page.request.get(f"/api/v1/topics/western-sahara/positions/?as_of={as_of}").json()

    page.goto(f"/topics/western-sahara/?as_of={as_of}")

    expected = {
        f"/claims/{row['claim']}/": colours[row["position"]].upper() for row in api["results"]
    }
    assert map_fills(page) == expected
    if as_of < "2020-12-10":
        assert expected == {}
    else:
        assert expected == {f"/claims/{demo.pk}/": colours["recognises-moroccan-sovereignty"]}


def test_the_date_form_and_the_slider_change_the_date_in_the_url(new_page, live_server, demo):
    page = new_page()
    page.goto("/topics/western-sahara/?as_of=2019-01-01")
    assert map_fills(page) == {}

    page.fill("#as_of", "2021-01-01")
    page.click("form.as-of button")
    page.wait_for_url("**as_of=2021-01-01")
    assert list(map_fills(page)) == [f"/claims/{demo.pk}/"]

    slider = page.locator("#as-of-slider")
    assert slider.count() == 1  # JavaScript runs: the slider is there
    page.goto("/topics/western-sahara/?as_of=2019-01-01")
    page.locator("#as-of-slider").evaluate(
        "s => { s.value = '0'; s.dispatchEvent(new Event('input'));"
        " s.dispatchEvent(new Event('change')); }"
    )
    page.wait_for_url("**as_of=2020-12-10")


def test_a_country_on_the_map_leads_to_its_claim(new_page, live_server, demo):
    page = new_page()
    page.goto("/topics/western-sahara/?as_of=2021-01-01")

    page.focus(f'svg.world-map a[href="/claims/{demo.pk}/"]')  # by keyboard, as anyone can
    page.keyboard.press("Enter")

    page.wait_for_url(f"**/claims/{demo.pk}/")
    assert "True" in page.locator(".verdict").inner_text()
    assert page.locator('script[type="application/ld+json"]').count() == 1


def test_the_embeddable_map_draws_itself_in_an_img_on_another_page(new_page, live_server, demo):
    page = new_page()
    page.goto("/topics/western-sahara/map.svg?as_of=2021-01-01")
    assert page.locator("svg").count() == 1
    page.goto("/")
    page.set_content(
        f'<img alt="map" src="{live_server.url}/topics/western-sahara/map.svg?as_of=2021-01-01">'
    )
    page.wait_for_function("() => document.images[0].complete")
    assert page.evaluate("() => document.images[0].naturalWidth") == 1000
