"""The per-request time budget (claimtrack/deadline.py): work past it answers 503 with
Retry-After, in the one JSON error shape, and leaves the database as it was."""

from pathlib import Path

import pytest

from claims.models import Citation
from claimtrack.deadline import DeadlineExceeded, check_deadline, time_budget
from sources.anchoring import anchor_quote
from sources.models import Source
from tests.factories import CitationFactory, SourceFactory

pytestmark = pytest.mark.django_db

SEED = (Path(__file__).parents[2] / "claims" / "data" / "seed-article.txt").read_text("utf-8")


@pytest.fixture
def spent_budget(settings):
    """A budget so small that the first look at the deadline finds it passed."""
    settings.CLAIMTRACK_REQUEST_BUDGET_SECONDS = 1e-9


def _assert_stopped(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body["code"] == "time_budget_exceeded" and body["errors"] == []


def test_mentions_and_suggestions_past_the_budget_answer_503_with_retry_after(
    api_client, spent_budget
):
    source = SourceFactory(text=SEED)
    for endpoint in ("mentions", "suggestions"):
        _assert_stopped(api_client.get(f"/api/v1/sources/{source.pk}/{endpoint}/"))
    # Cheap requests never look at the deadline: they still answer.
    assert api_client.get(f"/api/v1/sources/{source.pk}/").status_code == 200


def test_a_reanchoring_stopped_by_the_budget_writes_nothing(editor_client, spent_budget, settings):
    settings.CLAIMTRACK_REQUEST_BUDGET_SECONDS = 0  # no budget while the data is made
    source = SourceFactory(text="Hammouchi met Haines in Washington.")
    citation = CitationFactory(source=source, quote="in Washington")
    Source.objects.filter(pk=source.pk).update(text="Hammouchi met Haines.")  # no signals
    settings.CLAIMTRACK_REQUEST_BUDGET_SECONDS = 1e-9

    _assert_stopped(editor_client.post(f"/api/v1/sources/{source.pk}/reanchor/"))

    assert Citation.objects.get(pk=citation.pk).anchoring == "exact"


def test_a_text_change_whose_reanchoring_runs_out_of_time_is_not_saved(editor_client, settings):
    source = SourceFactory(text="Hammouchi met Haines in Washington.")
    CitationFactory(source=source, quote="in Washington")
    settings.CLAIMTRACK_REQUEST_BUDGET_SECONDS = 1e-9

    response = editor_client.patch(
        f"/api/v1/sources/{source.pk}/", {"text": "Hammouchi met Haines."}, format="json"
    )

    _assert_stopped(response)
    assert Source.objects.get(pk=source.pk).text == "Hammouchi met Haines in Washington."


def test_the_admin_page_of_a_source_past_the_budget_answers_503_json(admin_client, settings):
    source = SourceFactory(text=SEED)
    settings.CLAIMTRACK_REQUEST_BUDGET_SECONDS = 1e-9

    _assert_stopped(admin_client.get(f"/admin/sources/source/{source.pk}/change/"))


def test_outside_a_request_there_is_no_deadline_and_a_budget_stops_the_anchoring():
    check_deadline()  # management commands, tests: nothing is raised
    long_text = SEED * 20
    with time_budget(1e-9), pytest.raises(DeadlineExceeded):
        anchor_quote(long_text, "a quote that is nowhere in the text, so every stage runs")
    check_deadline()  # the budget ended with its block


def test_a_budget_of_zero_means_no_limit(api_client, settings):
    settings.CLAIMTRACK_REQUEST_BUDGET_SECONDS = 0
    source = SourceFactory(text=SEED)
    assert api_client.get(f"/api/v1/sources/{source.pk}/mentions/").status_code == 200
