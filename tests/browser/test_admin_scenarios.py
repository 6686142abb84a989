"""The editors' daily path through the admin, in a real Chromium (see conftest.py)."""

import csv

import pytest

from claims.models import Citation, Claim
from claims.workflow import claim_review
from sources.models import Source
from tests.browser.conftest import login, pick_autocomplete, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED_QUOTE = "Hammouchi held working sessions with senior US security officials"


def listed_ids(page) -> set[int]:
    """The claims the changelist shows, by their row checkboxes."""
    return {
        int(v)
        for v in page.locator("#result_list input.action-select").evaluate_all(
            "boxes => boxes.map(b => b.value)"
        )
    }


def test_an_editor_enters_a_claim_from_the_seed_article_and_sees_countries_and_anchoring(
    new_page, newsroom
):
    page = new_page()
    login(page, "editor")
    seed = Source.objects.get(title__startswith="Morocco, key participant")
    page.goto(f"/admin/sources/source/{seed.pk}/change/")
    assert page.locator("#source-text mark.quote.anchoring-exact").count() > 0
    assert page.locator("#source-suggestions a.prefill-claim").count() > 0
    screenshot(page, "source-text", "#source-text")
    screenshot(page, "source-suggestions", "#source-suggestions")

    page.goto("/admin/claims/claim/add/")
    page.fill('textarea[name="statement"]', "Abdellatif Hammouchi met William Burns in Washington.")
    page.select_option('select[name="kind"]', "meeting")
    participants = [("Abdellatif Hammouchi", "subject"), ("William Burns", "object")]
    for index, (name, role) in enumerate(participants):
        page.click("#participants-group .add-row a")
        pick_autocomplete(page, f"participants-{index}-actor", name)
        page.select_option(f'select[name="participants-{index}-role"]', role)
    page.click("#countries-group .add-row a")
    page.select_option('select[name="countries-0-country"]', "EH")
    page.select_option('select[name="countries-0-role"]', "territory")
    page.click("#citations-group .add-row a")
    pick_autocomplete(page, "citations-0-source", "Morocco, key participant")
    page.fill('textarea[name="citations-0-quote"]', SEED_QUOTE)
    page.click('input[name="_continue"]')

    assert "was added successfully" in page.locator(".messagelist").inner_text()
    countries = page.locator(".field-country_summary").inner_text()
    assert "Morocco · Subject derived" in countries
    assert "United States of America · Object derived" in countries
    assert "Western Sahara · Territory entered" in countries
    citation = page.locator("#citations-0")
    assert citation.locator(".badge.anchoring-exact").inner_text() == "Exact"
    assert citation.locator("mark.quote.anchoring-exact").inner_text() == SEED_QUOTE
    screenshot(page, "claim-form")
    claim = Claim.objects.get(statement__startswith="Abdellatif Hammouchi met William Burns")
    assert claim.created_by == newsroom["editor"]


def test_the_changelist_filtered_by_western_sahara_then_unverified_exports_the_same_rows(
    new_page, newsroom
):
    about_eh = set(Claim.objects.for_country("EH").values_list("pk", flat=True))
    assert len(about_eh) >= 2
    in_review = min(about_eh)
    editor = newsroom["editor"]
    claim_review(claim=Claim.objects.get(pk=in_review), status="in_review", reviewer=editor)

    page = new_page()
    login(page, "editor")
    page.goto("/admin/claims/claim/")
    filters = "#changelist-filter details"
    page.click(f'{filters}[data-filter-title="country"] a:text-is("Western Sahara")')
    page.wait_for_url("**/admin/claims/claim/?country=EH")
    assert listed_ids(page) == about_eh
    page.click(f'{filters}[data-filter-title="status"] a:text-is("Unverified")')
    page.wait_for_url("**status__exact=unverified**")
    assert listed_ids(page) == about_eh - {in_review}
    screenshot(page, "changelist-western-sahara")

    with page.expect_download() as download:
        page.click("a.export-csv")
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.DictReader(exported))
    assert {int(row["id"]) for row in rows} == about_eh - {in_review}
    assert all("EH:" in row["countries"] and row["status"] == "unverified" for row in rows)


def test_a_reviewer_is_refused_a_false_verdict_without_refutation_then_records_it(
    new_page, newsroom
):
    claim = Claim.objects.get(
        statement="Abdellatif Hammouchi held working sessions in Washington with William Burns."
    )

    editor = new_page()
    login(editor, "editor")
    editor.goto("/admin/claims/claim/")
    editor.check(f'#result_list input.action-select[value="{claim.pk}"]')
    editor.select_option('select[name="action"]', "send_to_review")
    editor.click('button[name="index"]')
    assert "Sent 1 claim(s) to review." in editor.locator(".messagelist").inner_text()

    reviewer = new_page()
    login(reviewer, "reviewer")
    reviewer.goto(f"/admin/claims/claim/{claim.pk}/change/")
    assert reviewer.locator(".field-status_badge .badge").inner_text() == "In review"
    reviewer.click("a.record-verdict")
    reviewer.select_option('select[name="status"]', "false")
    reviewer.fill('textarea[name="rationale"]', "The ministry denies the sessions took place.")
    reviewer.click('input[name="_record"]')
    refusal = reviewer.locator(".messagelist .error").inner_text()
    assert "needs at least one citation that refutes or retracts the claim" in refusal
    screenshot(reviewer, "verdict-refused")

    reviewer.goto(f"/admin/claims/claim/{claim.pk}/change/")
    reviewer.click("#citations-group .add-row a")
    row = f"citations-{claim.citations.count()}"
    pick_autocomplete(reviewer, f"{row}-source", "Ministry denies Washington talks")
    reviewer.select_option(f'select[name="{row}-stance"]', "refutes")
    reviewer.fill(f'textarea[name="{row}-quote"]', "no working sessions took place in Washington")
    reviewer.click('input[name="_continue"]')
    assert "was changed successfully" in reviewer.locator(".messagelist").inner_text()

    refuting = Citation.objects.get(claim=claim, stance="refutes")
    reviewer.click("a.record-verdict")
    reviewer.select_option('select[name="status"]', "false")
    reviewer.fill('textarea[name="rationale"]', "The ministry denies the sessions took place.")
    reviewer.check(f'input[name="citations"][value="{refuting.pk}"]')
    reviewer.click('input[name="_record"]')
    assert "went from In review to False" in reviewer.locator(".messagelist").inner_text()
    assert reviewer.locator(".field-status_badge .badge").inner_text() == "False"

    reviewer.click("a.historylink")
    reviewer.wait_for_url(f"**/admin/claims/claim/{claim.pk}/history/")
    history = reviewer.locator("#change-history tbody tr")
    rows = [history.nth(i).inner_text() for i in range(history.count())]
    verdict = next(r for r in rows if "review: In review → False" in r)
    sent = next(r for r in rows if "review: Unverified → In review" in r)
    assert "reviewer" in verdict
    assert "editor" in sent
    screenshot(reviewer, "claim-history")


def test_a_second_session_saving_a_claim_changed_since_it_opened_is_refused(new_page, newsroom):
    claim = Claim.objects.order_by("pk").first()
    original = claim.statement
    first, second = new_page(), new_page()
    login(first, "editor")
    login(second, "reviewer")
    url = f"/admin/claims/claim/{claim.pk}/change/"
    first.goto(url)
    second.goto(url)

    first.fill('textarea[name="statement"]', original + " (first session)")
    first.click('input[name="_save"]')
    assert "was changed successfully" in first.locator(".messagelist").inner_text()

    second.fill('textarea[name="statement"]', original + " (second session)")
    second.click('input[name="_save"]')
    message = second.locator(".messagelist .error").inner_text()
    assert "Someone else changed this claim since you opened it" in message
    assert second.locator(".errornote").count() == 1
    screenshot(second, "stale-save-refused")
    claim.refresh_from_db()
    assert claim.statement == original + " (first session)"


def test_the_country_chart_renders_and_its_western_sahara_bar_leads_to_the_filtered_list(
    new_page, newsroom
):
    page = new_page()
    login(page, "editor")
    page.click("a.claims-chart-link")
    page.wait_for_url("**/admin/claims/claim/chart/")
    bar = page.locator('svg.bars g.bar[data-country="EH"]')
    assert bar.count() == 1
    assert bar.locator("a.segment").count() >= 1
    screenshot(page, "country-chart")
    bar.locator("a.bar-label").click()
    page.wait_for_url("**/admin/claims/claim/?country=EH")
    assert listed_ids(page) == set(Claim.objects.for_country("EH").values_list("pk", flat=True))


def test_a_claim_with_a_verdict_opens_read_only_and_is_reopened_for_editing(new_page, newsroom):
    claim = Claim.objects.get(statement__startswith="Abdellatif Hammouchi is Director General")
    claim_review(
        claim=claim,
        status="confirmed",
        reviewer=newsroom["reviewer"],
        rationale="The seed article gives his title in these words.",
        citations=list(claim.citations.all()),
    )
    judged = claim.statement

    editor = new_page()
    login(editor, "editor")
    editor.goto(f"/admin/claims/claim/{claim.pk}/change/")
    assert editor.locator('textarea[name="statement"]').count() == 0
    assert editor.locator('input[name="_save"]').count() == 0
    lock = editor.locator(".verdict-lock").inner_text()
    assert "This claim has a verdict (True), so it is read-only" in lock
    assert (
        "Nothing changed since it was judged."
        in editor.locator(".field-verdict_summary").inner_text()
    )
    screenshot(editor, "verdict-read-only")

    editor.click("a.reopen-claim")
    editor.click('input[name="_reopen"]')  # no reason given
    assert "This field is required." in editor.locator(".field-reason .errorlist").inner_text()
    editor.fill(
        'textarea[name="reason"]', "The title should be checked against the official gazette."
    )
    screenshot(editor, "reopen-form")
    editor.click('input[name="_reopen"]')
    assert "Reopened:" in editor.locator(".messagelist").inner_text()
    assert editor.locator(".field-status_badge .badge").inner_text() == "In review"

    editor.fill('textarea[name="statement"]', judged + " (as the gazette words it)")
    editor.click('input[name="_continue"]')
    assert "was changed successfully" in editor.locator(".messagelist").inner_text()
    claim.refresh_from_db()
    assert claim.status == "in_review"
    assert claim.statement == judged + " (as the gazette words it)"
    reopened, verdict = claim.reviews.all()[:2]
    assert (reopened.status_before, reopened.reviewer) == ("confirmed", newsroom["editor"])
    assert reopened.rationale == "The title should be checked against the official gazette."
    assert verdict.snapshot["statement"] == judged
