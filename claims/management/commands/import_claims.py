"""`manage.py import_claims FILE.jsonl`: bulk-import claims from JSON Lines, with history.

One claim per line:

    {"statement": "Morocco and Spain signed a water agreement.", "kind": "agreement",
     "occurred_on": "2023-02-01", "date_precision": "day",
     "participants": [{"actor": "Nasser Bourita", "role": "subject"}],
     "countries": [{"code": "MA", "role": "territory"}],
     "citations": [{"source": "https://example.com/a", "quote": "…", "stance": "supports"}]}

Only `statement` and `kind` are required. A participant names its actor by `actor` (the exact
name; when several actors share it, give `actor_id` instead); a citation names a source already
stored by its URL (matched canonically) and its quote is anchored in that source's text, as
Citation.save() would. Countries listed are hand-entered; the participants' countries are derived
as sync_claim_countries() would. Claims come in unverified (only the review workflow changes a
status), at version 1, with one "+" history row per object.

Lines are checked first, then written a batch per transaction (bulk inserts, no per-row
signals). A bad line is reported with its number and field and skipped; good lines are imported.
"""

import datetime as dt
import functools
import json
import time
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from claims import stats
from claims.models import (
    STATEMENT_MAX_LENGTH,
    Actor,
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    ClaimKind,
    CountryRole,
    DatePrecision,
    ParticipantRole,
    Stance,
    claim_country_rows,
    derived_countries,
)
from sources.canonical import canonicalize_url
from sources.models import Source
from sources.validators import COUNTRY_CODES

HISTORY_REASON = "import_claims"
FIELDS = {"statement", "kind", "occurred_on", "date_precision", "participants", "countries",
          "citations"}  # fmt: skip
COUNTRIES = frozenset(COUNTRY_CODES)


class LineError(Exception):
    """What is wrong with one line, naming the field."""


@functools.cache
def _values(choices) -> frozenset[str]:
    return frozenset(choices.values)


def _choice(value, choices, field: str) -> str:
    if value not in _values(choices):
        raise LineError(f"{field}: {value!r} is not one of {', '.join(choices.values)}")
    return value


def _list(record: dict, field: str) -> list[dict]:
    items = record.get(field, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise LineError(f"{field}: give a list of objects")
    return items


def _text(item: dict, key: str, field: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LineError(f"{field}: give a non-empty string")
    return value


class Parsed:
    """One checked line: the claim's fields and its parts, references not yet resolved."""

    def __init__(self, number: int, record: dict) -> None:
        self.number = number
        unknown = sorted(set(record) - FIELDS)
        if unknown:
            raise LineError(f"{unknown[0]}: unknown field (allowed: {', '.join(sorted(FIELDS))})")
        self.statement = _text(record, "statement", "statement").strip()
        if len(self.statement) > STATEMENT_MAX_LENGTH:
            raise LineError(f"statement: longer than {STATEMENT_MAX_LENGTH} characters")
        self.kind = _choice(record.get("kind"), ClaimKind, "kind")
        self.date_precision = _choice(
            record.get("date_precision", DatePrecision.UNKNOWN), DatePrecision, "date_precision"
        )
        self.occurred_on = None
        if record.get("occurred_on") is not None:
            try:
                self.occurred_on = dt.date.fromisoformat(record["occurred_on"])
            except (TypeError, ValueError):
                raise LineError("occurred_on: give a date as YYYY-MM-DD") from None
        self.participants = []  # (name or None, id or None, role)
        for i, item in enumerate(_list(record, "participants")):
            field = f"participants[{i}]"
            role = _choice(item.get("role"), ParticipantRole, f"{field}.role")
            if "actor_id" in item:
                if not isinstance(item["actor_id"], int) or isinstance(item["actor_id"], bool):
                    raise LineError(f"{field}.actor_id: give a whole number")
                self.participants.append((None, item["actor_id"], role))
            else:
                self.participants.append((_text(item, "actor", f"{field}.actor"), None, role))
        self.countries = []  # (code, role)
        for i, item in enumerate(_list(record, "countries")):
            field = f"countries[{i}]"
            code = item.get("code")
            code = code.upper() if isinstance(code, str) else code
            if code not in COUNTRIES:
                raise LineError(f"{field}.code: {item.get('code')!r} is not an ISO 3166-1 code")
            pair = (code, _choice(item.get("role"), CountryRole, f"{field}.role"))
            if pair in self.countries:
                raise LineError(f"{field}: {pair[0]} as {pair[1]} is listed twice")
            self.countries.append(pair)
        self.citations = []  # (canonical URL, quote, stance, note)
        for i, item in enumerate(_list(record, "citations")):
            field = f"citations[{i}]"
            url = _text(item, "source", f"{field}.source")
            try:
                canonical = canonicalize_url(url)
            except Exception:
                raise LineError(f"{field}.source: {url!r} is not an http(s) URL") from None
            quote = _text(item, "quote", f"{field}.quote")
            stance = _choice(item.get("stance", Stance.SUPPORTS), Stance, f"{field}.stance")
            note = item.get("note", "")
            if not isinstance(note, str):
                raise LineError(f"{field}.note: give a string")
            self.citations.append((canonical, quote, stance, note))


def _write_history(model, ids: list[int], user, now) -> None:
    """One "+" historical row per new object, copied in SQL from the rows just written (what
    simple_history's bulk_history_create does, without building every row in Python)."""
    if not ids:
        return
    history = model.history.model
    quote = connection.ops.quote_name
    copied = [
        quote(f.column) for f in history._meta.concrete_fields if not f.name.startswith("history_")
    ]
    date = history._meta.get_field("history_date").get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):  # few enough parameters for SQLite
            chunk = ids[start : start + 500]
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(copied)}, "
                "history_date, history_change_reason, history_type, history_user_id) "
                f"SELECT {', '.join(copied)}, %s, %s, '+', %s "
                f"FROM {quote(model._meta.db_table)} "
                f"WHERE id IN ({', '.join(['%s'] * len(chunk))})",
                [date, HISTORY_REASON, user.pk if user else None, *chunk],
            )


class Batch:
    """Checked lines written together in one transaction."""

    def __init__(self) -> None:
        self.lines: list[Parsed] = []

    def resolve(self, errors: list[str]) -> list[tuple[Parsed, list, dict]]:
        """Look up the batch's actors and sources (a query each); lines that name an unknown
        or ambiguous one are reported in `errors` and dropped."""
        names = {name for line in self.lines for name, _, _ in line.participants if name}
        ids = {pk for line in self.lines for _, pk, _ in line.participants if pk}
        by_name: dict[str, list[Actor]] = defaultdict(list)
        by_id: dict[int, Actor] = {}
        for actor in Actor.objects.filter(name__in=names).only("id", "name", "country"):
            by_name[actor.name].append(actor)
        for actor in Actor.objects.filter(pk__in=ids).only("id", "name", "country"):
            by_id[actor.pk] = actor
        urls = {url for line in self.lines for url, *_ in line.citations}
        sources = {
            s.canonical_url: s
            for s in Source.objects.filter(canonical_url__in=urls).only(
                "id", "canonical_url", "text"
            )
        }
        resolved = []
        for line in self.lines:
            try:
                actors = [
                    self._actor(i, name, pk, by_name, by_id)
                    for i, (name, pk, _) in enumerate(line.participants)
                ]
                seen = set()
                for i, (actor, (_, _, role)) in enumerate(
                    zip(actors, line.participants, strict=True)
                ):
                    if (actor.pk, role) in seen:
                        raise LineError(
                            f"participants[{i}]: {actor.name} as {role} is listed twice"
                        )
                    seen.add((actor.pk, role))
                for i, (url, *_) in enumerate(line.citations):
                    if url not in sources:
                        raise LineError(
                            f"citations[{i}].source: no stored source has the URL {url}; "
                            "add the source first"
                        )
            except LineError as error:
                errors.append(f"line {line.number}: {error}")
                continue
            resolved.append((line, actors, sources))
        return resolved

    @staticmethod
    def _actor(i: int, name, pk, by_name, by_id) -> Actor:
        field = f"participants[{i}]"
        if pk is not None:
            if pk not in by_id:
                raise LineError(f"{field}.actor_id: no actor has the id {pk}")
            return by_id[pk]
        found = by_name.get(name, [])
        if not found:
            raise LineError(f"{field}.actor: no actor is named {name!r}")
        if len(found) > 1:
            ids = ", ".join(str(a.pk) for a in found[:5])
            raise LineError(
                f"{field}.actor: {len(found)} actors are named {name!r} (ids {ids}); "
                "give actor_id instead"
            )
        return found[0]

    def write(self, resolved, user, now) -> int:
        """Insert the claims and their parts with their history, in one transaction."""
        claims = [
            Claim(
                statement=line.statement,
                kind=line.kind,
                occurred_on=line.occurred_on,
                date_precision=line.date_precision,
                created_by=user,
            )
            for line, _, _ in resolved
        ]
        with transaction.atomic():
            Claim.objects.bulk_create(claims)
            participants, countries, citations = [], [], []
            for claim, (line, actors, sources) in zip(claims, resolved, strict=True):
                roles = [role for _, _, role in line.participants]
                for actor, role in zip(actors, roles, strict=True):
                    participants.append(ClaimActor(claim=claim, actor=actor, role=role))
                derived = derived_countries(
                    [(a.__dict__["country"], role) for a, role in zip(actors, roles, strict=True)]
                )
                rows = claim_country_rows(line.countries, derived)
                countries += [
                    ClaimCountry(claim=claim, country=code, role=role, derived=derived)
                    for (code, role), derived in rows.items()
                ]
                for url, quote, stance, note in line.citations:
                    citation = Citation(
                        claim=claim, source=sources[url], stance=stance, quote=quote, note=note,
                        created_by=user,
                    )  # fmt: skip
                    citation.anchor(sources[url].text)  # as Citation.save() does
                    citations.append(citation)
            for model, objects in (
                (ClaimActor, participants),
                (ClaimCountry, countries),
                (Citation, citations),
            ):
                model.objects.bulk_create(objects)
            for model, objects in (
                (Claim, claims),
                (ClaimActor, participants),
                (ClaimCountry, countries),
                (Citation, citations),
            ):
                _write_history(model, [o.pk for o in objects], user, now)
            # The search index over statements, participants' names and quotes.
            Claim.objects.filter(pk__in=[c.pk for c in claims]).refresh_search_vectors()
        return len(claims)


class Command(BaseCommand):
    help = (
        "Import claims from a JSON Lines file (one claim per line, with participants by actor "
        "name, countries and citations of stored sources), in batches, with history. Bad lines "
        "are reported by number and field and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A JSON Lines file; see the module docstring.")
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Claims per transaction (default 1000)."
        )
        parser.add_argument("--user", help="Username recorded as creator and in the history.")

    def handle(self, *args, file, batch_size, user, **options):
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1; got {batch_size}.")
        creator = None
        if user:
            creator = get_user_model().objects.filter(username=user).first()
            if creator is None:
                raise CommandError(f"--user: no user is named {user!r}.")
        try:
            source = open(file, "rb")  # noqa: SIM115 (decoded per line: a bad byte is one bad line)
        except OSError as exc:
            raise CommandError(f"file: cannot read {file}: {exc.strerror}") from None
        started = time.monotonic()
        now = timezone.now()
        errors: list[str] = []
        imported = 0
        batch = Batch()
        with source:
            for number, raw in enumerate(source, start=1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw.decode("utf-8"))
                    if not isinstance(record, dict):
                        raise LineError("give one JSON object per line")
                    batch.lines.append(Parsed(number, record))
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    errors.append(f"line {number}: not valid JSON ({exc})")
                except LineError as error:
                    errors.append(f"line {number}: {error}")
                if len(batch.lines) >= batch_size:
                    imported += batch.write(batch.resolve(errors), creator, now)
                    batch = Batch()
            if batch.lines:
                imported += batch.write(batch.resolve(errors), creator, now)
        # The triggers counted every claim as a change to the running totals: folded once.
        stats.compact()
        elapsed = time.monotonic() - started
        for error in errors:
            self.stderr.write(error)
        self.stdout.write(
            f"Imported {imported:,} claims in {elapsed:.2f}s "
            f"({imported / max(elapsed, 1e-9):,.0f} claims/s)"
            + (f"; skipped {len(errors):,} bad lines." if errors else ".")
        )
        if errors:
            raise CommandError(f"{len(errors)} line(s) of {file} were skipped; see above.")
