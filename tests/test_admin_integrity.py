"""Verdict integrity in the admin: read-only verdicts and "Reopen for editing", derived country
rows, the verdict form, labels, the history in words, and deletion that loses no review."""

import pytest
from django.urls import reverse

from claims.claimreview import claim_to_claimreview, with_claimreview_relations
from claims.models import Citation, Claim, ClaimCountry, Review
from claims.workflow import claim_review
from tests.conftest import DELETE_PERMISSIONS, user_with_role
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimCountryFactory,
    ClaimFactory,
    SourceFactory,
)
from tests.test_admin import claim_form_data as form_data
from tests.test_admin import messages_of

pytestmark = pytest.mark.django_db

TEXT = "The ministry confirmed that the agreement was signed in Rabat on Monday."
QUOTE = "the agreement was signed in Rabat"
REASON = "The ministry's statement confirms it."


def change_url(claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


@pytest.fixture
def staff_editor():
    return user_with_role("ed", "editor", is_staff=True, first_name="Edith", last_name="Dor")


@pytest.fixture
def staff_reviewer():
    return user_with_role("rev", "reviewer", is_staff=True, first_name="Rita", last_name="Vue")


@pytest.fixture
def deleter():
    return user_with_role("chief", "editor", is_staff=True, permissions=DELETE_PERMISSIONS)


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def judged(staff_reviewer):
    claim = ClaimFactory(statement="The agreement was signed in Rabat.")
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Morocco", country="MA"))
    ClaimCountryFactory(claim=claim, country="EH", role="territory")
    citation = CitationFactory(claim=claim, source=SourceFactory(text=TEXT), quote=QUOTE)
    claim_review(
        claim=claim,
        status="confirmed",
        reviewer=staff_reviewer,
        rationale=REASON,
        citations=[citation],
    )
    claim.refresh_from_db()
    return claim


# --- A claim with a verdict opens read-only, with "Reopen for editing" ---------------------


def test_a_claim_with_a_verdict_opens_read_only_and_offers_to_reopen(client, staff_editor, judged):
    page = login(client, staff_editor).get(change_url(judged))
    assert page.status_code == 200
    assert 'name="statement"' not in page.text
    assert 'name="citations-0-quote"' not in page.text
    assert "This claim has a verdict (<strong>True</strong>), so it is read-only" in page.text
    reopen = reverse("admin:claims_claim_reopen", args=[judged.pk])
    assert f'href="{reopen}" class="reopen-claim">Reopen for editing' in page.text
    assert "Nothing changed since it was judged." in page.text


def test_the_change_form_of_a_claim_with_a_verdict_refuses_a_post(client, staff_editor, judged):
    data = form_data(judged, statement="The agreement was never signed.")
    response = login(client, staff_editor).post(change_url(judged), data)
    assert response.status_code == 403
    assert Claim.objects.get(pk=judged.pk).statement == "The agreement was signed in Rabat."


def test_reverting_a_claim_with_a_verdict_to_an_earlier_version_is_refused(
    client, staff_editor, judged
):
    first = judged.history.earliest()
    url = reverse("admin:claims_claim_simple_history", args=[judged.pk, first.history_id])
    login(client, staff_editor)
    assert client.get(url).status_code == 200  # an earlier version may be looked at
    response = client.post(url, form_data(judged, statement="An earlier wording."))
    assert response.status_code == 403
    assert Claim.objects.get(pk=judged.pk).statement == "The agreement was signed in Rabat."
    history = client.get(reverse("admin:claims_claim_history", args=[judged.pk]))
    assert history.context["revert_allowed"] is False


def test_reopening_needs_a_reason_then_makes_the_claim_editable(client, staff_editor, judged):
    login(client, staff_editor)
    url = reverse("admin:claims_claim_reopen", args=[judged.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"]["version"].value() == judged.version

    refused = client.post(url, {"reason": "  ", "version": judged.version})
    assert refused.status_code == 200
    assert "reason" in refused.context["form"].errors
    assert Claim.objects.get(pk=judged.pk).status == "confirmed"

    done = client.post(url, {"reason": "The date is missing.", "version": judged.version})
    assert done.status_code == 302 and done.url == change_url(judged)
    assert any(m.startswith("Reopened:") for m in messages_of(client.get(done.url)))
    review = Review.objects.filter(claim=judged).first()
    assert (review.status_before, review.status_after, review.rationale, review.reviewer) == (
        "confirmed",
        "in_review",
        "The date is missing.",
        staff_editor,
    )
    judged.refresh_from_db()
    saved = client.post(change_url(judged), form_data(judged, statement="Signed on 12 May."))
    assert saved.status_code == 302
    assert Claim.objects.get(pk=judged.pk).statement == "Signed on 12 May."


def test_a_stale_reopen_form_is_refused_with_a_message(client, staff_editor, judged):
    login(client, staff_editor)
    url = reverse("admin:claims_claim_reopen", args=[judged.pk])
    response = client.post(url, {"reason": "Look again.", "version": judged.version - 1})
    assert any("changed by someone else" in m for m in messages_of(response))
    assert Claim.objects.get(pk=judged.pk).status == "confirmed"


def test_parts_of_a_claim_with_a_verdict_are_read_only_on_their_own_pages(
    client, staff_editor, judged
):
    login(client, staff_editor)
    citation = judged.citations.get()
    url = reverse("admin:claims_citation_change", args=[citation.pk])
    assert 'name="quote"' not in client.get(url).text
    assert client.post(url, {"quote": "signed", "stance": "refutes"}).status_code == 403
    added = client.post(
        reverse("admin:claims_citation_add"),
        {"claim": judged.pk, "source": citation.source_id, "stance": "refutes", "quote": "Rabat"},
        follow=True,
    )
    assert any(f"Claim {judged.pk} has a verdict" in m for m in messages_of(added))
    assert Citation.objects.filter(claim=judged).count() == 1


# --- Derived country rows ------------------------------------------------------------------


def test_a_derived_country_row_cannot_be_changed_through_the_claim_form(client, staff_editor):
    claim = ClaimFactory()
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Joe Biden", country="US"))
    derived = claim.countries.get(derived=True)
    login(client, staff_editor)
    page = client.get(change_url(claim))
    formset = {f.formset.prefix: f.formset for f in page.context["inline_admin_formsets"]}
    assert list(formset["countries"].queryset) == []  # only entered rows are in the form
    assert "United States of America · Subject <em>derived</em>" in page.text

    # A hand-made POST that names the derived row and changes it to France.
    claim.refresh_from_db()
    data = form_data(
        claim,
        **{
            "countries-TOTAL_FORMS": 1,
            "countries-INITIAL_FORMS": 1,
            "countries-0-id": derived.pk,
            "countries-0-claim": claim.pk,
            "countries-0-country": "FR",
            "countries-0-role": "subject",
        },
    )
    response = client.post(change_url(claim), data)
    assert response.status_code in (200, 302)
    row = ClaimCountry.objects.get(pk=derived.pk)
    assert (row.country.code, row.role, row.derived) == ("US", "subject", True)
    assert client.get("/api/v1/claims/", {"country": "US"}).json()["results"][0]["id"] == claim.pk


def test_a_derived_country_row_is_read_only_on_its_own_page(client, staff_editor):
    claim = ClaimFactory()
    ClaimActorFactory(claim=claim, actor=ActorFactory(country="US"))
    derived = claim.countries.get(derived=True)
    url = reverse("admin:claims_claimcountry_change", args=[derived.pk])
    login(client, staff_editor)
    assert 'name="country"' not in client.get(url).text
    response = client.post(url, {"claim": claim.pk, "country": "FR", "role": "subject"})
    assert response.status_code == 403
    assert ClaimCountry.objects.get(pk=derived.pk).country.code == "US"


# --- The verdict form ----------------------------------------------------------------------


def test_the_verdict_form_preselects_no_status_and_record_without_one_changes_nothing(
    client, staff_reviewer
):
    claim = CitationFactory(stance="refutes").claim
    login(client, staff_reviewer)
    url = reverse("admin:claims_claim_review", args=[claim.pk])
    page = client.get(url)
    assert '<option value="" selected>— choose a status —</option>' in page.text
    assert '<option value="confirmed">True</option>' in page.text

    response = client.post(url, {"version": claim.version, "rationale": "Refuted."})
    assert response.status_code == 200
    assert response.context["form"].errors["status"] == ["This field is required."]
    assert Claim.objects.get(pk=claim.pk).status == "unverified"
    assert not Review.objects.exists()


def test_the_admin_shows_the_status_labels_and_the_re_review_flag(client, staff_editor, judged):
    Claim.objects.filter(pk=judged.pk).update(needs_rereview=True)
    login(client, staff_editor)
    listed = client.get(reverse("admin:claims_claim_changelist"), {"needs_rereview__exact": "1"})
    assert [c.pk for c in listed.context["cl"].result_list] == [judged.pk]
    assert '<span class="badge status-confirmed">True</span>' in listed.text
    assert '<span class="badge needs-rereview">needs re-review</span>' in listed.text
    other = client.get(reverse("admin:claims_claim_changelist"), {"needs_rereview__exact": "0"})
    assert list(other.context["cl"].result_list) == []


# --- The history in words ------------------------------------------------------------------


def test_the_history_page_names_people_and_fields_and_shows_before_and_after(
    client, staff_editor, staff_reviewer
):
    claim = ClaimFactory(statement="First words.")
    login(client, staff_editor)
    client.post(change_url(claim), form_data(claim, statement="Second words."))
    claim.refresh_from_db()
    ClaimActorFactory(claim=claim, actor=ActorFactory(name="Nasser Bourita", country="MA"))
    claim_review(claim=claim, status="in_review", reviewer=staff_editor)

    page = client.get(reverse("admin:claims_claim_history", args=[claim.pk]))

    assert page.status_code == 200
    text = page.text
    assert "Edith Dor" in text
    assert "<strong>Statement</strong>: First words. → Second words." in text
    assert "<strong>Status</strong>: Unverified → In review" in text
    assert "review: Unverified → In review" in text
    assert "Participant Nasser Bourita as Subject created" in text
    assert "<strong>Actor</strong>: — → Nasser Bourita" in text
    assert "Country Morocco · Subject (derived) created" in text
    assert "in_review" not in text.replace('href="', "")  # no raw codes shown


# --- Reviews: read-only, with what was judged ----------------------------------------------


def test_a_review_shows_what_was_judged_and_cannot_be_changed(client, staff_editor, judged):
    review = judged.reviews.get()
    url = reverse("admin:claims_review_change", args=[review.pk])
    login(client, staff_editor)
    page = client.get(url)
    assert page.status_code == 200
    assert "The agreement was signed in Rabat." in page.text
    assert "Morocco (subject)" in page.text
    assert "Nothing: the claim is as it was judged." in page.text
    assert client.post(url, {"rationale": "Rewritten."}).status_code == 403
    delete = reverse("admin:claims_review_delete", args=[review.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Review.objects.get(pk=review.pk).rationale == REASON


# --- Deletion loses no review --------------------------------------------------------------


@pytest.mark.parametrize("user", ["staff_editor", "staff_reviewer"])
def test_editors_and_reviewers_cannot_delete_a_claim_in_the_admin(client, request, judged, user):
    login(client, request.getfixturevalue(user))
    delete = reverse("admin:claims_claim_delete", args=[judged.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:claims_claim_deleted")).status_code == 403
    assert Claim.objects.filter(pk=judged.pk).exists()


def test_a_deleted_claim_with_a_verdict_comes_back_with_its_reviews_and_claimreview(
    client, deleter, judged
):
    before = claim_to_claimreview(
        with_claimreview_relations(Claim.objects.all()).get(pk=judged.pk), base_url="https://x"
    )
    reviews = {r.pk: (r.status_after, r.snapshot, r.cited_ids) for r in judged.reviews.all()}
    citation = judged.citations.get()
    login(client, deleter)
    delete = reverse("admin:claims_claim_delete", args=[judged.pk])
    confirm = client.get(delete)
    assert confirm.status_code == 200 and not confirm.context["perms_lacking"]
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Review.objects.filter(claim_id=judged.pk).exists()

    deleted_url = reverse("admin:claims_claim_deleted")
    record = client.get(deleted_url).context["records"][0]
    client.post(deleted_url, {"history_id": record.history_id})

    restored = Claim.objects.get(pk=judged.pk)
    assert restored.status == "confirmed"
    assert {r.pk: (r.status_after, r.snapshot, r.cited_ids) for r in restored.reviews.all()} == (
        reviews
    )
    assert list(restored.reviews.get().citations.all()) == [citation]
    after = claim_to_claimreview(
        with_claimreview_relations(Claim.objects.all()).get(pk=judged.pk), base_url="https://x"
    )
    assert after == before
