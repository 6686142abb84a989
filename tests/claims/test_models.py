import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims.models import Citation, Claim, ClaimActor, ClaimCountry
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimCountryFactory,
    ClaimFactory,
    EventFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

ARTICLE = (
    "Hammouchi held working sessions in Washington. Later, Hammouchi held working sessions "
    "in Rabat with the same officials."
)


def countries_of(claim: Claim) -> set[tuple[str, str]]:
    return {(row.country.code, row.role) for row in claim.countries.all()}


# --- constraints -------------------------------------------------------------------------


def test_the_same_actor_cannot_hold_the_same_role_twice_in_one_claim():
    participant = ClaimActorFactory(role=ClaimActor.Role.SUBJECT)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimActor.objects.create(
            claim=participant.claim, actor=participant.actor, role=ClaimActor.Role.SUBJECT
        )


def test_the_same_actor_may_hold_two_different_roles_in_one_claim():
    participant = ClaimActorFactory(role=ClaimActor.Role.SUBJECT)
    ClaimActor.objects.create(
        claim=participant.claim, actor=participant.actor, role=ClaimActor.Role.CLAIMANT
    )
    assert participant.claim.participants.count() == 2


def test_the_same_country_cannot_hold_the_same_role_twice_in_one_claim():
    row = ClaimCountryFactory(country="EH", role=ClaimCountry.Role.TERRITORY)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimCountry.objects.create(claim=row.claim, country="EH", role="territory")


def test_an_unknown_country_code_on_a_claim_is_rejected_by_the_database():
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimCountry.objects.create(claim=claim, country="XX", role="territory")
    with pytest.raises(ValidationError):
        ClaimCountry(claim=claim, country="XX", role="territory").full_clean()


def test_an_unknown_status_is_rejected_by_the_database():
    claim = ClaimFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(status="probably")


def test_a_statement_longer_than_2000_characters_is_rejected():
    with pytest.raises(ValidationError) as excinfo:
        ClaimFactory.build(statement="x" * 2001).full_clean()
    assert "statement" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        ClaimFactory(statement="x" * 2001)


def test_an_event_cannot_end_before_it_starts():
    import datetime

    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(starts_on=datetime.date(2024, 5, 2), ends_on=datetime.date(2024, 5, 1))


# --- version -----------------------------------------------------------------------------


def test_version_goes_up_by_one_on_every_save():
    claim = ClaimFactory()
    assert claim.version == 1
    claim.statement = "Edited statement."
    claim.save()
    claim.refresh_from_db()
    assert claim.version == 2


def test_version_goes_up_when_a_citation_or_participant_changes():
    claim = ClaimFactory()
    CitationFactory(claim=claim)
    claim.refresh_from_db()
    after_citation = claim.version
    assert after_citation > 1
    ClaimActorFactory(claim=claim)
    claim.refresh_from_db()
    assert claim.version > after_citation


# --- country sync ------------------------------------------------------------------------


def test_adding_a_subject_actor_from_morocco_adds_morocco_as_subject():
    claim = ClaimFactory()
    ClaimActorFactory(claim=claim, actor=ActorFactory(country="MA"), role="subject")
    assert countries_of(claim) == {("MA", "subject")}
    assert claim.countries.get().derived


def test_attendees_and_hosts_make_their_countries_participants_and_objects_stay_objects():
    claim = ClaimFactory()
    ClaimActorFactory(claim=claim, actor=ActorFactory(country="MA"), role="attendee")
    ClaimActorFactory(claim=claim, actor=ActorFactory(country="US"), role="host")
    ClaimActorFactory(claim=claim, actor=ActorFactory(country="IL"), role="object")
    ClaimActorFactory(claim=claim, actor=ActorFactory(country="DZ"), role="claimant")
    assert countries_of(claim) == {("MA", "participant"), ("US", "participant"), ("IL", "object")}


def test_removing_the_subject_actor_removes_its_country_but_keeps_a_hand_entered_territory():
    claim = ClaimFactory()
    participant = ClaimActorFactory(claim=claim, actor=ActorFactory(country="MA"), role="subject")
    ClaimCountryFactory(claim=claim, country="EH", role="territory")
    assert countries_of(claim) == {("MA", "subject"), ("EH", "territory")}
    participant.delete()
    assert countries_of(claim) == {("EH", "territory")}


def test_a_hand_entered_row_that_a_participant_also_implies_survives_the_participant():
    claim = ClaimFactory()
    ClaimCountryFactory(claim=claim, country="MA", role="subject")
    participant = ClaimActorFactory(claim=claim, actor=ActorFactory(country="MA"), role="subject")
    participant.delete()
    assert countries_of(claim) == {("MA", "subject")}


def test_the_event_venue_becomes_a_venue_country_and_follows_the_event():
    event = EventFactory(country="US")
    claim = ClaimFactory(event=event)
    assert countries_of(claim) == {("US", "venue")}
    event.country = "MA"
    event.save()
    assert countries_of(claim) == {("MA", "venue")}
    claim.event = None
    claim.save()
    assert countries_of(claim) == set()


def test_changing_an_actors_country_moves_the_derived_rows_of_its_claims():
    actor = ActorFactory(country="ES")
    claim = ClaimFactory()
    ClaimActorFactory(claim=claim, actor=actor, role="subject")
    actor.country = "MA"
    actor.save()
    assert countries_of(claim) == {("MA", "subject")}


def test_for_country_finds_claims_by_any_of_the_codes_and_by_role():
    eh = ClaimCountryFactory(country="EH", role="territory").claim
    ma = ClaimCountryFactory(country="MA", role="subject").claim
    ClaimCountryFactory(country="US", role="subject")
    assert set(Claim.objects.for_country("eh")) == {eh}
    assert set(Claim.objects.for_country("EH", "MA")) == {eh, ma}
    assert set(Claim.objects.for_country("MA", roles=["territory"])) == set()


# --- citation anchoring ------------------------------------------------------------------


def test_a_verbatim_quote_is_anchored_exactly_with_offsets_into_the_text():
    source = SourceFactory(text=ARTICLE)
    citation = CitationFactory(source=source, quote="working sessions in Washington")
    assert citation.anchoring == Citation.Anchoring.EXACT
    assert source.text[citation.start : citation.end] == "working sessions in Washington"
    assert citation.prefix == ARTICLE[: citation.start][-32:]
    assert citation.suffix == ARTICLE[citation.end :][:32]


def test_a_repeated_quote_is_anchored_where_prefix_and_suffix_match():
    source = SourceFactory(text=ARTICLE)
    second = ARTICLE.index("Hammouchi held", 10)
    citation = CitationFactory(
        source=source, quote="Hammouchi held working sessions", prefix="Later, ", suffix=" in Rabat"
    )
    assert citation.start == second
    first = CitationFactory(source=source, quote="Hammouchi held working sessions")
    assert first.start == 0


def test_a_quote_missing_from_the_text_is_orphaned():
    citation = CitationFactory(source=SourceFactory(text=ARTICLE), quote="met in Paris")
    assert citation.anchoring == Citation.Anchoring.ORPHANED
    assert citation.start is None and citation.end is None


def test_a_quote_from_a_source_without_text_is_unchecked():
    citation = CitationFactory(source=SourceFactory(text=""), quote="anything at all")
    assert citation.anchoring == Citation.Anchoring.UNCHECKED


def test_citations_are_reanchored_when_the_source_text_changes():
    source = SourceFactory(text=ARTICLE)
    citation = CitationFactory(source=source, quote="in Rabat")
    source.text = "A new version of the article without that city."
    source.save()
    citation.refresh_from_db()
    assert citation.anchoring == Citation.Anchoring.ORPHANED


def test_a_status_cannot_be_changed_by_saving_the_claim():
    claim = ClaimFactory()
    claim = Claim.objects.get(pk=claim.pk)
    claim.status = Claim.Status.CONFIRMED
    with pytest.raises(ValidationError) as excinfo:
        claim.save()
    assert "status" in excinfo.value.message_dict
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.UNVERIFIED


def test_codes_in_use_lists_each_country_once():
    ClaimCountryFactory(country="EH", role="territory")
    ClaimCountryFactory(country="EH", role="territory")
    ClaimCountryFactory(country="MA", role="subject")
    assert ClaimCountry.objects.codes_in_use() == ["EH", "MA"]


def test_the_years_of_all_claims_match_the_plain_query():
    import datetime

    for year in (1995, 2020, 2020, 2024):
        ClaimFactory(occurred_on=datetime.date(year, 5, 17))
    ClaimFactory(occurred_on=None)
    expected = [datetime.date(y, 1, 1) for y in (1995, 2020, 2024)]
    assert list(Claim.objects.dates("occurred_on", "year")) == expected
    assert list(Claim.objects.dates("occurred_on", "year", order="DESC")) == expected[::-1]
    assert list(Claim.objects.filter(kind="statement").dates("occurred_on", "year")) == expected
