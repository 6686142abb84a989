"""The editors' desk: questions answered in one place (event page, actor, country and
"waiting for" filters, the actor autocomplete's order)."""

import pytest
from django.urls import reverse

from claims.workflow import claim_review
from tests.conftest import user_with_role
from tests.factories import (
    ActorFactory,
    ClaimActorFactory,
    ClaimCountryFactory,
    ClaimFactory,
    EventFactory,
)

pytestmark = pytest.mark.django_db

CLAIMS = "/admin/claims/claim/"


def listed(admin_client, **params) -> set[int]:
    response = admin_client.get(CLAIMS, params)
    assert response.status_code == 200
    return {c.pk for c in response.context["cl"].result_list}


@pytest.mark.parametrize("term", ["EH", "ESH", "Western Sahara", "western sahara"])
def test_searching_a_country_by_code_or_name_lists_the_claims_about_it(admin_client, term):
    about_eh = {ClaimCountryFactory(country="EH", role="territory").claim.pk for _ in range(2)}
    ClaimCountryFactory(country="MA", role="subject")
    assert listed(admin_client, q=term) == about_eh


def test_a_lowercase_word_that_is_also_a_country_code_is_searched_as_a_word(admin_client):
    ClaimCountryFactory(country="AM", role="subject")  # Armenia, ARM
    worded = ClaimFactory(statement="The ministry signed an arm deal.").pk
    assert listed(admin_client, q="arm") == {worded}


def test_the_actor_filter_lists_the_claims_with_that_participant_and_keeps_the_event(
    admin_client,
):
    event = EventFactory(name="Working sessions in Washington")
    burns = ActorFactory(name="William Burns")
    with_burns = ClaimActorFactory(actor=burns, claim=ClaimFactory(event=event)).claim
    ClaimActorFactory(actor=burns)  # another event
    ClaimActorFactory(claim=ClaimFactory(event=event))  # someone else
    assert listed(admin_client, actor=burns.pk, event=event.pk) == {with_burns.pk}
    response = admin_client.get(CLAIMS, {"actor": burns.pk})
    assert 'class="actor-filter' in response.text
    assert "William Burns" in response.text  # the chosen actor shown in the autocomplete


def test_an_actor_filter_that_is_no_id_gives_a_message_and_no_rows(admin_client):
    ClaimActorFactory()
    response = admin_client.get(CLAIMS, {"actor": "x"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_waiting_for_review_and_re_review(admin_client, reviewer):
    in_review = ClaimFactory()
    claim_review(claim=in_review, status="in_review", reviewer=reviewer)
    flagged = ClaimFactory()
    type(flagged).objects.filter(pk=flagged.pk).update(needs_rereview=True)
    ClaimFactory()
    assert listed(admin_client, waiting="review") == {in_review.pk}
    assert listed(admin_client, waiting="rereview") == {flagged.pk}


def test_the_actor_autocomplete_puts_the_actor_named_so_first(admin_client):
    ActorFactory(name="Abdellatif Hammouchi", title="Director General of Morocco's security")
    ActorFactory(name="Morocco's Royal Armed Forces")
    ActorFactory(name="Morocco")
    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "term": "Morocco",
            "app_label": "claims",
            "model_name": "claimactor",
            "field_name": "actor",
        },
    )
    names = [r["text"] for r in response.json()["results"]]
    assert names == [
        "Morocco",
        "Morocco's Royal Armed Forces",
        "Abdellatif Hammouchi (Director General of Morocco's security)",
    ]


def test_the_event_page_lists_its_claims_with_status_and_its_participants(admin_client, reviewer):
    event = EventFactory(name="Working sessions in Washington")
    haines, burns = ActorFactory(name="Avril Haines"), ActorFactory(name="William Burns")
    first = ClaimActorFactory(actor=haines, role="attendee", claim=ClaimFactory(event=event)).claim
    second = ClaimActorFactory(actor=burns, role="attendee", claim=ClaimFactory(event=event)).claim
    claim_review(claim=second, status="in_review", reviewer=reviewer)
    response = admin_client.get(reverse("admin:claims_event_change", args=[event.pk]))
    page = response.text
    assert "Avril Haines" in page and "William Burns" in page
    assert f"?event={event.pk}&amp;actor={burns.pk}" in page
    assert reverse("admin:claims_claim_change", args=[first.pk]) in page
    assert '<span class="badge status-in_review">In review</span>' in page
    assert '<span class="badge status-unverified">Unverified</span>' in page


def test_the_queue_lists_what_waits_for_a_decision_longest_waiting_first(client):
    reviewer = user_with_role("desk-reviewer", "reviewer", is_staff=True)
    older, newer = ClaimFactory(statement="Sent first."), ClaimFactory(statement="Sent second.")
    claim_review(claim=older, status="in_review", reviewer=reviewer)
    claim_review(claim=newer, status="in_review", reviewer=reviewer)
    flagged = ClaimFactory(statement="Evidence moved.")
    type(flagged).objects.filter(pk=flagged.pk).update(needs_rereview=True)
    ClaimFactory(statement="Not sent.")
    client.force_login(reviewer)
    response = client.get("/admin/claims/claim/queue/")
    queued = [c.statement for c in response.context["claims"]]
    assert queued.index("Sent first.") < queued.index("Sent second.")
    assert set(queued) == {"Sent first.", "Sent second.", "Evidence moved."}
    ages = [row.split("</td>")[0] for row in response.text.split('<td class="age"')[1:]]
    assert len(ages) == 3 and all(age.endswith(">today") for age in ages)
    decisions = [r.claim.statement for r in response.context["decisions"]]
    assert decisions == ["Sent second.", "Sent first."]


def test_the_queue_is_the_first_link_of_the_admin_index(admin_client):
    page = admin_client.get("/admin/").text
    first = page.index('id="claims-overview"')
    assert page.index('href="/admin/claims/claim/queue/"', first) < page.index("chart/", first)


def test_the_admin_is_claimtrack_with_its_own_icon(admin_client, client):
    page = admin_client.get("/admin/").text
    assert "<title>The editors&#x27; desk | claimtrack</title>" in page
    assert '<div id="site-name"><a href="/admin/">claimtrack</a></div>' in page
    assert '<link rel="icon" href="/static/claimtrack/favicon.svg"' in page
    assert '<a href="/">View site</a>' in page
    icon = client.get("/favicon.ico")
    assert (icon.status_code, icon["Location"]) == (302, "/static/claimtrack/favicon.svg")
    assert client.get("/static/claimtrack/favicon.svg").status_code == 200


@pytest.mark.parametrize(
    "url", ["/admin/claims/claimcountry/", "/admin/claims/actor/", "/admin/claims/event/"]
)
def test_country_filters_offer_only_the_countries_in_use(admin_client, url):
    ClaimCountryFactory(country="EH", role="territory")
    ActorFactory(country="EH")
    EventFactory(country="EH")
    response = admin_client.get(url)
    assert "Western Sahara" in response.text
    assert "Bhutan" not in response.text
    rows = admin_client.get(url, {"country": "EH"}).context["cl"].result_list
    assert len(rows) >= 1 and all(row.country.code == "EH" for row in rows)
    assert list(admin_client.get(url, {"country": "ZZ"}).context["cl"].result_list) == []
