"""The API reference pages in a real Chromium at 1366x768: they render, load nothing from
another origin (scripts, styles, fonts, images), and the site's CSP refuses nothing on them."""

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1366, "height": 768}


class Watched:
    """What a page asked for and complained about while it loaded."""

    def __init__(self, page, origin: str):
        self.origin = origin
        self.foreign: list[str] = []
        self.refused: list[str] = []
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.refused.append(f"page error: {error}"))

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob"):
            return  # made inside the page, not fetched
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign.append(request.url)

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" or "Content Security Policy" in text:
            self.refused.append(f"console {message.type}: {text}")


@pytest.fixture
def docs(browser, live_server, transactional_db):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(20_000)
    # Nothing may leave the machine, whatever the page tries: another origin is refused here
    # (and recorded by Watched), so a regression fails the test instead of reaching a CDN.
    context.route(
        lambda url: not url.startswith(live_server.url),
        lambda route: route.abort("blockedbyclient"),
    )
    page = context.new_page()
    watched = Watched(page, live_server.url)
    yield page, watched
    context.close()


def test_redoc_renders_the_reference_with_only_this_sites_files(docs):
    page, watched = docs
    page.goto("/api/redoc/", wait_until="networkidle")
    assert watched.foreign == []
    assert watched.refused == []
    page.wait_for_selector("h1:has-text('claimtrack API')")
    page.wait_for_selector("h2:has-text('List claims')")
    # The search index runs in a blob: worker: type to make it work.
    page.fill("input[placeholder='Search...']", "country")
    page.wait_for_selector("[data-role='search:results'] li")
    page.screenshot(path=str(SCREENSHOTS / "api-redoc.png"))
    assert watched.foreign == []
    assert watched.refused == []
    # ReDoc's sidebar badge would load its logo from cdn.redoc.ly: no image of it is left.
    assert page.locator("img[alt='redocly logo']").count() == 0


def test_swagger_ui_renders_and_tries_a_request_with_only_this_sites_files(docs):
    page, watched = docs
    page.goto("/api/docs/", wait_until="networkidle")
    assert watched.foreign == []
    assert watched.refused == []
    operation = page.locator("#operations-countries-list_countries")
    operation.locator(".opblock-summary").click()
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    assert status.inner_text().strip() == "200"
    page.screenshot(path=str(SCREENSHOTS / "api-swagger.png"))
    assert watched.foreign == []
    assert watched.refused == []
