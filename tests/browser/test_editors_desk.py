"""The editors' desk at 1366×768: questions answered in one place (see conftest.py)."""

import pytest

from claims.models import Actor, Claim, Event
from claims.workflow import claim_review
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def listed_ids(page) -> set[int]:
    return {
        int(v)
        for v in page.locator("#result_list input.action-select").evaluate_all(
            "boxes => boxes.map(b => b.value)"
        )
    }


def test_an_editor_finds_who_attended_the_washington_meetings(new_page, newsroom):
    event = Event.objects.get(name__contains="working sessions in Washington")
    page = new_page()
    login(page, "editor")
    page.goto("/admin/claims/event/")
    page.fill("#searchbar", "Washington")
    page.press("#searchbar", "Enter")
    page.click(f'#result_list a:has-text("{event.name}")')

    participants = page.locator(".field-participants").inner_text()
    for name in ("Abdellatif Hammouchi", "Avril Haines", "William Burns", "Christopher Asher"):
        assert name in participants
    assert "Attendee" in participants
    about = Claim.objects.filter(event=event)
    assert page.locator(".field-claims .event-claim").count() == about.count() == 3
    assert page.locator(".field-claims .event-claim .badge").first.inner_text() == "Unverified"
    screenshot(page, "event-page", "#content-main")

    page.click("a.event-claims-list")
    page.wait_for_url(f"**/admin/claims/claim/?event={event.pk}")
    assert listed_ids(page) == set(about.values_list("pk", flat=True))

    # Narrow to one official with the actor filter's autocomplete, typed as a person would.
    page.click("#changelist-filter .actor-filter-box .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "Burns")
    page.click('.select2-container--open .select2-results__option:has-text("William Burns")')
    burns = Actor.objects.get(name="William Burns")
    page.wait_for_url(f"**actor={burns.pk}**")
    assert listed_ids(page) == set(
        about.filter(participants__actor=burns).values_list("pk", flat=True)
    )
    assert len(listed_ids(page)) == 1
    screenshot(page, "changelist-actor-filter")


def test_searching_esh_lists_the_claims_about_western_sahara(new_page, newsroom):
    page = new_page()
    login(page, "editor")
    page.goto("/admin/claims/claim/")
    page.fill("#searchbar", "ESH")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=ESH**")
    assert listed_ids(page) == set(Claim.objects.for_country("EH").values_list("pk", flat=True))


def test_a_reviewer_works_through_the_queue(new_page, newsroom):
    office = Claim.objects.get(statement__startswith="Abdellatif Hammouchi is Director General")
    meeting = Claim.objects.get(statement__endswith="with William Burns.")
    for claim in (office, meeting):
        claim_review(claim=claim, status="in_review", reviewer=newsroom["editor"])

    page = new_page()
    login(page, "reviewer")
    page.locator("#claims-overview a").first.click()
    page.wait_for_url("**/admin/claims/claim/queue/")
    queued = page.locator("#review-queue tr.queued")
    assert [int(queued.nth(i).get_attribute("data-claim")) for i in range(2)] == [
        office.pk,
        meeting.pk,
    ]
    assert "citation" in queued.first.locator(".evidence").inner_text()
    screenshot(page, "review-queue")

    queued.first.locator("a.decide").click()
    page.select_option('select[name="status"]', "confirmed")
    page.fill('textarea[name="rationale"]', "The seed article gives his title in these words.")
    for citation in office.citations.all():
        page.check(f'input[name="citations"][value="{citation.pk}"]')
    page.click('input[name="_record"]')
    assert "went from In review to True" in page.locator(".messagelist").inner_text()

    page.goto("/admin/claims/claim/queue/")
    assert [
        int(v)
        for v in page.locator("#review-queue tr.queued").evaluate_all(
            "rows => rows.map(r => r.dataset.claim)"
        )
    ] == [meeting.pk]
    mine = page.locator("#my-decisions tbody tr").first.inner_text()
    assert "Abdellatif Hammouchi is Director General" in mine and "True" in mine
