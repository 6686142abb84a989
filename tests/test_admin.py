import pytest
from django.apps import apps
from django.urls import reverse

from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimCountryFactory,
    ClaimFactory,
    EventFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_of_everything():
    claim = ClaimFactory(event=EventFactory(country="US"))
    ClaimActorFactory(claim=claim, actor=ActorFactory(country="MA"))
    ClaimCountryFactory(claim=claim)
    CitationFactory(claim=claim)
    ReviewFactory(claim=claim)
    return claim


def registered_models():
    from django.contrib import admin

    return [m for m in apps.get_models() if m in admin.site._registry]


def test_every_project_model_is_registered_in_the_admin():
    names = {m._meta.label for m in registered_models()}
    assert {
        "sources.Publisher",
        "sources.Source",
        "claims.Actor",
        "claims.Event",
        "claims.Claim",
        "claims.ClaimActor",
        "claims.ClaimCountry",
        "claims.Citation",
        "claims.Review",
    } <= names


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.label)
def test_changelist_and_change_form_render_for_a_superuser(admin_client, one_of_everything, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200


def test_claims_changelist_filtered_by_western_sahara_lists_exactly_the_claims_about_it(
    admin_client,
):
    about_eh = [ClaimCountryFactory(country="EH", role="territory").claim for _ in range(2)]
    ClaimCountryFactory(country="MA", role="subject")
    ClaimFactory()
    response = admin_client.get(reverse("admin:claims_claim_changelist"), {"country": "EH"})
    assert response.status_code == 200
    assert {c.pk for c in response.context["cl"].result_list} == {c.pk for c in about_eh}


def test_claims_changelist_offers_only_the_countries_that_claims_concern(admin_client):
    ClaimCountryFactory(country="EH", role="territory")
    response = admin_client.get(reverse("admin:claims_claim_changelist"))
    assert "Western Sahara" in response.text
    assert "Bhutan" not in response.text


def test_claims_changelist_search_finds_claims_by_actor_name_and_by_quote(admin_client):
    by_actor = ClaimActorFactory(actor=ActorFactory(name="Abdellatif Hammouchi")).claim
    by_quote = CitationFactory(quote="held talks in Washington").claim
    url = reverse("admin:claims_claim_changelist")
    found = admin_client.get(url, {"q": "Hammouchi"}).context["cl"].result_list
    assert [c.pk for c in found] == [by_actor.pk]
    found = admin_client.get(url, {"q": "talks in Washington"}).context["cl"].result_list
    assert [c.pk for c in found] == [by_quote.pk]


def test_claim_status_cannot_be_edited_in_the_admin_form(admin_client):
    claim = ClaimFactory()
    response = admin_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert 'name="status"' not in response.text
