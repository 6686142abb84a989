"""The world map (claims.maps) in a real Chromium at 1366x768: an accessibility audit with
axe-core, keyboard use, and the standalone map.svg drawing itself with nothing fetched."""

import pytest

from claims.maps import (
    NEUTRAL_FILL,
    LegendEntry,
    Region,
    palette,
    render_legend_html,
    render_world_svg,
)
from tests.browser.axe import describe, run_axe

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1366, "height": 768}
ORIGIN = "https://claimtrack.test"
TITLE = "Sovereignty over Western Sahara: positions as of 1 January 2021"


def positions():
    """A topic's map as the topic page will draw it: five positions, one unverified, small
    states among them."""
    recognises, autonomy, neutral, sadr, withdrew = palette(5)
    regions = {
        "US": Region(recognises, "United States: recognises Moroccan sovereignty", "/claims/1/"),
        "FR": Region(autonomy, "France: supports the autonomy plan", "/claims/2/"),
        "ES": Region(autonomy, "Spain: supports the autonomy plan", "/claims/3/"),
        "SE": Region(neutral, "Sweden: neutral, UN process", "/claims/4/"),
        "DZ": Region(sadr, "Algeria: recognises the SADR", "/claims/5/"),
        "ZA": Region(sadr, "South Africa: recognises the SADR", "/claims/6/"),
        "SV": Region(withdrew, "El Salvador: withdrew recognition of the SADR", "/claims/7/"),
        "BH": Region(recognises, "Bahrain: recognises Moroccan sovereignty", "/claims/8/"),
        "AE": Region(recognises, "United Arab Emirates: recognises Moroccan sovereignty", "/c/9/"),
        "IL": Region(
            recognises,
            "Israel: recognises Moroccan sovereignty (unverified claim)",
            "/claims/10/",
            hatched=True,
        ),
    }
    legend = [
        LegendEntry("Recognises Moroccan sovereignty", recognises, 3),
        LegendEntry("Supports the autonomy plan", autonomy, 2),
        LegendEntry("Neutral, UN process", neutral, 1),
        LegendEntry("Recognises the SADR", sadr, 2),
        LegendEntry("Withdrew recognition of the SADR", withdrew, 1),
        LegendEntry("Unverified or disputed claim", recognises, 1, hatched=True),
        LegendEntry("No position stated", NEUTRAL_FILL, 228),
    ]
    return regions, legend


def topic_page() -> str:
    regions, legend = positions()
    svg = render_world_svg(
        regions, title=TITLE, description="Each coloured country links to the claim behind it."
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{TITLE}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:1rem 2rem;color:#1a1a1a}"
        ".world-map{width:100%;height:auto;display:block}"
        ".map-legend{list-style:none;padding:0}</style></head>"
        f"<body><main><h1>{TITLE}</h1><figure>{svg}"
        f"<figcaption>{render_legend_html(legend)}</figcaption></figure></main></body></html>"
    )


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


def test_a_page_showing_the_map_has_no_serious_accessibility_violations(page):
    page.set_content(topic_page())
    violations = run_axe(page)
    assert not violations, describe(violations)
    # The countries stay in the accessibility tree as links named by their position.
    link = page.get_by_role("link", name="France: supports the autonomy plan")
    assert link.count() == 1
    assert page.get_by_role("group", name=TITLE).count() == 1


def test_the_map_is_usable_from_the_keyboard(page):
    page.set_content(topic_page())
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/claims/1/"
    # Visibly focused: the country's outline turns dark.
    stroke = page.evaluate("getComputedStyle(document.activeElement.querySelector('path')).stroke")
    assert stroke == "rgb(26, 26, 26)"
    order = ["/claims/1/"]
    for _ in range(9):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.getAttribute('href')"))
    # In the order given, except that small states (drawn last, above their neighbours)
    # come last.
    assert order == [
        *["/claims/1/", "/claims/2/", "/claims/3/", "/claims/4/", "/claims/5/", "/claims/6/"],
        *["/c/9/", "/claims/7/", "/claims/8/", "/claims/10/"],
    ]


def test_the_standalone_map_draws_itself_and_fetches_nothing(page):
    regions, legend = positions()
    svg = render_world_svg(
        regions,
        title=TITLE,
        description="d",
        legend=legend,
        caption="claimtrack",
        standalone=True,
    )
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.route(
        f"{ORIGIN}/topics/western-sahara/map.svg",
        lambda route: route.fulfill(body=svg, content_type="image/svg+xml"),
    )
    page.goto(f"{ORIGIN}/topics/western-sahara/map.svg")
    assert requests == [f"{ORIGIN}/topics/western-sahara/map.svg"]
    neutral = page.evaluate("getComputedStyle(document.querySelector('path.n')).fill")
    assert neutral == "rgb(217, 217, 217)"  # its own <style> applies
    hatched = page.locator('a[href="/claims/10/"] path').get_attribute("fill")
    assert hatched.startswith("url(#")
    box = page.locator("svg").bounding_box()
    assert box["width"] > 0 and box["height"] > 0
