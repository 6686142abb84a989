"""The suite's comparisons are fair: the raw SQL answers what the API answers, P8 leaves the data
as it found it, and a ratio is judged against its target the right way round."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from bench.generate import Command as GenerateData
from bench.imports import import_vs_copy
from bench.run import ROOT, met, stats_from_sql
from claims.models import Citation, Claim, ClaimActor, ClaimCountry


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgresql://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def generated(transactional_db):
    """Generated data, committed: the suite reads it over its own connections."""
    call_command(GenerateData(), claims=600, seed=3, quiet=True, stdout=StringIO())


@pytest.mark.postgres
def test_the_raw_stats_aggregate_answers_what_the_stats_endpoint_answers(generated, api_client):
    api = api_client.get("/api/v1/claims/stats/?country=MA").json()

    assert api["total"] > 0
    assert stats_from_sql(_database_url()) == api


@pytest.mark.postgres
def test_import_and_copy_write_the_same_claims_and_leave_the_data_as_it_was(generated, tmp_path):
    def counts():
        return [m.objects.count() for m in (Claim, ClaimActor, ClaimCountry, Citation)]

    before, history_before = counts(), Claim.history.count()

    results = import_vs_copy(_database_url(), 40, 1, tmp_path, ROOT)

    assert [r["claims"] for r in results["import_claims"]] == [40]
    assert [r["claims"] for r in results["COPY"]] == [40]
    assert all(r["rate"] > 0 for arm in results.values() for r in arm)
    assert counts() == before and Claim.history.count() == history_before


def test_a_ratio_meets_its_target_in_the_direction_the_target_points():
    assert met("P1", 0.6) == "met" and met("P1", 0.59) == "**missed**"
    assert met("P5'", 50.0) == "met" and met("P5'", 50.1) == "**missed**"  # milliseconds
    assert met("P4", 3.0) == "met" and met("P4", 3.2) == "**missed**"
    assert met("P13", 100.0) == "met" and met("P13", 100.1) == "**missed**"  # milliseconds


def test_the_pages_scenario_topic_has_positions_stated_by_generated_claims(generated, client):
    """bench/positions.py: each subject country's oldest dated claims state positions, which
    the positions API and the topic map then show; a second run changes nothing."""
    from bench.positions import SLUG, state_positions

    first = state_positions(per_country=2)
    again = state_positions(per_country=2)

    stating = Claim.objects.filter(position__topic__slug=SLUG)
    assert first["stated"] == again["stated"] == stating.count() > 0
    assert all(claim.occurred_on for claim in stating)
    shown = client.get(f"/api/v1/topics/{SLUG}/positions/?as_of=2100-01-01").json()["results"]
    assert shown and {row["claim"] for row in shown} <= set(stating.values_list("pk", flat=True))
    page = client.get(f"/topics/{SLUG}/?as_of=2100-01-01")
    assert page.status_code == 200
    assert f'href="/claims/{shown[0]["claim"]}/"' in page.content.decode()
