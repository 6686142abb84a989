"""The shared cache of anonymous reads (claimtrack.response_cache): a repeated read is answered
from the cache, and no read after a write has committed is ever answered from before it."""

import threading

import psycopg
import pytest
from django.db import connection
from rest_framework.test import APIClient

from claims.models import Claim
from claimtrack.clients import AnonRateThrottle
from tests.factories import ClaimCountryFactory, ClaimFactory

# Committed writes, as in production: inside a test's transaction the cache stands aside (a
# snapshot does not show the transaction's own writes).
pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/api/v1/claims/?country=MA&page_size=5"


@pytest.fixture
def cached(settings):
    settings.CLAIMTRACK_RESPONSE_CACHE = True
    return settings


def moroccan_claim(statement: str) -> Claim:
    claim = ClaimFactory(statement=statement)
    ClaimCountryFactory(claim=claim, country="MA")
    return claim


def statements(response) -> list[str]:
    return [claim["statement"] for claim in response.json()["results"]]


@pytest.mark.django_db
def test_on_sqlite_or_in_a_transaction_the_cache_stands_aside(cached):
    """On SQLite there is no snapshot; on PostgreSQL this test runs in a transaction."""
    moroccan_claim("Rabat hosted the talks.")
    client = APIClient()
    first, second = client.get(LIST), client.get(LIST)
    assert first.status_code == second.status_code == 200
    assert "X-Cache" not in second
    assert statements(second) == ["Rabat hosted the talks."]


@pytest.mark.postgres
def test_a_repeated_anonymous_read_is_a_hit_with_the_same_body_and_etag(cached):
    moroccan_claim("Rabat hosted the talks.")
    client = APIClient()

    first = client.get(LIST)
    second = client.get(LIST)

    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Content-Type"] == first["Content-Type"]
    assert statements(second) == ["Rabat hosted the talks."]
    revalidated = client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304
    assert revalidated.content == b""


@pytest.mark.postgres
def test_a_write_through_django_is_seen_by_the_next_read(cached):
    claim = moroccan_claim("Rabat hosted the talks.")
    client = APIClient()
    etag = client.get(LIST)["ETag"]
    client.get(f"/api/v1/claims/{claim.pk}/")

    Claim.objects.filter(pk=claim.pk).update(statement="Rabat hosted the second round.")

    after = client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200
    assert after["X-Cache"] == "miss"
    assert statements(after) == ["Rabat hosted the second round."]
    detail = client.get(f"/api/v1/claims/{claim.pk}/")
    assert detail.json()["statement"] == "Rabat hosted the second round."


@pytest.mark.postgres
def test_a_write_from_outside_the_application_is_seen_by_the_next_read(cached):
    """psql, a script, another service: no signal fires, the snapshot changes all the same."""
    claim = moroccan_claim("Rabat hosted the talks.")
    client = APIClient()
    assert client.get(LIST)["X-Cache"] == "miss"
    assert client.get(LIST)["X-Cache"] == "hit"

    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as outside:
        outside.execute(
            "UPDATE claims_claim SET statement = %s WHERE id = %s", ["Changed by hand.", claim.pk]
        )

    assert statements(client.get(LIST)) == ["Changed by hand."]


@pytest.mark.postgres
def test_signed_in_reads_and_other_hosts_are_never_answered_from_anothers_entry(
    cached, editor, settings
):
    moroccan_claim("Rabat hosted the talks.")
    APIClient().get(LIST)
    settings.ALLOWED_HOSTS = ["testserver", "mirror.example"]

    signed_in = APIClient()
    signed_in.force_login(editor)
    assert "X-Cache" not in signed_in.get(LIST)
    with_token = APIClient(HTTP_AUTHORIZATION="Token nonsense")
    assert "X-Cache" not in with_token.get(LIST)
    other_host = APIClient().get(LIST, HTTP_HOST="mirror.example")
    assert other_host["X-Cache"] == "miss"
    assert other_host.json()["results"][0]["url"].startswith("http://mirror.example/")


@pytest.mark.postgres
def test_reads_answered_from_the_cache_still_count_against_the_rate_limit(cached, monkeypatch):
    monkeypatch.setattr(
        AnonRateThrottle, "THROTTLE_RATES", {**AnonRateThrottle.THROTTLE_RATES, "anon": "3/minute"}
    )
    moroccan_claim("Rabat hosted the talks.")
    client = APIClient()
    codes = [client.get(LIST).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]


@pytest.mark.postgres
def test_no_read_after_a_commit_is_answered_from_before_it(cached, monkeypatch):
    """Readers hammer the list and a claim while a writer changes the claim 25 times; after
    each commit, a read must show that change or a later one. Zero stale answers."""
    monkeypatch.setattr(
        AnonRateThrottle, "THROTTLE_RATES", {**AnonRateThrottle.THROTTLE_RATES, "anon": "100000/s"}
    )
    claim = moroccan_claim("Version 0.")
    done = threading.Event()
    stale, errors = [], []

    def hammer() -> None:
        client = APIClient()
        try:
            while not done.is_set():
                client.get(LIST)
                client.get(f"/api/v1/claims/{claim.pk}/")
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    readers = [threading.Thread(target=hammer) for _ in range(3)]
    for reader in readers:
        reader.start()
    client = APIClient()
    hits = 0
    try:
        for version in range(1, 26):
            Claim.objects.filter(pk=claim.pk).update(statement=f"Version {version}.")
            for _ in range(3):
                listed = client.get(LIST)
                detail = client.get(f"/api/v1/claims/{claim.pk}/")
                hits += (listed["X-Cache"], detail["X-Cache"]).count("hit")
                for seen in (statements(listed)[0], detail.json()["statement"]):
                    if seen != f"Version {version}.":
                        stale.append((version, seen))
    finally:
        done.set()
        for reader in readers:
            reader.join()
        connection.close()

    assert errors == []
    assert stale == []
    assert hits > 0  # the cache did answer: the test is not passing by never caching
