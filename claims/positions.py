"""Countries' positions on a topic over time: the one place their rules live.

A claim states a position (`Claim.position`, one of its topic's vocabulary) for each of its
subject countries (ClaimCountry role `subject`), from its date (`occurred_on`) on. A claim
without a date cannot be placed in time and states no position on any date.

A country's position as of a date is the one stated by its latest claim on or before that
date whose verdict supports it (`ESTABLISHING`: true or mostly true). A country with no such
claim shows the position of its latest claim still open or disputed (`UNESTABLISHED`), marked
as not established; claims judged false or misleading state nothing. Ties on the same date go
to the claim recorded last (the higher id).
"""

import calendar
import datetime
import operator
from dataclasses import dataclass

from django_countries import countries as all_countries

from claims.models import (
    ClaimCountry,
    ClaimStatus,
    Topic,
    TopicPosition,
    claim_path,
)
from claims.representation import country_name

ESTABLISHING = frozenset({ClaimStatus.CONFIRMED, ClaimStatus.MOSTLY_TRUE})
UNESTABLISHED = frozenset(
    {ClaimStatus.UNVERIFIED, ClaimStatus.IN_REVIEW, ClaimStatus.MIXED, ClaimStatus.UNVERIFIABLE}
)
# What a position is "resting on" in words, for pages, CSV and the API.
STANDING_ESTABLISHED = "established"
STANDING_UNESTABLISHED = "unverified or disputed"


@dataclass(frozen=True)
class Stated:
    """One claim stating one country's position on a topic: a row of a timeline."""

    country: str  # alpha-2
    position: TopicPosition
    claim_id: int
    statement: str
    occurred_on: datetime.date
    date_precision: str
    status: str

    @property
    def established(self) -> bool:
        return self.status in ESTABLISHING

    @property
    def standing(self) -> str:
        return STANDING_ESTABLISHED if self.established else STANDING_UNESTABLISHED

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def alpha3(self) -> str:
        return all_countries.alpha3(self.country)

    # For pages that list hundreds of these: plain strings, no template filter or URL lookup
    # per row (the public pages' paths are fixed: the ClaimReview `url` is /claims/{id}/).
    @property
    def claim_path(self) -> str:
        return claim_path(self.claim_id)

    @property
    def country_path(self) -> str:
        return f"/countries/{self.country}/"

    @property
    def on_iso(self) -> str:
        return self.occurred_on.isoformat()

    @property
    def on_long(self) -> str:
        """ "10 December 2020"."""
        day = self.occurred_on
        return f"{day.day} {calendar.month_name[day.month]} {day.year}"

    @property
    def on_short(self) -> str:
        """ "10 Dec 2020"."""
        day = self.occurred_on
        return f"{day.day} {calendar.month_abbr[day.month]} {day.year}"


def statements(
    topic: Topic | None, *, countries: list[str] | None = None, until: datetime.date | None = None
) -> list[Stated]:
    """Every dated claim stating a position on `topic` (on any topic when None) that counts
    (not judged false or misleading), per subject country, oldest first; optionally only for
    `countries` (alpha-2) and on or before `until`. One query, and one more for the positions
    (the topic's, unless they were prefetched; with their topics when `topic` is None)."""
    # A subject row carries its claim's position (ClaimCountry.position): for one country
    # this reads a few entries of the `stating` index, not every claim stating a position.
    rows = ClaimCountry.objects.filter(
        position__isnull=False,
        claim__occurred_on__isnull=False,
        claim__status__in=ESTABLISHING | UNESTABLISHED,
    )
    if topic is not None:
        rows = rows.filter(position__topic=topic)
    if countries:
        rows = rows.filter(country__in=countries)
    if until is not None:
        rows = rows.filter(claim__occurred_on__lte=until)
    found = list(
        rows.order_by("claim__occurred_on", "claim_id", "country").values_list(
            "country",
            "position_id",
            "claim_id",
            "claim__statement",
            "claim__occurred_on",
            "claim__date_precision",
            "claim__status",
        )
    )
    if topic is None:
        used = {position_id for _, position_id, *_ in found}
        vocabulary = TopicPosition.objects.select_related("topic").in_bulk(used)
    else:
        vocabulary = {position.pk: position for position in topic.positions.all()}
    return [
        Stated(
            country=country,
            position=vocabulary[position_id],
            claim_id=claim_id,
            statement=statement,
            occurred_on=occurred_on,
            date_precision=date_precision,
            status=status,
        )
        for country, position_id, claim_id, statement, occurred_on, date_precision, status in (
            found
        )
    ]


def latest_positions(stated: list[Stated], as_of: datetime.date) -> list[Stated]:
    """From statements oldest first, each country's position as of `as_of` (see the module's
    rules), one per country that has one, ordered by country code."""
    latest_established: dict[str, Stated] = {}
    latest_other: dict[str, Stated] = {}
    for one in stated:
        if one.occurred_on > as_of:
            break
        (latest_established if one.established else latest_other)[one.country] = one
    chosen = latest_other | latest_established
    return [chosen[code] for code in sorted(chosen)]


def positions_as_of(
    topic: Topic, as_of: datetime.date, *, countries: list[str] | None = None
) -> list[Stated]:
    """Each country's position on `topic` as of `as_of`, one per country that has one,
    ordered by country code."""
    return latest_positions(statements(topic, countries=countries, until=as_of), as_of)


def timeline(topic: Topic, *, countries: list[str] | None = None) -> list[Stated]:
    """Every dated claim that states a position on `topic` (for `countries`), oldest first:
    each change, with its claim and whether it is established."""
    return statements(topic, countries=countries)


def timelines_of(country: str) -> list[tuple[Topic, list[Stated]]]:
    """One country's timeline on each topic it has stated a position on, in the topics' order:
    two queries, however many topics there are."""
    by_topic: dict[Topic, list[Stated]] = {}
    for one in statements(None, countries=[country]):
        by_topic.setdefault(one.position.topic, []).append(one)
    in_topic_order = operator.attrgetter(*Topic._meta.ordering)
    return sorted(by_topic.items(), key=lambda item: in_topic_order(item[0]))
