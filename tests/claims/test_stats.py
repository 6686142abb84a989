"""The claims' running totals (claims.stats): the stats endpoint answers from them exactly what
counting the claims would answer, whatever wrote the claims and in whatever order."""

import contextlib
import json
import random
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, transaction
from django.http import QueryDict
from rest_framework.test import APIClient

from claims import stats
from claims.filters import ClaimFilterSet
from claims.models import Claim, ClaimCountry, ClaimKind, ClaimStatus, ClaimTally, CountryRole
from tests.conftest import run_at_once
from tests.factories import ClaimCountryFactory, ClaimFactory

pytestmark = pytest.mark.django_db

CODES = ["MA", "EH", "US", "DZ", "ES", "FR"]
STATUSES = list(ClaimStatus.values)
OPEN = [ClaimStatus.UNVERIFIED, ClaimStatus.IN_REVIEW]
KINDS = [ClaimKind.RECOGNITION, ClaimKind.MEETING, ClaimKind.STATEMENT, ClaimKind.OTHER]


def filters(query: str) -> ClaimFilterSet:
    found = ClaimFilterSet(QueryDict(query), Claim.objects.all())
    assert found.is_valid(), found.errors
    return found


def both_ways(query: str) -> tuple[dict, dict]:
    """The answer from the totals and the answer counted from the claims, for one query."""
    found = filters(query)
    scope = stats._tally_scope(found.form.cleaned_data)
    assert scope is not None, f"{query!r} should be answered from the totals"
    data = found.form.cleaned_data
    tallied, _ = stats._from_tally(scope, data.get("status"), data.get("kind"), "default")
    return tallied, stats._counted(found.qs)


def assert_totals_right(queries=("", "country=MA", "country=EH", "country=US")) -> None:
    for query in queries:
        tallied, counted = both_ways(query)
        assert tallied == counted, query


def random_claims(rng: random.Random, count: int) -> list[Claim]:
    made = []
    for _ in range(count):
        claim = ClaimFactory(kind=rng.choice(KINDS))
        for code in rng.sample(CODES, rng.randint(0, 3)):
            # Some countries in two roles: the claim still counts once for them.
            for role in rng.sample(list(CountryRole.values), rng.choice([1, 1, 2])):
                ClaimCountryFactory(claim=claim, country=code, role=role)
        # After its countries: a verdict locks them (claims.integrity).
        Claim.objects.filter(pk=claim.pk).update(status=rng.choice(STATUSES))
        made.append(claim)
    return made


def random_query(rng: random.Random) -> str:
    parts = []
    if rng.random() < 0.7:
        parts.append(f"{rng.choice(['country', 'country_all'])}={rng.choice(CODES).lower()}")
    if rng.random() < 0.5:
        parts.append("status=" + ",".join(rng.sample(STATUSES, rng.randint(1, 3))))
    if rng.random() < 0.5:
        parts.append("kind=" + ",".join(rng.sample(KINDS, rng.randint(1, 2))))
    return "&".join(parts)


def test_the_totals_equal_the_counts_for_random_filters_on_random_claims():
    rng = random.Random(16)
    random_claims(rng, 60)
    for _ in range(80):
        query = random_query(rng)
        tallied, counted = both_ways(query)
        assert tallied == counted, query
        assert tallied["total"] == filters(query).qs.count()


def test_the_totals_follow_every_kind_of_change():
    rng = random.Random(7)
    claims = random_claims(rng, 12)
    first, second, third = claims[:3]
    Claim.objects.filter(pk=first.pk).update(status=ClaimStatus.FALSE, kind=ClaimKind.MEETING)
    assert_totals_right()
    # Open for editing, as the workflow's reopening leaves them.
    Claim.objects.update(status=ClaimStatus.IN_REVIEW)
    assert_totals_right()
    ClaimCountryFactory(claim=second, country="MA", role=CountryRole.SUBJECT)
    ClaimCountryFactory(claim=second, country="MA", role=CountryRole.VENUE)
    assert_totals_right()
    # A second role of a country goes: the claim still concerns it.
    ClaimCountry.objects.filter(claim=second, country="MA", role=CountryRole.VENUE).delete()
    assert_totals_right()
    # A row moved to another country, then to another claim.
    row = ClaimCountryFactory(claim=third, country="EH", role=CountryRole.TERRITORY)
    ClaimCountry.objects.filter(pk=row.pk).update(country="US")
    assert_totals_right()
    ClaimCountry.objects.filter(pk=row.pk).update(claim=first)
    assert_totals_right()
    # A claim deleted by Django (its country rows first), and a bulk status change.
    second.delete()
    assert_totals_right()
    for claim, status in zip(claims[3:], STATUSES * 2, strict=False):
        Claim.objects.filter(pk=claim.pk).update(status=status)
    assert_totals_right()
    Claim.objects.all().delete()
    assert_totals_right()
    assert stats.claim_stats(filters("")) == {
        "total": 0,
        "by_status": {},
        "by_kind": {},
        "by_country": {},
    }


def test_a_saved_claim_counts_with_its_status_and_kind_changed_through_the_model():
    claim = ClaimFactory(kind=ClaimKind.RECOGNITION)
    ClaimCountryFactory(claim=claim, country="MA", role=CountryRole.SUBJECT)
    claim.kind = ClaimKind.MEETING
    claim.save()
    answer = stats.claim_stats(filters("country=MA"))
    assert answer["by_kind"] == {"meeting": 1}
    assert answer["by_country"] == {"MA": 1}
    assert_totals_right()


def test_compacting_keeps_every_answer_and_leaves_one_row_per_key():
    rng = random.Random(3)
    random_claims(rng, 30)
    before = {query: both_ways(query)[0] for query in ("", "country=MA", "status=false")}
    rows_before = ClaimTally.objects.count()

    left = stats.compact()

    assert left == ClaimTally.objects.count() < rows_before
    keys = ClaimTally.objects.values_list("country", "other", "status", "kind")
    assert len(set(keys)) == len(keys)
    assert not ClaimTally.objects.filter(n=0).exists()
    assert {query: both_ways(query)[0] for query in before} == before
    assert_totals_right()


def test_compacting_one_country_leaves_the_others_rows_alone():
    rng = random.Random(4)
    random_claims(rng, 20)
    others = list(ClaimTally.objects.exclude(country="MA").order_by("id").values_list("id", "n"))

    stats.compact("MA")

    assert list(ClaimTally.objects.exclude(country="MA").order_by("id").values_list("id", "n")) == (
        others
    )
    keys = ClaimTally.objects.filter(country="MA").values_list("other", "status", "kind")
    assert len(set(keys)) == len(keys)
    assert_totals_right()


def test_a_read_that_summed_many_changes_compacts_them(monkeypatch):
    monkeypatch.setattr(stats, "COMPACT_AFTER", 5)
    claim = ClaimFactory()
    ClaimCountryFactory(claim=claim, country="MA")
    for status in [ClaimStatus.IN_REVIEW, ClaimStatus.FALSE, ClaimStatus.IN_REVIEW] * 3:
        Claim.objects.filter(pk=claim.pk).update(status=status)
    changes = ClaimTally.objects.filter(country="MA", other="MA").count()
    assert changes > 10

    answer = stats.claim_stats(filters("country=MA"))

    assert answer["by_status"] == {"in_review": 1}
    assert ClaimTally.objects.filter(country="MA", other="MA").count() == 1
    assert stats.claim_stats(filters("country=MA")) == answer


def test_recount_rebuilds_totals_written_without_the_triggers():
    rng = random.Random(5)
    random_claims(rng, 15)
    ClaimTally.objects.all().delete()
    ClaimTally.objects.create(country="MA", other="MA", status="false", kind="other", n=99)

    stats.recount()

    assert_totals_right()


def test_other_filters_are_counted_from_the_claims(django_assert_max_num_queries):
    claim = ClaimFactory(statement="The kingdom hosted African Lion.")
    ClaimCountryFactory(claim=claim, country="MA")
    ClaimCountryFactory(claim=ClaimFactory(statement="Another claim."), country="MA")
    for query in ("country=MA&q=African", "country=MA,US", "country=MA&country_role=subject"):
        assert stats._tally_scope(filters(query).form.cleaned_data) is None, query
    answer = stats.claim_stats(filters("country=MA&q=African"))
    assert answer == {
        "total": 1,
        "by_status": {"unverified": 1},
        "by_kind": {"statement": 1},
        "by_country": {"MA": 1},
    }


def test_the_stats_endpoint_answers_from_the_totals_in_two_queries(
    api_client, django_assert_num_queries
):
    rng = random.Random(9)
    random_claims(rng, 20)
    for query in ("", "country=MA", "country=ma&status=false,mixed&kind=meeting"):
        with django_assert_num_queries(2):
            response = api_client.get(f"/api/v1/claims/stats/?{query}")
        assert response.status_code == 200
        assert response.json() == both_ways(query)[1]


def test_the_stats_endpoint_lists_the_largest_counts_first():
    for n, code in enumerate(["US", "MA", "EH"]):
        for _ in range(n + 1):
            ClaimCountryFactory(claim=ClaimFactory(), country=code)
    ClaimCountryFactory(claim=ClaimFactory(), country="DZ")  # ties with US: by code

    body = APIClient().get("/api/v1/claims/stats/").json()

    assert list(body["by_country"].items()) == [("EH", 3), ("MA", 2), ("DZ", 1), ("US", 1)]


def test_an_invalid_filter_of_the_stats_endpoint_is_a_400_naming_it(api_client):
    response = api_client.get("/api/v1/claims/stats/?status=nonsense")
    assert response.status_code == 400
    assert "status" in response.content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_totals_stay_exact_under_concurrent_writers():
    """Writers that add countries to the same claims, change statuses and delete claims at
    once: the totals equal the counts when they are done (each country row's trigger waits for
    the claim it changes)."""
    shared = [ClaimFactory(kind=kind) for kind in KINDS]
    errors = []
    barrier = threading.Barrier(6)

    def writer(n: int) -> None:
        rng = random.Random(n)
        try:
            barrier.wait()
            for round_ in range(12):
                claim = rng.choice(shared)
                code = CODES[(n + round_) % len(CODES)]
                ClaimCountry.objects.get_or_create(
                    claim=claim, country=code, role=rng.choice(list(CountryRole.values))
                )
                # Statuses that leave the claim open: a verdict would lock its countries.
                Claim.objects.filter(pk=claim.pk).update(
                    status=rng.choice(OPEN), kind=rng.choice(KINDS)
                )
                own = ClaimFactory()
                ClaimCountryFactory(claim=own, country=rng.choice(CODES))
                if round_ % 3 == 0:
                    own.delete()
        except Exception as error:  # noqa: BLE001 - reported below, with the thread's number
            errors.append((n, error))

    run_at_once(writer, range(6))

    assert errors == []
    assert_totals_right(("", *(f"country={code}" for code in CODES)))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_transactions_adding_countries_to_one_claim_count_both_pairs():
    """Each writes its row and waits (up to a second) for the other before committing: without
    the trigger's lock on the claim, neither would see the other's country, and the pair would
    be lost."""
    claim = ClaimFactory()
    barrier = threading.Barrier(2)
    errors = []

    def add(code: str) -> None:
        try:
            with transaction.atomic():
                # bulk_create: no model signal, as any writer of the table
                ClaimCountry.objects.bulk_create(
                    [ClaimCountry(claim=claim, country=code, role=CountryRole.SUBJECT)]
                )
                # The other one may be waiting for this one's commit, as it should.
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=1)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    run_at_once(add, ["MA", "US"])

    assert errors == []
    assert stats.claim_stats(filters("country=MA"))["by_country"] == {"MA": 1, "US": 1}
    assert_totals_right(("", "country=MA", "country=US"))


def test_the_command_checks_compacts_and_recounts_the_totals():
    rng = random.Random(11)
    random_claims(rng, 10)
    out = StringIO()
    call_command("compact_tallies", "--check", stdout=out)
    assert "equal" in out.getvalue()

    call_command("compact_tallies", stdout=out)
    assert "Compacted" in out.getvalue()
    call_command("compact_tallies", "--check", stdout=out)

    ClaimTally.objects.create(country="MA", other="MA", status="false", kind="other", n=2)
    with pytest.raises(CommandError, match="1 totals differ"):
        call_command("compact_tallies", "--check", stdout=out)
    assert "MA/MA false other: totals off by +2" in out.getvalue()
    call_command("compact_tallies", "--recount", stdout=out)
    call_command("compact_tallies", "--check", stdout=out)


def test_import_claims_counts_its_claims_in_the_totals_and_folds_them(tmp_path):
    lines = [
        {
            "statement": f"Claim {n} about Morocco and Spain.",
            "kind": "agreement",
            "countries": [{"code": "MA", "role": "subject"}, {"code": "es", "role": "object"}],
        }
        for n in range(5)
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")

    call_command("import_claims", str(path), stdout=StringIO(), stderr=StringIO())

    assert stats.claim_stats(filters("country=MA"))["by_country"] == {"ES": 5, "MA": 5}
    keys = ClaimTally.objects.values_list("country", "other", "status", "kind")
    assert len(set(keys)) == len(keys)  # folded: one row per key
    assert stats.differences() == []


def test_a_flush_that_empties_the_totals_before_the_claims_leaves_no_total():
    """SQLite's flush may delete the totals first; the claims' triggers then write -1s, which
    the post_migrate a flush sends clears (on PostgreSQL, TRUNCATE fires no trigger)."""
    random_claims(random.Random(21), 5)
    with connection.cursor() as cursor:
        for model in (ClaimTally, ClaimCountry, Claim):  # the totals first: the worst order
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
    assert connection.vendor == "postgresql" or ClaimTally.objects.filter(n__lt=0).exists()

    emit_post_migrate_signal(0, False, "default")

    assert not ClaimTally.objects.exists()
    assert stats.claim_stats(filters(""))["total"] == 0
