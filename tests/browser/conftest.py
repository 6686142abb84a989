"""Browser tests: Playwright for Python driving Debian's chromium against pytest-django's
live server. Nothing is downloaded: the pip package ships its driver and the browser comes
from `apt-get install -y chromium`. Without either, the tests are skipped with the reason.

Every scenario saves a screenshot, by default into the git-ignored artifacts/screenshots/ so
that a test run leaves the tree clean; `./dev screenshots` runs them with
CLAIMTRACK_SCREENSHOTS=docs/screenshots to refresh the pictures docs/admin.md shows.
"""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from tests.factories import SourceFactory, UserFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / os.environ.get("CLAIMTRACK_SCREENSHOTS", "artifacts/screenshots")
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return (
            "playwright not installed: pip install playwright==1.65.2; "
            "the browser tests were skipped"
        )
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        return "chromium not installed: apt-get install -y chromium; the browser tests were skipped"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason is None:
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """One headless Chromium per test module (a launch costs about a second).

    Playwright's sync API keeps an event loop running in this thread, which Django takes for
    an async context; the ORM calls that the tests make between browser steps are plain
    synchronous code, so Django is told to allow them while the browser is up.
    """
    mp = pytest.MonkeyPatch()
    mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        mp.undo()


@pytest.fixture(autouse=True)
def _browser_settings(settings):
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def new_page(browser, live_server):
    """Opens a page in a fresh browser context (its own cookies: one user each)."""
    contexts = []

    def open_page():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1366, "height": 768}, accept_downloads=True
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def login(page, username: str) -> None:
    """Signs in through the admin's login form, as a person would."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    assert page.locator("#user-tools").inner_text().upper().startswith("WELCOME")


def screenshot(page, name: str, selector: str | None = None) -> Path:
    """Saves the whole page (or the element at `selector`) as SCREENSHOTS/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if selector:
        page.locator(selector).screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    return path


def pick_autocomplete(page, field_name: str, text: str, scope: str = "") -> None:
    """Chooses `text` in the admin's autocomplete (select2) widget of the field."""
    page.click(f'{scope} select[name="{field_name}"] + .select2 .select2-selection')
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f'.select2-container--open .select2-results__option:has-text("{text}")')
    page.wait_for_selector(".select2-container--open", state="detached")


def staff_with_role(username: str, role: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.set([Group.objects.get(name=role)])
    return user


@pytest.fixture
def newsroom(transactional_db):
    """The seed article and its demo claims, a denial to cite against them, an editor and a
    reviewer (both staff)."""
    call_command("load_demo", stdout=io.StringIO())
    denial = SourceFactory(
        title="Ministry denies Washington talks",
        url="https://news.example/ministry-denies-washington-talks",
        text=(
            "A ministry spokesman said on Monday that no working sessions took place in "
            "Washington and that the reports of the visit were unfounded."
        ),
    )
    return {
        "editor": staff_with_role("editor", "editor"),
        "reviewer": staff_with_role("reviewer", "reviewer"),
        "denial": denial,
    }
