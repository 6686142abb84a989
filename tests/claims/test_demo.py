import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from claims import demo
from claims.models import Actor, Citation, Claim, Event, Topic
from sources.models import Source
from tests.factories import ActorFactory

pytestmark = pytest.mark.django_db

RECOGNITION = (
    "The United States, under the Trump administration, recognized Morocco's sovereignty over "
    "Western Sahara."
)
ASHER_FBI = "Christopher Asher is the director of the FBI."


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def participants(claim: Claim) -> set[tuple[str, str]]:
    return {(p.actor.name, p.role) for p in claim.participants.select_related("actor")}


def countries(claim: Claim) -> set[tuple[str, str]]:
    return {(row.country.code, row.role) for row in claim.countries.all()}


def row_counts() -> dict[str, int]:
    """Rows in every model of both apps, history tables included."""
    models = [
        *apps.get_app_config("claims").get_models(),
        *apps.get_app_config("sources").get_models(),
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


def test_load_demo_stores_the_seed_article_in_full_without_inventing_a_publisher():
    output = load_demo()

    source = Source.objects.get(title=demo.SOURCE_TITLE)
    assert source.title == "Morocco, key participant in US regional safety"
    assert source.text == (demo.SEED_ARTICLE_PATH).read_text(encoding="utf-8")
    assert "Christopher Asher, director of the FBI" in source.text
    assert source.publisher is None
    assert source.authors == ""
    assert source.canonical_url.startswith("https://demo.claimtrack.invalid/")
    assert "Loaded 15 demo claims" in output


def test_demo_claims_are_unverified_and_all_cite_the_seed_article():
    load_demo()

    claims = Claim.objects.all()
    assert 10 <= claims.count() <= 15
    assert set(claims.values_list("status", flat=True)) == {"unverified"}
    assert not claims.exclude(citations__source__title=demo.SOURCE_TITLE).exists()


def test_only_the_claim_a_cited_dated_act_dates_has_a_date():
    load_demo()

    [dated] = Claim.objects.filter(occurred_on__isnull=False)
    assert dated.statement == RECOGNITION
    assert (dated.occurred_on, dated.date_precision) == (datetime.date(2020, 12, 10), "day")
    proclamation = dated.citations.get(source__url=demo.PROCLAMATION_10126.url)
    assert proclamation.source.published_at.date() == datetime.date(2020, 12, 10)
    assert proclamation.note.startswith("Demo data")
    others = Claim.objects.exclude(pk=dated.pk)
    assert set(others.values_list("date_precision", flat=True)) == {"unknown"}


def test_the_demo_topic_has_the_five_positions_in_order_and_the_claims_state_them():
    load_demo()

    topic = Topic.objects.get(slug="western-sahara")
    assert [p.label for p in topic.positions.all()] == [
        "Recognises Moroccan sovereignty",
        "Supports the autonomy plan as the basis",
        "Neutral, UN process",
        "Recognises the SADR",
        "Withdrew or froze recognition of the SADR",
    ]
    stated = dict(
        Claim.objects.filter(position__topic=topic).values_list("statement", "position__key")
    )
    assert stated[RECOGNITION] == "recognises-moroccan-sovereignty"
    assert sorted(stated.values()).count("supports-autonomy-plan") == 4


def test_the_claims_concerning_western_sahara_are_the_us_recognition_and_four_endorsements():
    load_demo()

    concerning_eh = Claim.objects.for_country("EH")

    assert sorted(concerning_eh.values_list("kind", "statement")) == [
        (
            "agreement",
            "Germany endorsed Morocco's autonomy plan for Western Sahara as the most "
            "realistic solution.",
        ),
        (
            "agreement",
            "Spain endorsed Morocco's autonomy plan for Western Sahara as the most "
            "realistic solution.",
        ),
        (
            "agreement",
            "The United Arab Emirates endorsed Morocco's autonomy plan for Western "
            "Sahara as the most realistic solution.",
        ),
        (
            "agreement",
            "The United Kingdom endorsed Morocco's autonomy plan for Western Sahara as "
            "the most realistic solution.",
        ),
        ("recognition", RECOGNITION),
    ]
    assert set(
        Claim.objects.for_country("EH", roles=["territory"]).values_list("pk", flat=True)
    ) == set(concerning_eh.values_list("pk", flat=True))


def test_us_recognition_has_the_us_as_subject_morocco_as_object_and_western_sahara_as_territory():
    load_demo()

    claim = Claim.objects.get(statement=RECOGNITION)

    assert claim.kind == "recognition"
    assert participants(claim) == {("United States", "subject"), ("Morocco", "object")}
    assert countries(claim) == {("US", "subject"), ("MA", "object"), ("EH", "territory")}
    assert claim.countries.get(country="EH").derived is False


def test_only_the_united_states_is_said_to_recognise_sovereignty_the_others_endorse_the_plan():
    load_demo()

    recognising = Claim.objects.filter(kind="recognition").for_country("EH")
    assert {code for code, role in countries(recognising.get()) if role == "subject"} == {"US"}

    endorsing = Claim.objects.filter(kind="agreement").for_country("EH")
    for claim in endorsing:
        assert ("MA", "object") in countries(claim)
        assert ("EH", "territory") in countries(claim)
    subjects = {code for claim in endorsing for code, role in countries(claim) if role == "subject"}
    assert subjects == {"DE", "GB", "AE", "ES"}


def test_morocco_establishing_relations_with_israel_is_a_diplomatic_relations_claim():
    load_demo()

    claim = Claim.objects.get(kind="diplomatic_relations")

    assert participants(claim) == {("Morocco", "subject"), ("Israel", "object")}
    assert countries(claim) == {("MA", "subject"), ("IL", "object")}


def test_hammouchi_meeting_each_us_official_is_a_separate_attendance_claim_under_one_event():
    load_demo()

    event = Event.objects.get(kind="meeting")
    assert (event.location, event.country.code, event.date_precision) == (
        "Washington",
        "US",
        "unknown",
    )
    assert event.starts_on is None

    sessions = Claim.objects.filter(kind="attendance")
    assert set(sessions.values_list("event", flat=True)) == {event.pk}
    assert [participants(claim) for claim in sessions.order_by("pk")] == [
        {("Abdellatif Hammouchi", "attendee"), (official, "attendee")}
        for official in ("Avril Haines", "William Burns", "Christopher Asher")
    ]
    for claim in sessions:
        assert countries(claim) == {("MA", "participant"), ("US", "participant"), ("US", "venue")}


def test_office_claims_record_the_titles_as_the_article_states_them_including_the_fbi_error():
    load_demo()

    offices = {
        claim.statement: participants(claim) for claim in Claim.objects.filter(kind="office")
    }
    assert offices == {
        "Abdellatif Hammouchi is Director General of National Security and Territorial "
        "Surveillance of Morocco.": {("Abdellatif Hammouchi", "subject")},
        "Avril Haines is the director of US intelligence.": {("Avril Haines", "subject")},
        "William Burns is the head of the CIA.": {("William Burns", "subject")},
        ASHER_FBI: {("Christopher Asher", "subject")},
    }
    asher = Actor.objects.get(name="Christopher Asher")
    assert (asher.kind, asher.country.code, asher.title) == ("person", "US", "Director of the FBI")
    assert Claim.objects.get(statement=ASHER_FBI).status == "unverified"
    hammouchi = Actor.objects.get(name="Abdellatif Hammouchi")
    assert hammouchi.country.code == "MA"


def test_african_lion_is_military_cooperation_at_an_exercise_and_the_arms_purchase_an_acquisition():
    load_demo()

    exercise = Claim.objects.get(kind="military_cooperation")
    assert exercise.event.kind == "exercise"
    assert "African Lion" in exercise.event.name
    assert participants(exercise) == {("Morocco", "attendee"), ("United States", "attendee")}

    purchase = Claim.objects.get(kind="acquisition")
    assert participants(purchase) == {("Morocco", "subject"), ("United States", "object")}
    assert "helicopters" in purchase.statement
    assert "missiles" in purchase.statement


def test_every_demo_quote_is_anchored_exactly_at_its_offsets_in_the_stored_text():
    load_demo()

    citations = Citation.objects.select_related("source")
    assert citations.count() >= Claim.objects.count()
    for citation in citations:
        assert citation.anchoring == "exact", citation.quote
        assert citation.source.text[citation.start : citation.end] == citation.quote


def test_running_load_demo_twice_creates_and_changes_nothing():
    load_demo()
    counts = row_counts()
    claims = list(Claim.objects.order_by("pk").values_list("pk", "version", "updated_at"))

    output = load_demo()

    assert "already loaded" in output
    assert row_counts() == counts
    assert list(Claim.objects.order_by("pk").values_list("pk", "version", "updated_at")) == claims


def test_load_demo_reuses_an_actor_that_already_exists_by_name():
    morocco = ActorFactory(name="Morocco", kind="state", country="MA", title="Kingdom")

    load_demo()

    assert Actor.objects.filter(name="Morocco").get() == morocco
    assert Claim.objects.get(statement=RECOGNITION).participants.filter(actor=morocco).exists()


def test_load_demo_writes_nothing_when_part_of_the_data_fails(monkeypatch):
    broken = demo.DemoClaim(
        "A claim naming an actor the demo does not define.",
        "other",
        citations=(demo.DemoCitation("Morocco"),),
        participants=(("Nobody", "subject"),),
    )
    monkeypatch.setattr(demo, "CLAIMS", (*demo.CLAIMS, broken))

    with pytest.raises(KeyError):
        load_demo()

    assert Source.objects.count() == 0
    assert Claim.objects.count() == 0
    assert Actor.objects.count() == 0
