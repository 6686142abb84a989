import hashlib
from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bench.generate import Command as GenerateData
from claims.models import (
    Actor,
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    ClaimKind,
    ClaimStatus,
    DatePrecision,
    Event,
    sync_claim_countries,
)
from sources.anchoring import anchor_quote
from sources.canonical import canonicalize_url
from sources.models import Publisher, Source
from tests.factories import CitationFactory, ClaimActorFactory, ClaimFactory

pytestmark = pytest.mark.django_db


def generate(claims=1000, **options):
    options.setdefault("seed", 1)
    call_command(GenerateData(), claims=claims, quiet=True, stdout=StringIO(), **options)


def snapshot():
    """The generated data, without keys, as comparable values."""
    claims = list(
        Claim.objects.order_by("id").values_list(
            "statement", "kind", "status", "occurred_on", "date_precision", "event__name"
        )
    )
    countries = sorted(
        ClaimCountry.objects.values_list("claim__statement", "country", "role", "derived")
    )
    citations = sorted(Citation.objects.values_list("quote", "start", "end", "source__text"))
    return claims, countries, citations


def test_claims_come_with_participants_countries_and_citations_in_realistic_proportions():
    generate(2000)

    assert Claim.objects.count() == 2000
    assert 1.35 <= ClaimActor.objects.count() / 2000 <= 1.65
    assert 1.8 <= ClaimCountry.objects.count() / 2000 <= 2.3
    assert 1.2 <= Citation.objects.count() / 2000 <= 1.4
    assert set(Claim.objects.values_list("kind", flat=True)) == set(ClaimKind.values)
    assert set(Claim.objects.values_list("status", flat=True)) == set(ClaimStatus.values)
    assert set(Claim.objects.values_list("date_precision", flat=True)) == set(DatePrecision.values)
    assert set(Actor.objects.values_list("kind", flat=True)) == set(Actor.Kind.values)
    assert Event.objects.exists() and Publisher.objects.exists()
    assert set(Claim.objects.values_list("version", flat=True)) == {1}
    years = {
        d.year
        for d in Claim.objects.exclude(occurred_on=None).values_list("occurred_on", flat=True)
    }
    assert max(years) - min(years) >= 25


def test_a_few_countries_dominate_and_a_long_tail_follows():
    generate(2000)

    by_country = Counter(ClaimCountry.objects.values_list("country", flat=True))
    (top, top_count), *_ = by_country.most_common()
    assert top_count > 10 * sorted(by_country.values())[len(by_country) // 2]
    assert len(by_country) > 100
    assert ClaimCountry.objects.filter(country="MA").values("claim").distinct().count() > 100


def test_derived_countries_are_exactly_what_sync_claim_countries_keeps():
    generate(1000)
    before = sorted(ClaimCountry.objects.values_list("claim_id", "country", "role", "derived"))

    sync_claim_countries(Claim.objects.values_list("id", flat=True))

    after = sorted(ClaimCountry.objects.values_list("claim_id", "country", "role", "derived"))
    assert after == before
    assert ClaimCountry.objects.filter(derived=True).exists()
    assert ClaimCountry.objects.filter(derived=False, role__in=["territory", "mentioned"]).exists()


def test_every_citation_quotes_its_source_exactly_where_anchoring_finds_it():
    generate(500)

    citations = Citation.objects.select_related("source")
    assert citations.count() > 500
    for citation in citations:
        text = citation.source.text
        assert citation.anchoring == "exact"
        assert text[citation.start : citation.end] == citation.quote
        found = anchor_quote(text, citation.quote, citation.prefix, citation.suffix)
        assert (found.start, found.end, found.prefix, found.suffix) == (
            citation.start,
            citation.end,
            citation.prefix,
            citation.suffix,
        )


def test_sources_store_the_canonical_url_and_text_digest_that_saving_would():
    generate(500)

    for source in Source.objects.all():
        assert source.canonical_url == canonicalize_url(source.url)
        assert source.text_sha256 == hashlib.sha256(source.text.encode()).hexdigest()


def test_the_same_seed_gives_the_same_data_whatever_the_batch_size():
    generate(1200, seed=7, batch_size=500)
    first = snapshot()

    generate(1200, seed=7, batch_size=5000, reset=True, interactive=False)

    assert snapshot() == first


def test_another_seed_gives_other_data():
    generate(500, seed=1)
    first = snapshot()

    generate(500, seed=2, reset=True, interactive=False)

    assert snapshot()[0] != first[0]


def test_every_created_object_gets_one_creation_entry_in_its_history():
    generate(500)

    for model in (Publisher, Actor, Event, Source, Claim, ClaimActor, ClaimCountry, Citation):
        history = model.history.all()
        assert history.count() == model.objects.count(), model.__name__
        assert set(history.values_list("history_type", flat=True)) == {"+"}
        assert set(history.values_list("history_change_reason", flat=True)) == {"generate_data"}
    claim = Claim.objects.first()
    assert claim.history.get().statement == claim.statement


def test_no_history_skips_the_history_rows():
    generate(500, no_history=True)

    assert Claim.objects.count() == 500
    assert not Claim.history.exists()
    assert not Citation.history.exists()


def test_generated_rows_join_existing_data_and_later_saves_get_fresh_keys():
    existing = ClaimFactory()

    generate(500)
    later = ClaimFactory()

    assert Claim.objects.count() == 502
    assert Claim.objects.filter(pk=existing.pk).exists()
    assert later.pk > max(Claim.objects.exclude(pk=later.pk).values_list("pk", flat=True))


def test_reset_deletes_earlier_data_first():
    old = ClaimFactory(statement="An old claim that the reset must remove.")

    generate(500, reset=True, interactive=False)

    assert not Claim.objects.filter(statement=old.statement).exists()
    assert Claim.objects.count() == 500


def test_reset_asks_for_confirmation_when_it_cannot_ask():
    ClaimFactory()

    with pytest.raises(CommandError, match="--no-input"):
        generate(500, reset=True)

    assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [({"claims": 0}, "--claims must be at least 1"), ({"batch_size": 10}, "--batch-size")],
)
def test_bad_numbers_are_refused_with_the_option_named(options, message):
    with pytest.raises(CommandError, match=message):
        generate(**options)

    assert not Claim.objects.exists()


@pytest.mark.postgres
def test_on_postgresql_rows_saved_after_a_copy_get_fresh_keys_in_every_table():
    generate(1000)
    newest = {model: model.objects.order_by("-pk")[0].pk for model in (Source, Claim, Citation)}
    newest[ClaimCountry] = ClaimCountry.objects.order_by("-pk")[0].pk
    newest[ClaimActor] = ClaimActor.objects.order_by("-pk")[0].pk

    citation = CitationFactory()
    participant = ClaimActorFactory(claim=citation.claim)

    assert citation.pk > newest[Citation]
    assert citation.claim.pk > newest[Claim]
    assert citation.source.pk > newest[Source]
    assert participant.pk > newest[ClaimActor]
    assert ClaimCountry.objects.filter(claim=citation.claim).get().pk > newest[ClaimCountry]


def test_a_generated_claim_reads_through_the_api_as_the_same_claim_entered_through_the_api(
    api_client, editor_client
):
    generate(400)
    generated = [
        claim
        for claim in Claim.objects.filter(status="unverified").with_list_relations()[:60]
        if claim.participants.all() and claim.citations.all()
    ][:8]
    assert generated

    def comparable(body: dict) -> dict:
        # What differs between any two claims however they were made: keys, times, author.
        drop = {"id", "url", "version", "created_by", "created_at", "updated_at"}
        kept = {k: v for k, v in body.items() if k not in drop}
        kept["citations"] = [{k: v for k, v in c.items() if k != "id"} for c in body["citations"]]
        return kept

    for claim in generated:
        entered = {
            "statement": claim.statement,
            "kind": claim.kind,
            "event": claim.event_id,
            "occurred_on": claim.occurred_on.isoformat() if claim.occurred_on else None,
            "date_precision": claim.date_precision,
            "note": claim.note,
            "participants": [
                {"actor": p.actor_id, "role": p.role} for p in claim.participants.all()
            ],
            "countries": [
                {"code": c.country.code, "role": c.role}
                for c in claim.countries.all()
                if not c.derived
            ],
            "citations": [
                {
                    "source": c.source_id,
                    "quote": c.quote,
                    "prefix": c.prefix,
                    "suffix": c.suffix,
                    "stance": c.stance,
                    "note": c.note,
                }
                for c in claim.citations.all()
            ],
        }
        created = editor_client.post("/api/v1/claims/", entered, format="json")
        assert created.status_code == 201, created.json()

        read = api_client.get(f"/api/v1/claims/{claim.pk}/").json()
        assert comparable(read) == comparable(api_client.get(created.json()["url"]).json())
