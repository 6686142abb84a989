"""From article to claim without leaving the admin, at 1366×768 (see conftest.py): an article
fetched by URL from a local server, a claim made from one of its suggested sentences."""

import http.server
import threading

import pytest

from claims.models import Claim
from sources.canonical import canonicalize_url
from sources.models import Source
from tests.browser.conftest import login, pick_autocomplete, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENTENCE = (
    "In a letter to the king, Spain backed the autonomy plan for Western Sahara as the most "
    "serious basis for a solution."
)
ARTICLE = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Spain's position on Western Sahara | The Daily Example</title>
<meta property="og:site_name" content="The Daily Example">
<meta property="article:published_time" content="2022-03-18T10:00:00Z"></head>
<body><nav>Home · World · Sport</nav><article><h1>Spain's position on Western Sahara</h1>
<p>Madrid changed its long-held position in March.</p>
<p>{SENTENCE}</p>
<p>Algeria recalled its ambassador to Madrid the next day, officials said.</p></article>
<footer>© The Daily Example</footer></body></html>"""


class _Article(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        body = ARTICLE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def article_server(settings):
    """A newspaper on 127.0.0.1, which the safe fetcher is told to allow."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Article)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLAIMTRACK_FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_editor_adds_an_article_by_url_and_makes_a_claim_from_a_suggested_sentence(
    new_page, newsroom, article_server
):
    page = new_page()
    login(page, "editor")
    page.goto("/admin/sources/source/")
    page.click("a.addlink")
    page.check('input[name="how"][value="fetch"]')
    page.fill('input[name="url"]', f"{article_server}/2022/spain-sahara?utm_source=newsletter")
    screenshot(page, "source-add")
    page.click('input[name="_add"]')
    assert "Added:" in page.locator(".messagelist").inner_text()

    source = Source.objects.get(title__startswith="Spain's position")
    assert source.canonical_url == canonicalize_url(f"{article_server}/2022/spain-sahara")
    assert "utm_source" not in source.canonical_url
    assert source.language == "en"
    assert source.published_at.date().isoformat() == "2022-03-18"
    assert source.publisher is not None
    assert "Home · World" not in source.text  # the page around the article is left out

    row = page.locator("#source-suggestions tr.suggestion", has_text="Spain backed")
    assert row.locator("td").nth(1).inner_text() == "Agreement or endorsement"
    screenshot(page, "source-suggestions-new", "#source-suggestions")
    row.locator("a.prefill-claim").click()

    assert page.locator('textarea[name="citations-0-quote"]').input_value() == SENTENCE
    page.fill(
        'textarea[name="statement"]', "Spain backed Morocco's autonomy plan for Western Sahara."
    )
    participants = page.locator("#participants-group tr.form-row:not(.empty-form)")
    for index in range(participants.count()):
        page.select_option(f'select[name="participants-{index}-role"]', index=1)
    if participants.count() == 0:
        page.click("#participants-group .add-row a")
        pick_autocomplete(page, "participants-0-actor", "Spain")
        page.select_option('select[name="participants-0-role"]', "subject")
    page.click('input[name="_continue"]')
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    citation = page.locator("#citations-0")
    assert citation.locator(".badge.anchoring-exact").inner_text() == "Exact"

    claim = Claim.objects.get(statement__startswith="Spain backed")
    (cited,) = claim.citations.all()
    assert (cited.source, cited.anchoring, cited.quote) == (source, "exact", SENTENCE)
    assert source.text[cited.start : cited.end] == SENTENCE

    # Back on the article, the sentence is marked as recorded instead of suggested again.
    page.goto(f"/admin/sources/source/{source.pk}/change/")
    row = page.locator("#source-suggestions tr.suggestion", has_text="Spain backed")
    assert row.locator("a.prefill-claim").count() == 0
    assert f"claim #{claim.pk}" in row.locator(".recorded-as").inner_text()
