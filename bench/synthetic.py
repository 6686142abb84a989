"""Realistic synthetic claims, sources and actors at any scale, for benchmarks and demos.

The generator writes straight to the tables in batches (COPY on PostgreSQL, multi-row inserts
elsewhere), so it bypasses model save() and signals. It therefore fills in itself everything
those would: Claim.version, the derived ClaimCountry rows (the rules of sync_claim_countries),
citation offsets in the source text (what Citation.anchor() would find), Source.canonical_url and
text_sha256, and one "+" historical row per created object.

Determinism: claims are produced in blocks of BLOCK claims, each from its own
random.Random(f"{seed}/{block}"), and the reference data (publishers, actors, events) from
random.Random(f"{seed}/reference"). The same seed and claim count give the same data whatever
the batch size; only the keys, and the publisher domains and source URLs that embed them (to stay
unique beside data already stored), depend on what the database held before.
"""

import bisect
import contextlib
import datetime as dt
import hashlib
import itertools
import json
import random
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from queue import Empty, Queue

from django.db import connection, models, transaction
from django.utils import timezone
from django_countries import countries as all_countries

from claims.models import (
    PARTICIPANT_COUNTRY_ROLE,
    Actor,
    ActorKind,
    AnchoringState,
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    ClaimKind,
    ClaimStatus,
    CountryRole,
    DatePrecision,
    Event,
    EventKind,
    ParticipantRole,
    Stance,
    claim_country_rows,
    derived_countries,
)
from sources.anchoring import context_of
from sources.canonical import canonicalize_url
from sources.models import Publisher, PublisherKind, Source
from sources.validators import COUNTRY_CODES

BLOCK = 500
HISTORY_REASON = "generate_data"
FIRST_DAY = dt.date(1996, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)

# Models in the order they are written (foreign keys point backwards in this list).
MODELS: tuple[type[models.Model], ...] = (
    Publisher,
    Actor,
    Event,
    Source,
    Claim,
    ClaimActor,
    ClaimCountry,
    Citation,
)

# The countries a claims archive about the Maghreb and world affairs mentions most, in order;
# the remaining ISO codes follow in a seeded order. Weights fall off as 1 / rank ** ZIPF_S.
COUNTRY_HEAD = (
    "US", "MA", "FR", "ES", "DZ", "EH", "GB", "RU", "CN", "DE", "IL", "EG", "SA", "AE", "TR",
    "IR", "UA", "QA", "MR", "IT", "TN", "LY", "ML", "NE", "IN", "JP", "BR", "NG", "ZA", "SN",
)  # fmt: skip
ZIPF_S = 1.1

FIRST_NAMES = (
    "Amina", "Youssef", "Fatima", "Karim", "Leila", "Omar", "Sara", "Hassan", "Nadia", "Rachid",
    "John", "Mary", "Pierre", "Claire", "Juan", "Lucia", "Ivan", "Olga", "Wei", "Li", "Ahmed",
    "Mariam", "David", "Anna", "Mohamed", "Aicha", "Carlos", "Elena", "James", "Sophie",
)  # fmt: skip
LAST_NAMES = (
    "Benali", "El Amrani", "Tazi", "Bennani", "Alaoui", "Haddad", "Smith", "Johnson", "Dupont",
    "Martin", "Garcia", "Lopez", "Petrov", "Ivanova", "Wang", "Zhang", "Mansour", "Kaddouri",
    "Brown", "Miller", "Moreau", "Fernandez", "Sokolov", "Chen", "Ouali", "Rahmani", "Wilson",
)  # fmt: skip
PERSON_TITLES = (
    "Minister of Foreign Affairs", "Minister of Defence", "Ambassador", "President",
    "Prime Minister", "Spokesperson", "Chief of Staff", "Senator", "Special Envoy", "",
)  # fmt: skip
BODIES = (
    "Ministry of Foreign Affairs", "Ministry of Defence", "Parliament", "Foreign Office",
    "National Security Council", "Ministry of the Interior", "Armed Forces",
)  # fmt: skip
ORG_WORDS = ("Institute", "Foundation", "Council", "Alliance", "Union", "Agency", "Forum")
ORG_ADJECTIVES = ("Atlantic", "African", "Global", "Regional", "Sahel", "Mediterranean", "Arab")
PUBLISHER_WORDS = ("Times", "Herald", "Post", "Observer", "Tribune", "Daily", "Monitor", "Wire")
PUBLISHER_PLACES = ("Rabat", "Capital", "Atlas", "Coastal", "Northern", "Desert", "Harbour")
LOCATIONS = ("the capital", "Rabat", "Washington", "Geneva", "Brussels", "New York", "Dakhla")
TOPICS = (
    "security cooperation", "trade", "migration", "energy", "the autonomy plan", "counterterrorism",
    "fisheries", "water", "investment", "regional stability", "the ceasefire", "phosphates",
)  # fmt: skip
FILLERS = (
    "Officials did not respond to requests for comment on {topic}.",
    "The talks in {place} lasted several hours, according to people familiar with them.",
    "Analysts said the move reflected a broader shift in policy on {topic}.",
    "{person} declined to give further details about {topic}.",
    "The statement was published on the ministry's website late on {weekday}.",
    "Diplomats in {place} described the meeting as constructive.",
    "Critics questioned whether the announcement on {topic} would change anything in practice.",
    "The two delegations agreed to meet again in {place} next year.",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

KIND_WEIGHTS = {
    ClaimKind.RECOGNITION: 8, ClaimKind.ATTENDANCE: 8, ClaimKind.MEETING: 14, ClaimKind.OFFICE: 5,
    ClaimKind.AGREEMENT: 12, ClaimKind.ACQUISITION: 5, ClaimKind.MILITARY_COOPERATION: 8,
    ClaimKind.DIPLOMATIC_RELATIONS: 8, ClaimKind.STATEMENT: 27, ClaimKind.OTHER: 5,
}  # fmt: skip
STATUS_WEIGHTS = {
    ClaimStatus.UNVERIFIED: 40, ClaimStatus.IN_REVIEW: 10, ClaimStatus.CONFIRMED: 15,
    ClaimStatus.MOSTLY_TRUE: 8, ClaimStatus.MIXED: 7, ClaimStatus.MISLEADING: 7,
    ClaimStatus.FALSE: 8, ClaimStatus.UNVERIFIABLE: 5,
}  # fmt: skip
PRECISION_WEIGHTS = {
    DatePrecision.DAY: 60, DatePrecision.MONTH: 20, DatePrecision.YEAR: 10,
    DatePrecision.UNKNOWN: 10,
}  # fmt: skip
ACTOR_KIND_WEIGHTS = {
    ActorKind.PERSON: 55, ActorKind.GOVERNMENT_BODY: 15, ActorKind.ORGANIZATION: 15,
    ActorKind.ARMED_GROUP: 5, ActorKind.OTHER: 10,
}  # fmt: skip
STANCE_WEIGHTS = {Stance.SUPPORTS: 70, Stance.MENTIONS: 15, Stance.REFUTES: 12, Stance.RETRACTS: 3}
MEETING_KINDS = {ClaimKind.ATTENDANCE, ClaimKind.MEETING}

STATEMENTS = {
    ClaimKind.RECOGNITION: "{a} recognised {c}'s sovereignty over {t} {when}.",
    ClaimKind.ATTENDANCE: "{a} attended {e} in {p} {when}.",
    ClaimKind.MEETING: "{a} met {b} in {p} to discuss {topic} {when}.",
    ClaimKind.OFFICE: "{a} served as {title} of {c} {when}.",
    ClaimKind.AGREEMENT: "{a} and {b} signed an agreement on {topic} {when}.",
    ClaimKind.ACQUISITION: "{a} bought {n} drones from {b} {when}.",
    ClaimKind.MILITARY_COOPERATION: "{a} held joint military exercises with {b} {when}.",
    ClaimKind.DIPLOMATIC_RELATIONS: "{a} restored diplomatic relations with {b} {when}.",
    ClaimKind.STATEMENT: "{a} said that {c} supports {topic} {when}.",
    ClaimKind.OTHER: "{a} announced new measures on {topic} affecting {c} {when}.",
}


def _weighted(weights: dict) -> tuple[list, list[float]]:
    return list(weights), list(itertools.accumulate(weights.values()))


def _when(day: dt.date | None, precision: str) -> str:
    if day is None or precision == DatePrecision.UNKNOWN:
        return "recently"
    if precision == DatePrecision.YEAR:
        return f"in {day.year}"
    if precision == DatePrecision.MONTH:
        return f"in {day:%B %Y}"
    return f"on {day:%d %B %Y}".replace(" 0", " ")


def _truncate(day: dt.date, precision: str) -> dt.date:
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    return day


@dataclass
class Batch:
    """The rows of one batch, per model, as tuples in the model's COLUMNS order."""

    rows: dict[type[models.Model], list[tuple]] = field(
        default_factory=lambda: {model: [] for model in MODELS}
    )

    def count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    Publisher: ("id", "name", "domain", "country", "kind", "url", "wikidata_qid"),
    Actor: ("id", "name", "kind", "country", "title", "aliases", "wikidata_qid", "description"),
    Event: (
        "id", "name", "kind", "starts_on", "ends_on", "date_precision", "location", "country",
    ),
    Source: (
        "id", "url", "canonical_url", "title", "publisher_id", "authors", "language",
        "published_at", "retrieved_at", "text", "text_sha256", "archive_url", "created_by_id",
        "created_at", "updated_at",
    ),
    Claim: (
        "id", "statement", "kind", "status", "event_id", "occurred_on", "date_precision",
        "created_by_id", "created_at", "updated_at", "version",
    ),
    ClaimActor: ("id", "claim_id", "actor_id", "role"),
    ClaimCountry: ("id", "claim_id", "country", "role", "derived"),
    Citation: (
        "id", "claim_id", "source_id", "stance", "quote", "prefix", "suffix", "start", "end",
        "anchoring", "anchor_score", "note", "created_by_id", "created_at", "updated_at",
    ),
}  # fmt: skip


class Writer:
    """Writes batches of rows with multi-row INSERTs; works on every database Django supports."""

    # Whether keys may be reserved from another connection (a thread generating ahead).
    concurrent_keys = False

    def __init__(self, *, history: bool) -> None:
        self.history = history
        self.now = timezone.now()
        self.next_id: dict = {}

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        """Primary keys for `count` new rows: after the largest stored one (a single writer)."""
        if model not in self.next_id:
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT MAX(id) FROM {table}")
                self.next_id[model] = (cursor.fetchone()[0] or 0) + 1
        start = self.next_id[model]
        self.next_id[model] += count
        return list(range(start, start + count))

    def write(self, model: type[models.Model], rows: list[tuple]) -> None:
        if not rows:
            return
        fields = [model._meta.get_field(name) for name in COLUMNS[model]]
        prepared = [
            tuple(
                f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=True)
            )
            for row in rows
        ]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)
        if self.history:
            self.write_history(model, [row[0] for row in rows])

    def write_history(self, model: type[models.Model], ids: list[int]) -> None:
        """One "+" historical row per new object, copied from the rows just written."""
        history_model = model.history.model
        quote = connection.ops.quote_name
        copied = [
            quote(f.column)
            for f in history_model._meta.concrete_fields
            if not f.name.startswith("history_")
        ]
        sql = (
            f"INSERT INTO {quote(history_model._meta.db_table)} ({', '.join(copied)}, "
            "history_date, history_change_reason, history_type, history_user_id) "
            f"SELECT {', '.join(copied)}, %s, %s, '+', NULL "
            f"FROM {quote(model._meta.db_table)} WHERE {self._id_condition(ids)}"
        )
        history_date = history_model._meta.get_field("history_date").get_db_prep_save(
            self.now, connection
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [history_date, HISTORY_REASON, *self._id_params(ids)])

    def _id_condition(self, ids: list[int]) -> str:
        return "id BETWEEN %s AND %s"

    def _id_params(self, ids: list[int]) -> list:
        # reserve_ids hands out consecutive keys, so the range is exactly these rows.
        return [ids[0], ids[-1]]

    def finish(self) -> None:
        """Called once after the last batch."""


class PostgresWriter(Writer):
    """Writes with COPY, draws keys from the tables' own sequences (safe beside live traffic)."""

    concurrent_keys = True  # sequences are shared by every connection

    POOL = 20_000

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        # Keys come from a pool drawn from the sequence in large chunks (one round trip per
        # chunk, not per block); keys left in the pool at the end are a harmless gap.
        pool = self.next_id.setdefault(model, [])
        if len(pool) < count:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [model._meta.db_table, max(count, self.POOL)],
                )
                pool.extend(sorted(row[0] for row in cursor.fetchall()))
        taken, pool[:] = pool[:count], pool[count:]
        return taken

    def write(self, model: type[models.Model], rows: list[tuple]) -> None:
        if not rows:
            return
        fields = [model._meta.get_field(name) for name in COLUMNS[model]]
        json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        columns = ", ".join(f'"{f.column}"' for f in fields)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = json.dumps(row[i])
                    copy.write_row(row)
        if self.history:
            self.write_history(model, [row[0] for row in rows])

    def _id_condition(self, ids: list[int]) -> str:
        return "id = ANY(%s)"

    def _id_params(self, ids: list[int]) -> list:
        return [ids]

    def finish(self) -> None:
        # Fresh planner statistics: the benchmark reads right after generating.
        tables = [m._meta.db_table for m in MODELS]
        if self.history:
            tables += [m.history.model._meta.db_table for m in MODELS]
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(f'"{t}"' for t in tables))


def writer_for_connection(*, history: bool) -> Writer:
    if connection.vendor == "postgresql":
        return PostgresWriter(history=history)
    return Writer(history=history)


def _ahead(items: Iterator, depth: int = 1) -> Iterator:
    """Iterate `items` in a thread, up to `depth` items ahead of the consumer.

    Generating the next batch in Python overlaps with the database writing this one: psycopg
    releases the GIL while it waits. The thread's own database connection (for keys) is closed
    when it ends.
    """
    queue: Queue = Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                queue.put(item)
            queue.put(done)
        except BaseException as error:  # handed to the consumer, raised there
            queue.put(error)
        finally:
            connection.close()

    thread = threading.Thread(target=produce, name="generate_data", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get(timeout=0.1)


class Zipf:
    """Draws items with weights 1 / rank ** s: a few very common, a long tail."""

    def __init__(self, items: Sequence, s: float = ZIPF_S) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(1 / (rank**s) for rank in range(1, len(items) + 1)))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass
class Reference:
    """Publishers, actors and events every block draws from (small: claims / 20 actors)."""

    publisher_ids: list[int]
    publisher_domains: list[str]
    actor_ids: list[int]
    actor_names: list[str]
    actor_titles: list[str]
    actor_countries: list[str]
    event_ids: list[int]
    event_names: list[str]
    event_days: list[dt.date | None]
    event_precisions: list[str]
    event_countries: list[str]
    event_locations: list[str]


def sizes(claims: int) -> dict[str, int]:
    """How many reference objects go with a number of claims."""
    return {
        "publishers": min(2000, max(10, claims // 500)),
        "actors": max(60, claims // 20),
        "events": max(10, claims // 50),
    }


class Generator:
    """Produces and writes synthetic data for `claims` claims, in batches."""

    def __init__(
        self,
        *,
        claims: int,
        seed: int,
        batch_size: int,
        writer: Writer,
        progress: Callable[[int, int, int], None] | None = None,
    ) -> None:
        self.claims = claims
        self.seed = seed
        self.blocks_per_batch = max(1, batch_size // BLOCK)
        self.writer = writer
        self.progress = progress or (lambda done, total, rows: None)
        self.rows_written = 0
        codes = list(COUNTRY_CODES)
        tail = sorted(set(codes) - set(COUNTRY_HEAD))
        random.Random(f"{seed}/countries").shuffle(tail)
        self.countries = Zipf([*COUNTRY_HEAD, *tail])
        self.country_names = {code: str(all_countries.name(code)) for code in codes}
        self.kinds = _weighted(KIND_WEIGHTS)
        self.statuses = _weighted(STATUS_WEIGHTS)
        self.precisions = _weighted(PRECISION_WEIGHTS)
        self.stances = _weighted(STANCE_WEIGHTS)
        self.actor_kinds = _weighted(ACTOR_KIND_WEIGHTS)
        self.day_span = (LAST_DAY - FIRST_DAY).days

    # --- running ---------------------------------------------------------------------------

    def run(self) -> int:
        """Write everything; returns the number of rows written (history rows not counted)."""
        with transaction.atomic():
            self.reference = self._write_reference()
        self.actor_pick = Zipf(range(len(self.reference.actor_ids)), s=0.8)
        batches = self._batches()
        # Not inside a caller's transaction: its locks (a TRUNCATE, say) could make the
        # thread's own connection wait for a commit that waits for the thread.
        if self.writer.concurrent_keys and not connection.in_atomic_block:
            batches = _ahead(batches)
        for batch, done in batches:
            # One transaction per batch: an interrupted run leaves whole claims only.
            with transaction.atomic():
                self._write(batch)
            self.progress(done, self.claims, self.rows_written)
        self.writer.finish()
        return self.rows_written

    def _batches(self) -> Iterator[tuple[Batch, int]]:
        """The batches of claims, each with the number of claims made so far."""
        blocks = range((self.claims + BLOCK - 1) // BLOCK)
        done = 0
        for start in range(0, len(blocks), self.blocks_per_batch):
            batch = Batch()
            for block in blocks[start : start + self.blocks_per_batch]:
                size = min(BLOCK, self.claims - block * BLOCK)
                self._make_block(random.Random(f"{self.seed}/{block}"), size, batch)
                done += size
            yield batch, done

    def _write(self, batch: Batch) -> None:
        for model in MODELS:
            self.writer.write(model, batch.rows[model])
            self.rows_written += len(batch.rows[model])
        claim_ids = [row[0] for row in batch.rows[Claim]]
        if claim_ids and hasattr(Claim.objects.none(), "refresh_search_vectors"):
            # What the claims.signals receivers would do per row, once for the whole batch.
            Claim.objects.filter(pk__in=claim_ids).refresh_search_vectors()

    def _ids(self, model: type[models.Model], count: int) -> list[int]:
        return self.writer.reserve_ids(model, count) if count else []

    def _day(self, rng: random.Random) -> dt.date:
        return FIRST_DAY + dt.timedelta(days=rng.randrange(self.day_span + 1))

    def _moment(self, rng: random.Random, day: dt.date | None) -> dt.datetime:
        """When a record about something that happened on `day` was entered."""
        base = day or self._day(rng)
        delay = dt.timedelta(days=rng.randrange(30), seconds=rng.randrange(86400))
        return dt.datetime.combine(base, dt.time(), tzinfo=dt.UTC) + delay

    def _person(self, rng: random.Random) -> str:
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"

    # --- reference data --------------------------------------------------------------------

    def _write_reference(self) -> Reference:
        rng = random.Random(f"{self.seed}/reference")
        count = sizes(self.claims)
        batch = Batch()

        publisher_ids = self._ids(Publisher, count["publishers"])
        domains = []
        for pid in publisher_ids:
            name = f"The {rng.choice(PUBLISHER_PLACES)} {rng.choice(PUBLISHER_WORDS)}"
            # The id keeps domains unique beside any publishers already stored.
            domain = f"{name[4:].lower().replace(' ', '-')}-{pid}.example"
            domains.append(domain)
            kind = rng.choices(PublisherKind.values, k=1)[0]
            batch.rows[Publisher].append(
                (pid, name, domain, self.countries.draw(rng), kind, f"https://{domain}/", "")
            )

        actor_ids = self._ids(Actor, count["actors"])
        names, titles, actor_countries = [], [], []
        # The most mentioned countries appear as state actors; the rest are people and bodies.
        states = iter(self.countries.items[: min(60, len(actor_ids) // 10)])
        kinds, cum = self.actor_kinds
        every_kind = iter(kinds)  # even a small run has every kind of actor
        for aid in actor_ids:
            state = next(states, None)
            kind = (
                ActorKind.STATE
                if state
                else next(every_kind, None) or rng.choices(kinds, cum_weights=cum)[0]
            )
            country = state or self.countries.draw(rng)
            title = ""
            if kind == ActorKind.STATE:
                name = self.country_names[country]
            elif kind == ActorKind.PERSON:
                name, title = self._person(rng), rng.choice(PERSON_TITLES)
            elif kind == ActorKind.GOVERNMENT_BODY:
                name = f"{rng.choice(BODIES)} of {self.country_names[country]}"
            elif kind == ActorKind.ARMED_GROUP:
                name = f"{rng.choice(ORG_ADJECTIVES)} Liberation Front"
            else:
                name = f"{rng.choice(ORG_ADJECTIVES)} {rng.choice(ORG_WORDS)}"
                # International organisations belong to no one country.
                country = "" if rng.random() < 0.5 else country
            names.append(name)
            titles.append(title)
            actor_countries.append(country)
            batch.rows[Actor].append((aid, name, kind, country, title, [], "", ""))

        event_ids = self._ids(Event, count["events"])
        event_names, days, precisions, event_countries, locations = [], [], [], [], []
        for number, eid in enumerate(event_ids, start=1):
            kind = rng.choice(EventKind.values)
            precision = rng.choices(*self.precisions)[0]
            day = (
                None if precision == DatePrecision.UNKNOWN else _truncate(self._day(rng), precision)
            )
            ends = day + dt.timedelta(days=rng.randrange(4)) if day and precision == "day" else None
            country = self.countries.draw(rng) if rng.random() < 0.85 else ""
            location = rng.choice(LOCATIONS) if country else ""
            name = f"{kind.replace('_', ' ').title()} on {rng.choice(TOPICS)} #{number}"
            event_names.append(name)
            days.append(day)
            precisions.append(precision)
            event_countries.append(country)
            locations.append(location)
            batch.rows[Event].append((eid, name, kind, day, ends, precision, location, country))

        self._write(batch)
        return Reference(
            publisher_ids, domains, actor_ids, names, titles, actor_countries,
            event_ids, event_names, days, precisions, event_countries, locations,
        )  # fmt: skip

    # --- claims ----------------------------------------------------------------------------

    def _make_block(self, rng: random.Random, size: int, batch: Batch) -> None:
        ref = self.reference
        claim_ids = self._ids(Claim, size)
        # About one source per four claims; each source is cited ~5 times within its block.
        source_count = max(1, size // 4)
        source_quotes: list[list[tuple[int, str]]] = [[] for _ in range(source_count)]
        source_days: list[dt.date | None] = [None] * source_count
        participants, countries, citations = [], [], []

        for claim_id in claim_ids:
            kind = rng.choices(*self.kinds)[0]
            status = rng.choices(*self.statuses)[0]
            event_index = rng.randrange(len(ref.event_ids)) if rng.random() < 0.3 else None
            if event_index is not None:
                day, precision = ref.event_days[event_index], ref.event_precisions[event_index]
            else:
                precision = rng.choices(*self.precisions)[0]
                day = None if precision == "unknown" else _truncate(self._day(rng), precision)

            # ~1.5 participants: distinct actors, the first the subject (or the claimant).
            n_participants = 1 + (rng.random() < 0.45) + (rng.random() < 0.05)
            actors: list[int] = []
            while len(actors) < n_participants:
                pick = self.actor_pick.draw(rng)
                if pick not in actors:
                    actors.append(pick)
            roles = [ParticipantRole.SUBJECT if rng.random() < 0.9 else ParticipantRole.CLAIMANT]
            for _ in actors[1:]:
                if kind in MEETING_KINDS:
                    roles.append(rng.choice((ParticipantRole.ATTENDEE, ParticipantRole.HOST)))
                else:
                    roles.append(ParticipantRole.OBJECT)
            if kind in MEETING_KINDS and roles[0] == ParticipantRole.SUBJECT:
                roles[0] = ParticipantRole.ATTENDEE
            # In the order the API writes them (ClaimSerializer: by actor id, then role).
            for actor_id, role in sorted(
                (ref.actor_ids[actor], role) for actor, role in zip(actors, roles, strict=True)
            ):
                participants.append([claim_id, actor_id, role])

            # Hand-entered countries (about half the claims), then the derived ones, by the
            # application's rules (claims.models.derived_countries, claim_country_rows).
            hand: list[tuple[str, str]] = []
            territory = self.countries.draw(rng)
            if rng.random() < 0.45:
                role = (
                    CountryRole.TERRITORY
                    if kind == ClaimKind.RECOGNITION
                    else rng.choice((CountryRole.MENTIONED, CountryRole.TERRITORY))
                )
                hand.append((territory, role))
            first_country = ref.actor_countries[actors[0]]
            if first_country and roles[0] in PARTICIPANT_COUNTRY_ROLE and rng.random() < 0.05:
                hand.append((first_country, PARTICIPANT_COUNTRY_ROLE[roles[0]]))
            derived = derived_countries(
                [(ref.actor_countries[a], role) for a, role in zip(actors, roles, strict=True)],
                ref.event_countries[event_index] if event_index is not None else "",
            )
            for (country, role), is_derived in claim_country_rows(hand, derived).items():
                countries.append([claim_id, country, role, is_derived])

            names = [ref.actor_names[a] for a in actors]
            statement = STATEMENTS[kind].format(
                a=names[0],
                b=names[1] if len(names) > 1 else self.country_names[self.countries.draw(rng)],
                c=self.country_names[first_country or territory],
                t=self.country_names[territory],
                e=ref.event_names[event_index] if event_index is not None else "a summit",
                p=(ref.event_locations[event_index] if event_index is not None else "")
                or rng.choice(LOCATIONS),
                title=ref.actor_titles[actors[0]] or "envoy",
                topic=rng.choice(TOPICS),
                n=rng.randrange(2, 40),
                when=_when(day, precision),
            )
            created = self._moment(rng, day)
            batch.rows[Claim].append(
                (claim_id, statement, kind, status, ref.event_ids[event_index]
                 if event_index is not None else None, day, precision, None, created, created, 1)
            )  # fmt: skip

            # ~1.3 citations, each quoting the statement from a different source of the block.
            n_citations = 1 + (rng.random() < 0.25) + (rng.random() < 0.05)
            for source in rng.sample(range(source_count), min(n_citations, source_count)):
                stance = rng.choices(*self.stances)[0]
                source_quotes[source].append((len(citations), statement))
                source_days[source] = source_days[source] or day
                citations.append([claim_id, source, stance, statement, created])

        # Sources: filler sentences around the quotes; offsets are computed while joining.
        source_ids = self._ids(Source, source_count)
        spans: dict[int, tuple[int, int, str, str]] = {}
        for index, source_id in enumerate(source_ids):
            # Two claims with the same words cited from one source share one occurrence.
            quotes = list(dict.fromkeys(quote for _, quote in source_quotes[index]))
            fillers = [
                rng.choice(FILLERS).format(
                    topic=rng.choice(TOPICS), place=rng.choice(LOCATIONS),
                    person=self._person(rng), weekday=rng.choice(WEEKDAYS),
                )
                for _ in range(rng.randint(2, 5))
            ]  # fmt: skip
            parts = quotes + fillers
            rng.shuffle(parts)
            text = " ".join(parts)
            starts, position = {}, 0
            for part in parts:
                starts.setdefault(part, position)
                position += len(part) + 1
            for citation_index, quote in source_quotes[index]:
                start = starts[quote]
                spans[citation_index] = (
                    start,
                    start + len(quote),
                    *context_of(text, start, start + len(quote)),
                )

            publisher = rng.randrange(len(ref.publisher_ids))
            day = source_days[index] or self._day(rng)
            published = self._moment(rng, day)
            title = (quotes or parts)[0][:120]
            slug = re.sub(r"[^a-z0-9]+", "-", title[:40].lower()).strip("-") or "article"
            url = f"https://www.{ref.publisher_domains[publisher]}/{day:%Y/%m}/{slug}-{source_id}"
            batch.rows[Source].append(
                (source_id, url, canonicalize_url(url), title,
                 ref.publisher_ids[publisher], self._person(rng), "en", published,
                 published, text, hashlib.sha256(text.encode()).hexdigest(), "", None,
                 published, published)
            )  # fmt: skip

        for row, pk in zip(participants, self._ids(ClaimActor, len(participants)), strict=True):
            batch.rows[ClaimActor].append((pk, *row))
        for row, pk in zip(countries, self._ids(ClaimCountry, len(countries)), strict=True):
            batch.rows[ClaimCountry].append((pk, *row))
        for index, (row, pk) in enumerate(
            zip(citations, self._ids(Citation, len(citations)), strict=True)
        ):
            claim_id, source, stance, quote, created = row
            start, end, prefix, suffix = spans[index]
            batch.rows[Citation].append(
                (pk, claim_id, source_ids[source], stance, quote, prefix, suffix, start, end,
                 AnchoringState.EXACT, 1.0, "", None, created, created)
            )  # fmt: skip


def table_counts(models_: Iterable[type[models.Model]] = MODELS) -> dict[str, int]:
    return {m._meta.db_table: m._default_manager.count() for m in models_}
