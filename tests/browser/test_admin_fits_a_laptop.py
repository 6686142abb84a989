"""Every admin list and form fits a 1366×768 laptop screen: no horizontal scrolling.

The pages are those of every registered ModelAdmin, so a new one is measured without a change
here. The demo data gives the lists rows with long statements, quotes and titles.
"""

import pytest
from django.contrib import admin

from claims.models import Claim
from claims.workflow import claim_review
from tests.browser.conftest import login
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEASURE = """() => {
    const table = document.querySelector('#result_list');
    const box = table ? table.closest('.results') : null;
    return {
        viewport: document.documentElement.clientWidth,
        page: document.documentElement.scrollWidth,
        // The admin wraps a list in a box that scrolls sideways: the table's full width
        // against the box's visible width.
        table: table ? table.scrollWidth : 0,
        box: box ? box.clientWidth : 0,
    };
}"""


def registered_models():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def overflow(page, url: str) -> str | None:
    """What is wider than the window at `url`, in words, or None when everything fits."""
    response = page.goto(url)
    assert response.status == 200, url
    size = page.evaluate(MEASURE)
    if size["page"] > size["viewport"] or size["table"] > size["box"]:
        return (
            f"{url}: page {size['page']} px in a {size['viewport']} px window, "
            f"table {size['table']} px in a {size['box']} px box"
        )
    return None


def test_every_changelist_and_change_form_fits_1366_pixels(new_page, newsroom):
    claim = Claim.objects.get(statement__startswith="Abdellatif Hammouchi is Director General")
    claim_review(
        claim=claim,
        status="confirmed",
        reviewer=newsroom["reviewer"],
        rationale="The seed article gives his title in these words.",
        citations=list(claim.citations.all()),
    )
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    page = new_page()
    login(page, "admin")
    too_wide, measured = [], 0
    for model in registered_models():
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        problem = overflow(page, base)
        measured += 1
        if problem:
            too_wide.append(problem)
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            problem = overflow(page, f"{base}{first.pk}/change/")
            if problem:
                too_wide.append(problem)
    assert measured == len(admin.site._registry) >= 8
    assert not too_wide, "\n".join(too_wide)
