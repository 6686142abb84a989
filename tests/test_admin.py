import csv
import io
from datetime import date

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Citation, Claim
from claims.representation import CSV_COLUMNS
from claims.workflow import claim_review
from tests.conftest import user_with_role
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimCountryFactory,
    ClaimFactory,
    EventFactory,
    ReviewFactory,
    SourceFactory,
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


# --- The editors' admin (issue 6) ---------------------------------------------------------

CHANGELIST = "admin:claims_claim_changelist"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def staff_editor():
    return user_with_role("ed", "editor", is_staff=True)


@pytest.fixture
def staff_reviewer():
    return user_with_role("rev", "reviewer", is_staff=True)


def full_claim(**fields) -> Claim:
    """A claim with a participant, a hand-entered EH country and a supporting citation."""
    claim = ClaimFactory(**fields)
    ClaimActorFactory(claim=claim, actor=ActorFactory(country="MA"))
    ClaimCountryFactory(claim=claim, country="EH", role="territory")
    CitationFactory(claim=claim)
    return claim


def changelist_ids(client, **params) -> list[int]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return [c.pk for c in response.context["cl"].result_list]


def test_claims_changelist_needs_the_same_number_of_queries_for_5_and_for_50_rows(admin_client):
    def queries_for_changelist() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse(CHANGELIST)).status_code == 200
        return len(captured)

    for _ in range(5):
        full_claim()
    with_five = queries_for_changelist()
    for _ in range(45):
        full_claim()
    with_fifty = queries_for_changelist()
    assert with_fifty == with_five


def test_claims_changelist_shows_status_badge_country_codes_consensus_and_citations(
    admin_client,
):
    claim = full_claim(statement="Morocco and the US held talks.")
    CitationFactory(claim=claim, stance=Citation.Stance.REFUTES)
    text = admin_client.get(reverse(CHANGELIST)).text
    assert '<span class="badge status-unverified">Unverified</span>' in text
    assert '<abbr title="Western Sahara">EH</abbr>' in text
    assert '<abbr title="Morocco">MA</abbr>' in text  # derived from the participant
    assert "consensus-contested" in text
    assert '<td class="field-citation_count">2</td>' in text


def test_claims_changelist_filtered_by_western_sahara_and_unverified_narrows_further(
    admin_client,
):
    eh_unverified = full_claim()
    eh_in_review = full_claim()
    Claim.objects.filter(pk=eh_in_review.pk).update(status=Claim.Status.IN_REVIEW)
    ClaimCountryFactory(country="MA", role="subject")
    assert set(changelist_ids(admin_client, country="EH")) == {eh_unverified.pk, eh_in_review.pk}
    assert changelist_ids(admin_client, country="EH", status__exact="unverified") == [
        eh_unverified.pk
    ]


def test_claims_changelist_country_role_filter_applies_to_the_chosen_country(admin_client):
    territory = ClaimCountryFactory(country="EH", role="territory").claim
    ClaimCountryFactory(country="EH", role="mentioned")
    assert changelist_ids(admin_client, country="EH", country_role="territory") == [territory.pk]


def test_claims_changelist_filters_by_consensus_event_and_publisher(admin_client):
    refuted = CitationFactory(stance=Citation.Stance.REFUTES).claim
    supported = CitationFactory().claim
    with_event = ClaimFactory(event=EventFactory())
    assert changelist_ids(admin_client, consensus="refuted") == [refuted.pk]
    assert changelist_ids(admin_client, event=str(with_event.event_id)) == [with_event.pk]
    publisher = supported.citations.get().source.publisher
    assert changelist_ids(admin_client, publisher=str(publisher.pk)) == [supported.pk]


def test_an_invalid_filter_value_shows_a_message_naming_the_filter_and_no_rows(admin_client):
    full_claim()
    response = admin_client.get(reverse(CHANGELIST), {"country": "ZZ"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
    assert any(m.startswith("country:") for m in messages_of(response))


def test_claims_changelist_date_hierarchy_narrows_by_year(admin_client):
    in_2023 = ClaimFactory(occurred_on=date(2023, 5, 1))
    ClaimFactory(occurred_on=date(2024, 5, 1))
    assert changelist_ids(admin_client, occurred_on__year="2023") == [in_2023.pk]


def test_csv_export_has_the_api_columns_and_exactly_the_rows_of_the_filtered_list(admin_client):
    wanted = full_claim()
    in_review = full_claim()
    Claim.objects.filter(pk=in_review.pk).update(status=Claim.Status.IN_REVIEW)
    ClaimCountryFactory(country="MA", role="subject")
    params = {"country": "EH", "status__exact": "unverified"}
    listed = changelist_ids(admin_client, **params)
    export_link = admin_client.get(reverse(CHANGELIST), params).context["export_url"]
    response = admin_client.get(export_link)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == CSV_COLUMNS
    assert [int(row[0]) for row in rows[1:]] == listed == [wanted.pk]
    assert "EH:territory" in rows[1][CSV_COLUMNS.index("countries")]


def test_csv_export_with_filters_the_list_does_not_know_exports_nothing_and_says_so(
    admin_client,
):
    response = admin_client.get(reverse("admin:claims_claim_export"), {"no_such": "1"})
    assert response.status_code == 302
    assert "not valid" in messages_of(admin_client.get(response.url))[0]


def test_send_to_review_action_moves_claims_through_the_workflow_and_reports_refusals(
    client, staff_editor
):
    fresh = ClaimFactory()
    already = ClaimFactory()
    claim_review(claim=already, status="in_review", reviewer=staff_editor)
    client.force_login(staff_editor)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "send_to_review", "_selected_action": [fresh.pk, already.pk]},
        follow=True,
    )
    fresh.refresh_from_db()
    assert fresh.status == Claim.Status.IN_REVIEW
    shown = messages_of(response)
    assert "Sent 1 claim(s) to review." in shown
    assert any("was not sent" in m and "cannot go from in_review" in m for m in shown)


def review_post(client, claim, **data):
    claim.refresh_from_db()
    url = reverse("admin:claims_claim_review", args=[claim.pk])
    return client.post(url, {"version": claim.version, "rationale": "", **data}, follow=True)


def test_verdict_form_shows_the_workflows_refusals_and_changes_nothing(
    client, staff_editor, staff_reviewer
):
    claim = CitationFactory().claim  # supporting only
    claim_review(claim=claim, status="in_review", reviewer=staff_editor)

    client.force_login(staff_editor)
    response = review_post(client, claim, status="false", rationale="Made up.")
    assert "Refused: Only reviewers can record a verdict." in messages_of(response)

    client.force_login(staff_reviewer)
    response = review_post(client, claim, status="false", rationale="")
    shown = messages_of(response)
    assert any("needs at least one citation that refutes" in m for m in shown)
    assert any(m.startswith("Refused: rationale:") for m in shown)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    assert claim.reviews.count() == 1


def test_verdict_form_records_a_verdict_with_its_citations_and_reviewer(client, staff_reviewer):
    claim = ClaimFactory()
    refuting = CitationFactory(claim=claim, stance=Citation.Stance.REFUTES)
    client.force_login(staff_reviewer)
    response = review_post(
        client, claim, status="false", rationale="The ministry denied it.", citations=[refuting.pk]
    )
    assert response.redirect_chain[-1][0] == reverse("admin:claims_claim_change", args=[claim.pk])
    claim.refresh_from_db()
    assert claim.status == Claim.Status.FALSE
    review = claim.reviews.get()
    assert review.reviewer == staff_reviewer
    assert list(review.citations.all()) == [refuting]


def test_verdict_form_refuses_a_decision_on_a_claim_changed_since_it_was_opened(
    client, staff_reviewer
):
    claim = CitationFactory(stance=Citation.Stance.REFUTES).claim
    client.force_login(staff_reviewer)
    opened_at = claim.version
    claim.statement = "Changed meanwhile."
    claim.save()
    response = client.post(
        reverse("admin:claims_claim_review", args=[claim.pk]),
        {"version": opened_at, "status": "false", "rationale": "Denied."},
        follow=True,
    )
    assert any("changed by someone else" in m for m in messages_of(response))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.UNVERIFIED


def claim_form_data(claim: Claim, **changes) -> dict:
    """The claim change form as a browser would post it back, without inline rows."""
    data = {
        "statement": claim.statement,
        "kind": claim.kind,
        "event": "",
        "occurred_on": "",
        "date_precision": claim.date_precision,
        "note": claim.note,
        "expected_version": claim.version,
    }
    for prefix in ("participants", "countries", "citations", "external_reviews"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": 0,
                f"{prefix}-INITIAL_FORMS": 0,
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
    data.update(changes)
    return data


def test_a_stale_claim_form_is_refused_with_a_message_and_overwrites_nothing(admin_client):
    claim = ClaimFactory(statement="As first written.")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    opened = admin_client.get(url).context["adminform"].form["expected_version"].value()
    assert opened == claim.version
    Claim.objects.get(pk=claim.pk).save()  # someone else saves meanwhile
    data = claim_form_data(claim, statement="My late edit.", expected_version=opened)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert any("Someone else changed this claim" in m for m in messages_of(response))
    claim.refresh_from_db()
    assert claim.statement == "As first written."


def test_a_current_claim_form_saves(admin_client):
    claim = ClaimFactory(statement="As first written.")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    response = admin_client.post(url, claim_form_data(claim, statement="Edited."))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.statement == "Edited."


def test_reverting_a_claim_to_an_earlier_version_keeps_its_status(admin_client, superuser):
    claim = ClaimFactory(statement="First wording.")
    first = claim.history.earliest()
    claim.statement = "Second wording."
    claim.save()
    claim_review(claim=claim, status="in_review", reviewer=superuser)
    url = reverse("admin:claims_claim_simple_history", args=[claim.pk, first.history_id])
    form = admin_client.get(url).context["adminform"].form
    data = claim_form_data(claim, statement=form["statement"].value())
    data["expected_version"] = form["expected_version"].value()
    assert admin_client.post(url, data).status_code == 302
    claim.refresh_from_db()
    assert claim.statement == "First wording."
    assert claim.status == Claim.Status.IN_REVIEW


def test_a_deleted_claim_is_listed_and_restored_with_its_parts(admin_client):
    claim = full_claim(statement="To be deleted by mistake.")
    parts = {
        "participants": list(claim.participants.values_list("actor_id", "role")),
        "countries": set(claim.countries.values_list("country", "role", "derived")),
        "citations": list(claim.citations.values_list("source_id", "quote", "anchoring")),
    }
    pk = claim.pk
    admin_client.post(reverse("admin:claims_claim_delete", args=[pk]), {"post": "yes"})
    assert not Claim.objects.filter(pk=pk).exists()

    deleted_url = reverse("admin:claims_claim_deleted")
    page = admin_client.get(deleted_url)
    assert "To be deleted by mistake." in page.text
    record = page.context["records"][0]
    response = admin_client.post(deleted_url, {"history_id": record.history_id}, follow=True)
    assert any(m.startswith("Restored") for m in messages_of(response))

    restored = Claim.objects.get(pk=pk)
    assert restored.statement == "To be deleted by mistake."
    assert list(restored.participants.values_list("actor_id", "role")) == parts["participants"]
    assert set(restored.countries.values_list("country", "role", "derived")) == parts["countries"]
    assert (
        list(restored.citations.values_list("source_id", "quote", "anchoring"))
        == parts["citations"]
    )
    assert "To be deleted by mistake." not in admin_client.get(deleted_url).text


def test_restoring_with_an_unknown_history_id_says_so(admin_client):
    response = admin_client.post(
        reverse("admin:claims_claim_deleted"), {"history_id": "x"}, follow=True
    )
    assert response.status_code == 200
    assert any(m.startswith("history_id:") for m in messages_of(response))


def test_country_chart_is_linked_from_the_index_and_its_bars_lead_to_the_filtered_list(
    admin_client,
):
    eh = [full_claim() for _ in range(2)]
    Claim.objects.filter(pk=eh[1].pk).update(status=Claim.Status.FALSE)
    ClaimCountryFactory(country="MA", role="subject")
    chart_url = reverse("admin:claims_claim_chart")
    assert chart_url in admin_client.get(reverse("admin:index")).text

    page = admin_client.get(chart_url)
    bars = {bar.code: bar for bar in page.context["bars"]}
    assert bars["EH"].total == 2
    assert f'href="{bars["EH"].url}"' in page.text
    assert {c.pk for c in admin_client.get(bars["EH"].url).context["cl"].result_list} == {
        c.pk for c in eh
    }
    false_segment = next(s for s in bars["EH"].segments if s.status == "false")
    assert f'href="{false_segment.url.replace("&", "&amp;")}"' in page.text
    found = admin_client.get(false_segment.url).context["cl"].result_list
    assert [c.pk for c in found] == [eh[1].pk]


def test_source_page_highlights_cited_quotes_and_offers_suggestions_as_new_claims(admin_client):
    source = SourceFactory(
        text="Morocco and the United States held talks in Washington on security cooperation."
    )
    CitationFactory(source=source, quote="held talks in Washington")
    page = admin_client.get(reverse("admin:sources_source_change", args=[source.pk]))
    assert page.status_code == 200
    assert 'class="quote anchoring-exact"' in page.text
    assert ">held talks in Washington</mark>" in page.text
    suggestion = page.context["suggestions"][0]
    assert suggestion["kind"] == "meeting"
    assert suggestion["add_url"].replace("&", "&amp;") in page.text

    add = admin_client.get(suggestion["add_url"])
    assert add.status_code == 200
    form = add.context["adminform"].form
    assert form.initial["statement"] == suggestion["statement"]
    formsets = {fs.formset.prefix: fs.formset for fs in add.context["inline_admin_formsets"]}
    assert formsets["citations"].forms[0].initial["quote"] == suggestion["citation"]["quote"]
    countries = {f.initial["country"] for f in formsets["countries"].forms}
    assert countries == {"MA", "US"}


def test_the_add_form_ignores_prefill_values_that_name_nothing(admin_client):
    response = admin_client.get(
        reverse("admin:claims_claim_add"),
        {"event": "abc", "actor": ["x", "99999"], "source": "77777", "country": "ZZ"},
    )
    assert response.status_code == 200
    formsets = {fs.formset.prefix: fs.formset for fs in response.context["inline_admin_formsets"]}
    assert all(len(fs.forms) == 0 for fs in formsets.values())


def test_claim_form_shows_the_anchored_passage_in_context_and_the_derived_countries(
    admin_client,
):
    claim = full_claim()
    text = admin_client.get(reverse("admin:claims_claim_change", args=[claim.pk])).text
    assert '<mark class="quote anchoring-exact">held talks in Washington</mark>' in text
    assert '<span class="badge anchoring-exact">Exact</span>' in text
    assert "Morocco · Subject <em>derived</em>" in text
    assert "Western Sahara · Territory <em>entered</em>" in text


@pytest.mark.postgres
def test_unfiltered_changelist_count_comes_from_the_planner_estimate_on_postgresql(monkeypatch):
    from claims import admin as claims_admin

    for _ in range(3):
        ClaimFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    ClaimFactory()  # not in the statistics yet
    monkeypatch.setattr(claims_admin, "ESTIMATE_COUNT_ABOVE", 1)
    paginate = claims_admin.EstimatedCountPaginator
    assert paginate(Claim.objects.all(), 10).count == 3
    assert paginate(Claim.objects.filter(kind="statement"), 10).count == 4


def test_no_claim_admin_form_has_a_status_field(admin_client):
    claim = ClaimFactory()
    for name in ("admin:claims_claim_change", "admin:claims_claim_add"):
        args = [claim.pk] if name.endswith("change") else []
        response = admin_client.get(reverse(name, args=args))
        assert 'name="status"' not in response.text
