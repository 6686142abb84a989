"""A topic with countries' positions over time on generated data, for the public pages'
benchmark scenarios (bench/run.py: the topic map, the country page).

    DATABASE_URL=… DJANGO_DEBUG=1 python -m bench.positions --per-country 8

Benchmark tooling, not part of the application. The generated claims state no position; this
picks, for each country that is the subject of dated claims, up to `--per-country` of them
(the oldest first, deterministic) and has each state a position of the topic's vocabulary, in
turn. Written straight to the claims, as bench/generate.py writes its rows: as if each position
had been entered before the claim's verdict (through the application, a claim with a verdict
refuses the change: claims.integrity), so positions rest on claims of every status, as they
would. Run again, it finds the topic already there and changes nothing.
"""

import json
import os
import sys
import time

SLUG = "bench-sovereignty"
VOCABULARY = [
    ("recognises", "Recognises the sovereignty claim"),
    ("supports-plan", "Supports the autonomy plan"),
    ("neutral", "Neutral, supports the UN process"),
    ("recognises-other", "Recognises the other party"),
    ("withdrew", "Withdrew or froze recognition"),
]


def state_positions(per_country: int) -> dict:
    from django.db import transaction

    from claims.models import (
        Claim,
        ClaimCountry,
        CountryRole,
        Topic,
        TopicPosition,
        sync_claim_countries,
    )

    started = time.monotonic()
    if Topic.objects.filter(slug=SLUG).exists():
        topic = Topic.objects.get(slug=SLUG)
        return {"topic": SLUG, "stated": Claim.objects.filter(position__topic=topic).count()}
    with transaction.atomic():
        topic = Topic.objects.create(
            slug=SLUG,
            question="Whose sovereignty over the territory does each country recognise?",
        )
        positions = [
            TopicPosition.objects.create(topic=topic, key=key, label=label, order=order)
            for order, (key, label) in enumerate(VOCABULARY)
        ]
        dated_subjects = ClaimCountry.objects.filter(
            role=CountryRole.SUBJECT, claim__occurred_on__isnull=False
        )
        countries = dated_subjects.order_by("country").values_list("country", flat=True)
        stated = 0
        for country in countries.distinct():
            # The country's first dated claims (by date, then id).
            claim_ids = list(
                dated_subjects.filter(country=country)
                .order_by("claim__occurred_on", "claim_id")
                .values_list("claim_id", flat=True)[:per_country]
            )
            for turn, claim_id in enumerate(claim_ids):
                position = positions[(turn + stated) % len(positions)]
                Claim.objects.filter(pk=claim_id).update(position=position)
            # Their subject rows carry the position, as a save through the application does.
            sync_claim_countries(claim_ids)
            stated += len(claim_ids)
    return {"topic": SLUG, "stated": stated, "seconds": round(time.monotonic() - started, 1)}


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.positions", description=__doc__)
    parser.add_argument("--per-country", type=int, default=8, help="claims per country (8)")
    args = parser.parse_args(argv)
    if args.per_country < 1:
        parser.error("--per-country must be 1 or more")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimtrack.settings")
    import django

    django.setup()
    print(json.dumps(state_positions(args.per_country)))


if __name__ == "__main__":
    main(sys.argv[1:])
