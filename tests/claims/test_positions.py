"""Countries' positions on a topic over time (claims.positions): which claim sets a
country's position on a date, and how a position resting on an unjudged claim shows."""

import datetime

import pytest
from django.db.models import ProtectedError

from claims import positions
from claims.integrity import VerdictLocked
from claims.models import Claim, Topic
from claims.workflow import claim_review
from tests.conftest import user_with_role
from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimActorFactory,
    ClaimCountryFactory,
    ClaimFactory,
    SourceFactory,
    TopicFactory,
    TopicPositionFactory,
)

pytestmark = pytest.mark.django_db

TEXT = "The government announced its position on the question today."
QUOTE = "announced its position"


@pytest.fixture
def topic():
    return TopicFactory(slug="western-sahara", question="Sovereignty over Western Sahara")


@pytest.fixture
def vocabulary(topic):
    return {
        key: TopicPositionFactory(topic=topic, key=key, label=key, order=n)
        for n, key in enumerate(["recognises-ma", "autonomy-plan", "neutral", "recognises-sadr"])
    }


@pytest.fixture
def reviewer():
    return user_with_role("reviewer", "reviewer")


def stated(position, country, on, status="unverified", reviewer=None, role="subject"):
    """A claim stating `position` for `country` from `on`, judged `status`."""
    claim = ClaimFactory(occurred_on=on, date_precision="day", position=position)
    ClaimCountryFactory(claim=claim, country=country, role=role)
    stance = "refutes" if status in ("false", "misleading") else "supports"
    citation = CitationFactory(
        claim=claim, source=SourceFactory(text=TEXT), quote=QUOTE, stance=stance
    )
    if status != "unverified":
        claim_review(
            claim=claim,
            status=status,
            reviewer=reviewer,
            rationale="Checked.",
            citations=[citation],
        )
    return claim


def shown(topic, on):
    return {
        s.country: (s.position.key, s.established, s.claim_id)
        for s in positions.positions_as_of(topic, on)
    }


def test_a_confirmed_claim_sets_the_position_from_its_date_on(topic, vocabulary, reviewer):
    claim = stated(
        vocabulary["recognises-ma"], "US", datetime.date(2020, 12, 10), "confirmed", reviewer
    )

    assert shown(topic, datetime.date(2020, 12, 9)) == {}
    assert shown(topic, datetime.date(2020, 12, 10)) == {"US": ("recognises-ma", True, claim.pk)}


def test_the_latest_supported_claim_wins_and_a_later_one_changes_the_position(
    topic, vocabulary, reviewer
):
    neutral = stated(
        vocabulary["neutral"], "ES", datetime.date(2010, 1, 1), "mostly_true", reviewer
    )
    plan = stated(
        vocabulary["autonomy-plan"], "ES", datetime.date(2022, 3, 18), "confirmed", reviewer
    )

    assert shown(topic, datetime.date(2022, 3, 17))["ES"] == ("neutral", True, neutral.pk)
    assert shown(topic, datetime.date(2023, 1, 1))["ES"] == ("autonomy-plan", True, plan.pk)


def test_an_unverified_claim_shows_as_not_established_and_never_overrides_a_supported_one(
    topic, vocabulary, reviewer
):
    confirmed = stated(
        vocabulary["neutral"], "DE", datetime.date(2015, 1, 1), "confirmed", reviewer
    )
    stated(vocabulary["autonomy-plan"], "DE", datetime.date(2022, 1, 1))
    only_unverified = stated(vocabulary["recognises-sadr"], "DZ", datetime.date(1976, 3, 6))

    now = shown(topic, datetime.date(2024, 1, 1))

    assert now["DE"] == ("neutral", True, confirmed.pk)
    assert now["DZ"] == ("recognises-sadr", False, only_unverified.pk)
    standing = {
        s.country: s.standing for s in positions.positions_as_of(topic, datetime.date(2024, 1, 1))
    }
    assert standing == {"DE": "established", "DZ": "unverified or disputed"}


def test_claims_judged_false_or_without_a_date_state_no_position(topic, vocabulary, reviewer):
    stated(vocabulary["recognises-ma"], "FR", datetime.date(2021, 1, 1), "false", reviewer)
    stated(vocabulary["recognises-ma"], "GB", None)

    assert shown(topic, datetime.date(2025, 1, 1)) == {}


def test_only_subject_countries_take_the_position(topic, vocabulary):
    claim = stated(vocabulary["recognises-ma"], "US", datetime.date(2020, 12, 10))
    ClaimCountryFactory(claim=claim, country="MA", role="object")

    assert set(shown(topic, datetime.date(2021, 1, 1))) == {"US"}


def test_a_claims_countries_follow_its_position_on_every_write_path(topic, vocabulary):
    """Whichever way a subject country arrives (entered, derived from a participant) and
    whatever changes later (the claim's position, a row's role), the map shows what the claim
    states now: subject countries only, with the claim's current position."""
    on = datetime.date(2021, 1, 1)
    claim = stated(vocabulary["neutral"], "ES", datetime.date(2020, 1, 1))
    ClaimActorFactory(claim=claim, actor=ActorFactory(country="PT"), role="subject")  # derived
    late = ClaimCountryFactory(claim=Claim.objects.get(pk=claim.pk), country="IT", role="subject")
    assert shown(topic, on) == {code: ("neutral", False, claim.pk) for code in ("ES", "PT", "IT")}

    claim.refresh_from_db()
    claim.position = vocabulary["autonomy-plan"]
    claim.save()
    assert {k: v[0] for k, v in shown(topic, on).items()} == dict.fromkeys(
        ("ES", "PT", "IT"), "autonomy-plan"
    )

    late.role = "object"
    late.save()
    assert set(shown(topic, on)) == {"ES", "PT"}
    late.role = "subject"
    late.save(update_fields=["role"])
    assert set(shown(topic, on)) == {"ES", "PT", "IT"}

    claim.refresh_from_db()
    claim.position = None
    claim.save()
    assert shown(topic, on) == {}
    assert positions.timelines_of("ES") == []


def test_a_position_that_a_claim_states_cannot_be_deleted_and_the_refusal_names_the_claim(
    topic, vocabulary
):
    claim = stated(vocabulary["neutral"], "ES", datetime.date(2020, 1, 1))
    with pytest.raises(ProtectedError) as refused:
        vocabulary["neutral"].delete()
    assert refused.value.protected_objects == {Claim.objects.get(pk=claim.pk)}


def test_the_timeline_lists_every_change_oldest_first_for_a_country(topic, vocabulary, reviewer):
    first = stated(vocabulary["neutral"], "ES", datetime.date(2010, 1, 1), "confirmed", reviewer)
    second = stated(vocabulary["autonomy-plan"], "ES", datetime.date(2022, 3, 18))
    stated(vocabulary["recognises-ma"], "US", datetime.date(2020, 12, 10))

    rows = positions.timeline(topic, countries=["ES"])

    assert [(r.claim_id, r.occurred_on, r.established) for r in rows] == [
        (first.pk, datetime.date(2010, 1, 1), True),
        (second.pk, datetime.date(2022, 3, 18), False),
    ]


def test_a_countrys_timelines_cover_each_of_its_topics_in_topic_order_in_two_queries(
    topic, vocabulary, django_assert_num_queries
):
    """The country page's read: per topic only that topic's statements by this country,
    topics in their listed order (by question), and a fixed number of queries."""
    other = TopicFactory(slug="fisheries", question="Access to the fisheries")
    allowed = TopicPositionFactory(topic=other, key="allowed", label="allowed")
    sahara = stated(vocabulary["neutral"], "ES", datetime.date(2010, 1, 1))
    later = stated(vocabulary["autonomy-plan"], "ES", datetime.date(2022, 3, 18))
    fish = stated(allowed, "ES", datetime.date(2015, 6, 1))
    stated(allowed, "PT", datetime.date(2016, 1, 1))  # another country
    stated(vocabulary["neutral"], "ES", datetime.date(2011, 1, 1), role="object")  # not subject

    with django_assert_num_queries(2):
        found = positions.timelines_of("ES")

    assert [(t.slug, [s.claim_id for s in rows]) for t, rows in found] == [
        ("fisheries", [fish.pk]),
        ("western-sahara", [sahara.pk, later.pk]),
    ]
    assert found[1][1][1].position.label == "autonomy-plan"
    assert positions.timelines_of("MA") == []


def test_positions_are_read_in_one_query_however_many_countries(
    topic, vocabulary, reviewer, django_assert_num_queries
):
    for code in ("US", "MA", "ES", "DE", "FR", "GB", "IL"):
        stated(vocabulary["neutral"], code, datetime.date(2020, 1, 1))

    topic = Topic.objects.prefetch_related("positions").get(pk=topic.pk)  # as the views read it
    with django_assert_num_queries(1):
        assert len(positions.positions_as_of(topic, datetime.date(2021, 1, 1))) == 7


def test_the_position_of_a_judged_claim_cannot_change_without_a_reopen(topic, vocabulary, reviewer):
    claim = stated(
        vocabulary["recognises-ma"], "US", datetime.date(2020, 12, 10), "confirmed", reviewer
    )
    claim.refresh_from_db()
    claim.position = vocabulary["neutral"]

    with pytest.raises(VerdictLocked, match="the position it states"):
        claim.save()
