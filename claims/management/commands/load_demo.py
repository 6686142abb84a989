"""`manage.py load_demo`: load the seed article and its claims (claims/demo.py)."""

import datetime
from collections import Counter

from django.core.management.base import BaseCommand
from django.db import models, transaction

from claims import demo
from claims.models import (
    Actor,
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    Event,
    Topic,
    TopicPosition,
)
from claims.workflow import VERDICTS
from sources.canonical import canonicalize_url
from sources.models import Source


def first_or_create(
    model: type[models.Model], lookup: dict, defaults: dict | None = None
) -> tuple[models.Model, bool]:
    """The oldest row matching `lookup`, or a new one; like get_or_create but the natural keys
    used here (an actor's name, a claim's statement) are not unique, so duplicates a person
    entered by hand must not make the command fail."""
    existing = model._default_manager.filter(**lookup).order_by("pk").first()
    if existing is not None:
        return existing, False
    return model._default_manager.create(**lookup, **(defaults or {})), True


class Command(BaseCommand):
    help = (
        "Load the demo data: the seed article as a source and the claims an analyst would "
        "record from it. Running it again changes nothing."
    )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            created = self.load()
        if not created:
            self.stdout.write("Demo data already loaded; nothing changed.")
            return
        details = ", ".join(f"{name}: {count}" for name, count in created.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {created['claims']} demo claims from “{demo.SOURCE_TITLE}” ({details})."
            )
        )

    def load(self) -> Counter:
        """Write whatever of the demo data is missing; returns how many rows of each it made.

        Rows that exist (by natural key) are left exactly as they are, so nothing is saved
        twice: no new history rows, no version increments.
        """
        created: Counter = Counter()

        # The canonical URL is the source's natural key; the article names no outlet, so the
        # source has no publisher and no authors ("Coordinator for the Americas" is not a
        # byline).
        source, made = first_or_create(
            Source,
            {"canonical_url": canonicalize_url(demo.SOURCE_URL)},
            {
                "url": demo.SOURCE_URL,
                "title": demo.SOURCE_TITLE,
                "language": demo.SOURCE_LANGUAGE,
                "text": demo.seed_article_text(),
            },
        )
        created["sources"] += made
        sources = {"": source}
        for spec in demo.SOURCES:
            sources[spec.url], made = first_or_create(
                Source,
                {"canonical_url": canonicalize_url(spec.url)},
                {
                    "url": spec.url,
                    "title": spec.title,
                    "language": spec.language,
                    "published_at": datetime.datetime.combine(
                        spec.published_on, datetime.time(12), tzinfo=datetime.UTC
                    ),
                    "text": spec.text,
                },
            )
            created["sources"] += made

        topic, made = first_or_create(
            Topic,
            {"slug": demo.TOPIC.slug},
            {"question": demo.TOPIC.question, "description": demo.TOPIC.description},
        )
        created["topics"] += made
        positions = {}
        for order, (key, label) in enumerate(demo.TOPIC.positions):
            positions[key], made = first_or_create(
                TopicPosition, {"topic": topic, "key": key}, {"label": label, "order": order}
            )
            created["positions"] += made

        actors = {}
        for spec in demo.ACTORS:
            actors[spec.name], made = first_or_create(
                Actor,
                {"name": spec.name},
                {
                    "kind": spec.kind,
                    "country": spec.country,
                    "title": spec.title,
                    "aliases": list(spec.aliases),
                    "description": spec.description,
                },
            )
            created["actors"] += made

        events = {}
        for spec in demo.EVENTS:
            events[spec.name], made = first_or_create(
                Event,
                {"name": spec.name},
                {
                    "kind": spec.kind,
                    "location": spec.location,
                    "country": spec.country,
                    "date_precision": "unknown",
                },
            )
            created["events"] += made

        for spec in demo.CLAIMS:
            claim, made = first_or_create(
                Claim,
                {"statement": spec.statement},
                {
                    "kind": spec.kind,
                    "event": events[spec.event] if spec.event else None,
                    "occurred_on": spec.occurred_on,
                    "date_precision": spec.date_precision,
                    "position": positions[spec.position] if spec.position else None,
                },
            )
            created["claims"] += made
            if not made and claim.status in VERDICTS:
                continue  # judged since: left exactly as its reviewer judged it
            # Countries implied by participants and the event are derived by the signals in
            # claims/signals.py; only territories are entered by hand.
            for name, role in spec.participants:
                _, made = ClaimActor.objects.get_or_create(
                    claim=claim, actor=actors[name], role=role
                )
                created["participants"] += made
            for code in spec.territories:
                _, made = ClaimCountry.objects.get_or_create(
                    claim=claim, country=code, role=ClaimCountry.Role.TERRITORY
                )
                created["hand-entered countries"] += made
            for cited in spec.citations:
                # Not keyed on prefix/suffix: anchoring replaces them with the text around
                # the quote as found.
                _, made = first_or_create(
                    Citation,
                    {"claim": claim, "source": sources[cited.source], "quote": cited.quote},
                    {
                        "stance": cited.stance,
                        "prefix": cited.prefix,
                        "suffix": cited.suffix,
                        "note": cited.note,
                    },
                )
                created["citations"] += made

        return +created  # drop zero counts
