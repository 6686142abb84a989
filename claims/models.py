import datetime

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connections, models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce, Concat, Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from claimtrack.exceptions import ConflictError
from sources.anchoring import Anchoring as AnchorState
from sources.anchoring import anchor_quote
from sources.canonical import canonicalize_url, unwrap_archive_url
from sources.models import Source
from sources.validators import (
    COUNTRY_CODES,
    LANGUAGE_TAG_MAX_LENGTH,
    optional_country_q,
    optional_qid_q,
    validate_wikidata_qid,
)

STATEMENT_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 20_000

# Every name and alias of every actor is searched for in every text (sources.mentions): these
# caps keep that automaton, and so the cost of a text's mentions, bounded.
ACTOR_MAX_ALIASES = 25
ACTOR_ALIAS_MAX_LENGTH = 100
# English stemming: "sovereignty" finds "sovereign"; names pass through unchanged.
SEARCH_CONFIG = "english"


def _choice_check(field: str, choices: type[models.TextChoices]) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}),
        name=f"%(app_label)s_%(class)s_{field}_valid",
    )


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    UNKNOWN = "unknown", "Unknown"


class ActorKind(models.TextChoices):
    PERSON = "person", "Person"
    STATE = "state", "State"
    GOVERNMENT_BODY = "government_body", "Government body"
    ORGANIZATION = "organization", "Organization"
    ARMED_GROUP = "armed_group", "Armed group"
    OTHER = "other", "Other"


class Actor(models.Model):
    """A person, state, body or group that claims are about."""

    Kind = ActorKind

    name = models.CharField(max_length=300, db_index=True)
    kind = models.CharField(max_length=20, choices=ActorKind.choices)
    country = CountryField(blank=True, help_text="The country the actor belongs to or represents.")
    title = models.CharField(
        max_length=300, blank=True, help_text='Office or role, e.g. "Director of the CIA".'
    )
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other names, a list of strings."
    )
    wikidata_qid = models.CharField(
        "Wikidata QID", max_length=20, blank=True, validators=[validate_wikidata_qid]
    )
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            _choice_check("kind", ActorKind),
            models.CheckConstraint(
                condition=optional_country_q("country"),
                name="%(app_label)s_%(class)s_country_valid",
            ),
            models.CheckConstraint(
                condition=optional_qid_q("wikidata_qid"),
                name="%(app_label)s_%(class)s_wikidata_qid_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name

    def clean(self) -> None:
        if not isinstance(self.aliases, list) or not all(
            isinstance(alias, str) and alias.strip() for alias in self.aliases
        ):
            raise ValidationError({"aliases": "Give a list of non-empty names."})
        if len(self.aliases) > ACTOR_MAX_ALIASES:
            raise ValidationError(
                {
                    "aliases": f"Give at most {ACTOR_MAX_ALIASES} aliases "
                    f"({len(self.aliases)} given)."
                }
            )
        if too_long := [alias for alias in self.aliases if len(alias) > ACTOR_ALIAS_MAX_LENGTH]:
            raise ValidationError(
                {
                    "aliases": f"An alias may have at most {ACTOR_ALIAS_MAX_LENGTH} characters: "
                    f"{too_long[0][:40]!r}… has {len(too_long[0])}."
                }
            )


class EventKind(models.TextChoices):
    MEETING = "meeting", "Meeting"
    VISIT = "visit", "Visit"
    SUMMIT = "summit", "Summit"
    EXERCISE = "exercise", "Exercise"
    SIGNING = "signing", "Signing"
    OTHER = "other", "Other"


class Event(models.Model):
    """Something that happened which several claims describe: a meeting, a visit, an exercise."""

    Kind = EventKind

    name = models.CharField(max_length=300, db_index=True)
    kind = models.CharField(max_length=20, choices=EventKind.choices, default=EventKind.OTHER)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    date_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, default=DatePrecision.UNKNOWN
    )
    location = models.CharField(max_length=300, blank=True)
    country = CountryField(blank=True, help_text="Where it took place.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            _choice_check("kind", EventKind),
            _choice_check("date_precision", DatePrecision),
            models.CheckConstraint(
                condition=optional_country_q("country"),
                name="%(app_label)s_%(class)s_country_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="%(app_label)s_%(class)s_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _text_or_empty(expression):
    return Coalesce(expression, Value(""), output_field=TextField())


class ClaimQuerySet(models.QuerySet):
    def for_country(self, *codes: str, roles: list[str] | None = None) -> "ClaimQuerySet":
        """Claims that concern any of the given alpha-2 codes (optionally in the given roles)."""
        rows = ClaimCountry.objects.filter(country__in=[c.upper() for c in codes])
        if roles:
            rows = rows.filter(role__in=roles)
        return self.filter(pk__in=rows.values("claim_id"))

    def search(self, text: str, *, ranked: int | None = None) -> "ClaimQuerySet":
        """Claims whose statement, participants' names or citation quotes match `text`.

        PostgreSQL: full-text search on `search_vector` (GIN index), annotated with `rank`.
        With `ranked=N`, only the newest N matches are kept, for ordering by rank: ranking
        reads every candidate's vector, so a broad word (45,000 matches at 1M claims) would
        cost hundreds of milliseconds; the newest N are found walking the claims from the
        newest, or from the index when there are few matches (PostgreSQL's choice).
        Elsewhere: every word must appear (any case) in one of those places.
        """
        if connections[self.db].vendor == "postgresql":
            query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
            matches = self.filter(search_vector=query)
            if ranked is not None:
                newest = matches.order_by("-pk").values("pk")[:ranked]
                # A fresh queryset: this one's filters are inside `newest` already (repeated
                # outside, a country's filter would be planned over all its rows).
                matches = self.model._default_manager.using(self.db).filter(pk__in=newest)
                fields, deferring = self.query.deferred_loading
                if fields and not deferring:  # keep an only()
                    matches = matches.only(*fields)
            # ts_rank is a `real`; as double precision it reaches Python (and a page's cursor)
            # exactly, so the next page's `rank < cursor` does not find the same rows again.
            return matches.annotate(
                rank=Cast(SearchRank(F("search_vector"), query), models.FloatField())
            )
        queryset = self
        for word in text.split():
            queryset = queryset.filter(
                Q(statement__icontains=word)
                | Exists(
                    ClaimActor.objects.filter(claim=OuterRef("pk")).filter(
                        Q(actor__name__icontains=word) | Q(actor__aliases__icontains=word)
                    )
                )
                | Exists(Citation.objects.filter(claim=OuterRef("pk"), quote__icontains=word))
            )
        return queryset

    def refresh_search_vectors(self) -> None:
        """Recompute `search_vector` for these claims (PostgreSQL only; a no-op elsewhere)."""
        if connections[self.db].vendor != "postgresql":
            return
        names = (
            ClaimActor.objects.filter(claim=OuterRef("pk"))
            .order_by()
            .values("claim")
            .annotate(
                text=StringAgg(
                    Concat(
                        "actor__name",
                        Value(" "),
                        "actor__title",
                        Value(" "),
                        Cast("actor__aliases", TextField()),
                        output_field=TextField(),
                    ),
                    " ",
                )
            )
            .values("text")
        )
        quotes = (
            Citation.objects.filter(claim=OuterRef("pk"))
            .order_by()
            .values("claim")
            .annotate(text=StringAgg("quote", " "))
            .values("text")
        )
        self.update(
            search_vector=SearchVector("statement", weight="A", config=SEARCH_CONFIG)
            + SearchVector(_text_or_empty(Subquery(names)), weight="B", config=SEARCH_CONFIG)
            + SearchVector(_text_or_empty(Subquery(quotes)), weight="C", config=SEARCH_CONFIG)
        )

    def dates(self, field_name, kind, order="ASC"):
        # The admin's date hierarchy asks for the years of all claims: on PostgreSQL, walk the
        # occurred_on index year by year (a few dozen probes) instead of reading every claim.
        unfiltered = not self.query.where and connections[self.db].vendor == "postgresql"
        if field_name != "occurred_on" or kind != "year" or not unfiltered:
            return super().dates(field_name, kind, order)
        table = connections[self.db].ops.quote_name(self.model._meta.db_table)
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"""WITH RECURSIVE years AS (
                      SELECT min(occurred_on) AS day FROM {table}
                      UNION ALL
                      SELECT (SELECT min(occurred_on) FROM {table} WHERE occurred_on >=
                              make_date(extract(year FROM years.day)::int + 1, 1, 1))
                      FROM years WHERE years.day IS NOT NULL)
                    SELECT day FROM years WHERE day IS NOT NULL"""
            )
            years = [datetime.date(day.year, 1, 1) for (day,) in cursor.fetchall()]
        return years if order == "ASC" else years[::-1]

    def with_list_relations(self) -> "ClaimQuerySet":
        """Everything a list or detail representation shows, in a fixed number of queries."""
        return self.select_related("event").prefetch_related(
            models.Prefetch("countries", queryset=ClaimCountry.objects.order_by("country", "role")),
            models.Prefetch(
                "participants",
                queryset=ClaimActor.objects.select_related("actor").order_by("id"),
            ),
            models.Prefetch(
                "citations",
                queryset=Citation.objects.select_related("source").order_by("id"),
            ),
        )


class ClaimKind(models.TextChoices):
    RECOGNITION = "recognition", "Recognition (of sovereignty, a state, a government)"
    ATTENDANCE = "attendance", "Attendance"
    MEETING = "meeting", "Meeting"
    OFFICE = "office", "Office held"
    AGREEMENT = "agreement", "Agreement or endorsement"
    ACQUISITION = "acquisition", "Acquisition"
    MILITARY_COOPERATION = "military_cooperation", "Military cooperation"
    DIPLOMATIC_RELATIONS = "diplomatic_relations", "Diplomatic relations"
    STATEMENT = "statement", "Statement"
    OTHER = "other", "Other"


class ClaimStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    IN_REVIEW = "in_review", "In review"
    CONFIRMED = "confirmed", "True"
    MOSTLY_TRUE = "mostly_true", "Mostly true"
    MIXED = "mixed", "Mixed"
    MISLEADING = "misleading", "Misleading"
    FALSE = "false", "False"
    UNVERIFIABLE = "unverifiable", "Unverifiable"


class Topic(models.Model):
    """A question countries take positions on, e.g. "Sovereignty over Western Sahara"."""

    slug = models.SlugField(max_length=100, unique=True)
    question = models.CharField(max_length=300, help_text="The question, in plain words.")
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "id"]

    def __str__(self) -> str:
        return self.question


# A map tells this many positions apart by colour (claims.maps.PALETTE).
TOPIC_MAX_POSITIONS = 6


class TopicPosition(models.Model):
    """One answer in a topic's ordered vocabulary, e.g. "Recognises Moroccan sovereignty"."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="positions")
    key = models.SlugField(max_length=50, help_text="A short stable name, e.g. recognises-ma.")
    label = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0, help_text="Its place in the legend.")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "position"
        ordering = ["topic", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "key"], name="%(app_label)s_%(class)s_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic}: {self.label}"


def claim_path(pk: int) -> str:
    """A claim's public page (claims.public, the ClaimReview `url`): a fixed path, built
    without a URL lookup for pages that list hundreds of claims."""
    return f"/claims/{pk}/"


class Claim(models.Model):
    """One atomic, checkable assertion."""

    Kind = ClaimKind
    Status = ClaimStatus

    statement = models.TextField(
        max_length=STATEMENT_MAX_LENGTH,
        validators=[MaxLengthValidator(STATEMENT_MAX_LENGTH)],
        help_text="One checkable assertion, in plain words.",
    )
    kind = models.CharField(max_length=30, choices=ClaimKind.choices, db_index=True)
    status = models.CharField(
        max_length=20,
        choices=ClaimStatus.choices,
        default=ClaimStatus.UNVERIFIED,
        db_index=True,
        editable=False,
        help_text="Changed only by the review workflow.",
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims"
    )
    # PROTECT: a position that claims state cannot vanish from under them.
    position = models.ForeignKey(
        TopicPosition,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text="The position on a topic this claim states for its subject country, from "
        "its date on (claims.positions).",
    )
    occurred_on = models.DateField(null=True, blank=True, db_index=True)
    date_precision = models.CharField(
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.UNKNOWN,
        help_text='How precisely occurred_on is known ("recently" is unknown).',
    )
    # db_default: rows written by raw SQL (bulk generators, imports) get the default too.
    note = models.TextField(
        blank=True,
        db_default="",
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH)],
        help_text="A working note for the team. Not part of what the claim asserts: editing it "
        "never touches a verdict.",
    )
    needs_rereview = models.BooleanField(
        "needs re-review",
        default=False,
        db_default=False,
        editable=False,
        help_text="Evidence the verdict relied on moved in its source since; a reviewer should "
        "decide again (cleared by the next verdict).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Statement, participants' names and quotes, weighted A/B/C; kept current by claims.signals.
    # PostgreSQL only (GIN index added in the migration); empty on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    history = HistoricalRecords(excluded_fields=["version", "updated_at", "search_vector"])
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            _choice_check("kind", ClaimKind),
            _choice_check("status", ClaimStatus),
            _choice_check("date_precision", DatePrecision),
            models.CheckConstraint(
                condition=~Q(statement=""), name="%(app_label)s_%(class)s_statement_not_empty"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("statement"), STATEMENT_MAX_LENGTH),
                name="%(app_label)s_%(class)s_statement_max_length",
            ),
        ]
        indexes = [
            # `?needs_rereview=true` and the admin's filter: the few flagged claims, found
            # without reading the others.
            models.Index(
                fields=["id"],
                condition=Q(needs_rereview=True),
                name="claims_claim_needs_rereview",
            ),
        ]

    def __str__(self) -> str:
        return self.statement if len(self.statement) <= 80 else f"{self.statement[:79]}…"

    def save(self, *args, **kwargs):
        # The review workflow (claims.workflow.claim_review) is the one way to change a status.
        loaded = getattr(self, "_loaded_status", None)
        if loaded is not None and self.status != loaded:
            if not getattr(self, "status_change_allowed", False):
                raise ValidationError(
                    {"status": "Only the review workflow changes a claim's status."}
                )
            self.status_change_allowed = False
        if not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._loaded_status = self.__dict__.get("status")

    def touch(self) -> None:
        """Record that something the claim shows (participants, countries, citations) changed."""
        Claim.objects.filter(pk=self.pk).update(version=F("version") + 1, updated_at=timezone.now())


class ParticipantRole(models.TextChoices):
    SUBJECT = "subject", "Subject"
    OBJECT = "object", "Object"
    ATTENDEE = "attendee", "Attendee"
    HOST = "host", "Host"
    CLAIMANT = "claimant", "Claimant"
    OTHER = "other", "Other"


class ClaimActor(models.Model):
    """An actor's part in a claim."""

    Role = ParticipantRole

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="participants")
    # PROTECT: an actor named in claims cannot vanish from under them.
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(max_length=20, choices=ParticipantRole.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "participant"
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "actor", "role"], name="%(app_label)s_%(class)s_unique_role"
            ),
            _choice_check("role", ParticipantRole),
        ]
        indexes = [models.Index(fields=["actor", "role"], name="claims_claimactor_actor_role")]

    def __str__(self) -> str:
        return f"{self.actor} as {self.role}"


class CountryRole(models.TextChoices):
    SUBJECT = "subject", "Subject"
    OBJECT = "object", "Object"
    TERRITORY = "territory", "Territory"
    PARTICIPANT = "participant", "Participant"
    VENUE = "venue", "Venue"
    MENTIONED = "mentioned", "Mentioned"


class ClaimCountryQuerySet(models.QuerySet):
    def claims_per_country(self, *by: str) -> dict:
        """How many claims these rows say concern each country (a claim that concerns a country
        in several roles counts once): {code: n}, or {(code, *by): n} split by further fields
        of the row (`role`, `claim__status`). The one count of claims per country."""
        rows = self.order_by().values_list("country", *by).annotate(n=Count("claim", distinct=True))
        return {(key[0] if not by else tuple(key)): n for *key, n in rows}

    def newest_per_role(self, country: str, *, shown: int, cap: int) -> dict[str, tuple]:
        """Per role, the newest `shown` claims concerning `country`, as (id, statement, kind,
        status), and how many claims there are, counted up to `cap` + 1 (so that "more than
        `cap`" can be said): {role: (claims, n)}, roles without a claim left out. One query,
        whatever the country's size: each role reads at most `cap` + 1 entries of the country
        index, and only `shown` claims per role leave the database."""
        parts, params = [], []
        for role in CountryRole.values:
            of_role = self.filter(country=country, role=role).order_by("-claim_id")
            newest, newest_params = of_role.values_list(
                "role", "claim_id", "claim__statement", "claim__kind", "claim__status"
            )[:shown].query.sql_with_params()
            counted, counted_params = of_role.values_list("claim_id")[
                : cap + 1
            ].query.sql_with_params()
            # Each part is wrapped in FROM (…) so that its ORDER BY and LIMIT hold inside a
            # UNION on SQLite as on PostgreSQL; the count is evaluated once per role.
            parts.append(
                f"SELECT n.*, (SELECT COUNT(*) FROM ({counted}) AS c) FROM ({newest}) AS n"
            )
            params += [*counted_params, *newest_params]
        found: dict[str, tuple] = {}
        with connections[self.db].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for role, *claim, n in cursor.fetchall():
                found.setdefault(role, ([], n))[0].append(tuple(claim))
        # UNION ALL keeps no order between rows: newest first within each role again.
        return {role: (sorted(claims, reverse=True), n) for role, (claims, n) in found.items()}

    def codes_in_use(self) -> list[str]:
        """The distinct country codes, found by skipping along the country index (one probe per
        country, ~250 at most) rather than reading every row."""
        connection = connections[self.db]
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""WITH RECURSIVE codes(code) AS (
                      SELECT (SELECT min(country) FROM {table})
                      UNION ALL
                      SELECT (SELECT min(country) FROM {table} WHERE country > codes.code)
                      FROM codes WHERE codes.code IS NOT NULL)
                    SELECT code FROM codes WHERE code IS NOT NULL"""
            )
            return [code for (code,) in cursor.fetchall()]


class ClaimCountry(models.Model):
    """A country a claim concerns, and in which role (Western Sahara is EH)."""

    Role = CountryRole

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="countries")
    country = CountryField()
    role = models.CharField(max_length=20, choices=CountryRole.choices)
    derived = models.BooleanField(
        default=False,
        editable=False,
        help_text="Kept in sync from participants and the event; hand-entered rows are not.",
    )
    # The claim's position, copied onto its subject rows (and only those): a country's
    # statements are then found by the country alone (claims.positions), a few index entries,
    # instead of probing every claim that states a position on any topic. Set by save() and
    # kept in step by sync_claim_countries() when the claim's position changes; not audited
    # (the claim's own history records its position).
    position = models.ForeignKey(
        TopicPosition,
        null=True,
        editable=False,
        # The claim's own position protects it; a copy does not block on its own (a refused
        # deletion names the claims, not their country rows).
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # the partial indexes below hold only the rows that state one
    )

    history = HistoricalRecords(excluded_fields=["position"])
    objects = ClaimCountryQuerySet.as_manager()

    class Meta:
        verbose_name = "country"
        verbose_name_plural = "countries"
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "country", "role"], name="%(app_label)s_%(class)s_unique_role"
            ),
            _choice_check("role", CountryRole),
            models.CheckConstraint(
                condition=Q(country__in=COUNTRY_CODES),
                name="%(app_label)s_%(class)s_country_valid",
            ),
        ]
        indexes = [
            # The country filter: find claims by country (and role) without touching claims.
            models.Index(fields=["country", "role", "claim"], name="claims_claimcountry_lookup"),
            # Keyset pages by id: "is claim N about MA?" is one index probe, so a page walks the
            # claims backwards from the cursor instead of reading every MA row first.
            models.Index(fields=["country", "claim"], name="claims_claimcountry_by_claim"),
            # Stated positions (claims.positions) by country, and by position for a topic's
            # map: only the rows that state one, a few thousand among millions.
            models.Index(
                fields=["country", "position"],
                condition=Q(position__isnull=False),
                name="claims_claimcountry_stating",
            ),
            models.Index(
                fields=["position"],
                condition=Q(position__isnull=False),
                name="claims_claimcountry_position",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country.code} ({self.role})"

    def save(self, *args, update_fields=None, **kwargs):
        self.position_id = stated_position(self.role, self.claim.position_id)
        if update_fields is not None:
            update_fields = {*update_fields, "position"}
        super().save(*args, update_fields=update_fields, **kwargs)


def stated_position(role: str, position_id: int | None) -> int | None:
    """The position a claim's country row in `role` carries: the claim's, on a subject row."""
    return position_id if role == CountryRole.SUBJECT else None


# An actor's part implies a country role; roles missing here imply none (a claimant's country
# is where the claim comes from, not what it concerns).
PARTICIPANT_COUNTRY_ROLE = {
    ParticipantRole.SUBJECT: CountryRole.SUBJECT,
    ParticipantRole.OBJECT: CountryRole.OBJECT,
    ParticipantRole.ATTENDEE: CountryRole.PARTICIPANT,
    ParticipantRole.HOST: CountryRole.PARTICIPANT,
}


def derived_countries(participants, event_country: str = "") -> list[tuple[str, str]]:
    """The (country, role) rows a claim derives from its participants, given as (actor's
    country, participant role), and from its event's country: the one rule that derives
    countries (sync_claim_countries, import_claims and the benchmark's generator apply it)."""
    rows = [
        (country, PARTICIPANT_COUNTRY_ROLE[role])
        for country, role in participants
        if country and role in PARTICIPANT_COUNTRY_ROLE
    ]
    if event_country:
        rows.append((event_country, CountryRole.VENUE))
    return list(dict.fromkeys(rows))


def claim_country_rows(entered, derived) -> dict[tuple[str, str], bool]:
    """A claim's country rows, (country, role) -> derived: the hand-entered ones, then each
    derived one not also entered by hand (that one stays hand-entered)."""
    rows = dict.fromkeys(entered, False)
    for key in derived:
        rows.setdefault(key, True)
    return rows


def sync_claim_countries(claim_ids) -> None:
    """Make the derived ClaimCountry rows of these claims match their participants and event,
    and every row's copy of the claim's position match the claim (called on every save).

    Hand-entered rows are never removed; a derived row that a person also entered by hand stays
    as the hand-entered one.
    """
    claim_ids = set(claim_ids)
    if not claim_ids:
        return
    participants: dict[int, list[tuple[str, str]]] = {pk: [] for pk in claim_ids}
    for claim_id, country, role in ClaimActor.objects.filter(claim_id__in=claim_ids).values_list(
        "claim_id", "actor__country", "role"
    ):
        participants[claim_id].append((country, role))
    claims = Claim.objects.select_related("event").only("position", "event__country")
    claims = claims.in_bulk(claim_ids)
    wanted = {
        (claim_id, country, role)
        for claim_id, claim in claims.items()
        for country, role in derived_countries(
            participants[claim_id], claim.event.country.code if claim.event else ""
        )
    }
    existing = {
        (row.claim_id, row.country.code, row.role): row
        for row in ClaimCountry.objects.filter(claim_id__in=claim_ids)
    }
    moved: dict[int | None, list[int]] = {}  # rows whose copy of the position is out of date
    for key, row in existing.items():
        if row.derived and key not in wanted:
            row.delete()
            continue
        position_id = stated_position(row.role, claims[row.claim_id].position_id)
        if row.position_id != position_id:
            moved.setdefault(position_id, []).append(row.pk)
    for position_id, pks in moved.items():
        ClaimCountry.objects.filter(pk__in=pks).update(position_id=position_id)
    for claim_id, country, role in sorted(wanted - existing.keys()):
        ClaimCountry.objects.create(
            claim=claims[claim_id], country=country, role=role, derived=True
        )


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    REFUTES = "refutes", "Refutes"
    MENTIONS = "mentions", "Mentions"
    RETRACTS = "retracts", "Retracts"


class AnchoringState(models.TextChoices):
    EXACT = AnchorState.EXACT, "Exact"
    FUZZY = AnchorState.FUZZY, "Fuzzy"
    ORPHANED = AnchorState.ORPHANED, "Orphaned"
    UNCHECKED = AnchorState.UNCHECKED, "Unchecked"


class Citation(models.Model):
    """A source's evidence about a claim: the exact quote, anchored in the source's text."""

    Stance = Stance

    Anchoring = AnchoringState

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    # PROTECT: evidence is not lost because someone removed the article record.
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    stance = models.CharField(max_length=10, choices=Stance.choices, default=Stance.SUPPORTS)
    quote = models.TextField(help_text="The exact excerpt from the source's text.")
    prefix = models.CharField(max_length=32, blank=True, help_text="Up to 32 characters before.")
    suffix = models.CharField(max_length=32, blank=True, help_text="Up to 32 characters after.")
    start = models.PositiveIntegerField(null=True, blank=True, editable=False)
    end = models.PositiveIntegerField(null=True, blank=True, editable=False)
    anchoring = models.CharField(
        max_length=10,
        choices=AnchoringState.choices,
        default=AnchoringState.UNCHECKED,
        editable=False,
    )
    anchor_score = models.FloatField(null=True, blank=True, editable=False)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            _choice_check("stance", Stance),
            _choice_check("anchoring", AnchoringState),
            models.CheckConstraint(
                condition=~Q(quote=""), name="%(app_label)s_%(class)s_quote_not_empty"
            ),
            models.CheckConstraint(
                condition=(Q(start__isnull=True) & Q(end__isnull=True)) | Q(end__gte=F("start")),
                name="%(app_label)s_%(class)s_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "stance"], name="claims_citation_source_stance"),
            models.Index(fields=["anchoring"], name="claims_citation_anchoring"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stance_display()}: “{self.quote[:60]}”"

    def save(self, *args, **kwargs):
        self.anchor()
        super().save(*args, **kwargs)

    def anchor(self, text: str | None = None) -> None:
        """Locate the quote in the source's current text and store where it stands."""
        found = anchor_quote(
            self.source.text if text is None else text, self.quote, self.prefix, self.suffix
        )
        self.anchoring, self.start, self.end = found.state, found.start, found.end
        self.prefix, self.suffix, self.anchor_score = found.prefix, found.suffix, found.score


class ReviewIsPermanent(ConflictError):
    """A review is a permanent record: it is never changed or deleted (→ 409)."""

    code = "review_permanent"

    def __init__(self):
        super().__init__(
            "Reviews are a permanent record and are never changed or deleted; record a new "
            "review instead (reopen the claim, then decide again)."
        )


class ReviewQuerySet(models.QuerySet):
    # Bulk writes would skip Review.save() and Review.delete(): refused the same way. (A
    # claim's deletion still removes its reviews: the cascade writes their history, and
    # restoring the claim brings them back.)
    def update(self, **kwargs):
        raise ReviewIsPermanent()

    def delete(self):
        raise ReviewIsPermanent()


class Review(models.Model):
    """A permanent record of one status decision on a claim, and of what it was made on."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="reviews")
    status_before = models.CharField(max_length=20, choices=ClaimStatus.choices)
    status_after = models.CharField(max_length=20, choices=ClaimStatus.choices)
    rationale = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    citations = models.ManyToManyField(Citation, blank=True, related_name="reviews")
    imported = models.BooleanField(
        default=False, help_text="Taken from an imported ClaimReview, not decided here."
    )
    claim_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version of the claim the decision was made on."
    )
    snapshot = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the reviewer saw: the statement, kind, date, event, participants, "
        "countries and citations (see claims.workflow.claim_snapshot).",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    history = HistoricalRecords()
    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            _choice_check("status_before", ClaimStatus),
            _choice_check("status_after", ClaimStatus),
        ]
        permissions = [("record_verdict", "Can record a verdict on a claim")]

    def __str__(self) -> str:
        return f"{self.status_before} → {self.status_after}"

    def save(self, *args, **kwargs):
        # Only ever inserted: a save that would update a stored review is refused, and an
        # explicit id that exists already fails on the primary key instead of overwriting it.
        if not self._state.adding or kwargs.get("update_fields") is not None:
            raise ReviewIsPermanent()
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReviewIsPermanent()

    @property
    def cited_ids(self) -> list[int]:
        """The ids of the citations the decision rests on, as recorded with it."""
        return [c["id"] for c in self.snapshot.get("citations", []) if c.get("cited")]


# --- Other fact-checkers' verdicts (ClaimReview imports) ------------------------------------


class RatingBucket(models.TextChoices):
    """What a fact-checker's label means on our scale, or that it means none of it (yet)."""

    CONFIRMED = "confirmed", "True"
    MOSTLY_TRUE = "mostly_true", "Mostly true"
    MIXED = "mixed", "Mixed"
    MISLEADING = "misleading", "Misleading"
    FALSE = "false", "False"
    UNVERIFIABLE = "unverifiable", "Unverifiable"
    NOT_A_RATING = "not_a_rating", "Not a rating"
    UNMAPPED = "unmapped", "Unmapped (nobody has said what it means yet)"


class RatingLabel(models.Model):
    """A rating label fact-checkers publish and the bucket it means: data an editor maintains."""

    Bucket = RatingBucket

    label = models.CharField(max_length=500, help_text="The label as published.")
    key = models.CharField(
        max_length=500,
        editable=False,
        db_index=True,
        help_text="The label normalised for matching (case, accents, punctuation).",
    )
    language = models.CharField(
        max_length=LANGUAGE_TAG_MAX_LENGTH,
        blank=True,
        help_text="BCP 47 tag; empty when any language.",
    )
    bucket = models.CharField(
        max_length=20, choices=RatingBucket.choices, default=RatingBucket.UNMAPPED
    )
    note = models.TextField(blank=True, help_text="Whose scale it is, and why this bucket.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["key", "language"]
        constraints = [
            _choice_check("bucket", RatingBucket),
            models.UniqueConstraint(
                fields=["key", "language"], name="%(app_label)s_%(class)s_unique_key"
            ),
        ]

    def __str__(self) -> str:
        where = f" ({self.language})" if self.language else ""
        return f"{self.label}{where} → {self.get_bucket_display()}"

    def save(self, *args, **kwargs):
        from claims.claimreview.ratings import normalise_label  # ratings imports this module

        self.key = normalise_label(self.label)[:500]
        super().save(*args, **kwargs)
        # Mapping a label once re-rates every external review that carries it.
        self.external_reviews.exclude(rating=self.bucket).update(rating=self.bucket)


class DateOrigin(models.TextChoices):
    RECORD = "record", "Given in the record"
    URL = "url", "Read from a date in the review's URL"
    MISSING = "missing", "Not given (left empty)"


class ExternalReview(models.Model):
    """Another organisation's published verdict on a claim: evidence, never claimtrack's verdict.

    It never changes the claim's status and is never exported as claimtrack's ClaimReview.
    """

    Origin = DateOrigin

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="external_reviews")
    # PROTECT: a publisher whose reviews are recorded cannot vanish from under them.
    publisher = models.ForeignKey(
        "sources.Publisher", on_delete=models.PROTECT, related_name="external_reviews"
    )
    review_url = models.URLField(max_length=2000, help_text="The fact-checker's article.")
    canonical_url = models.CharField(max_length=2000, editable=False, db_index=True)
    archive_url = models.URLField(
        max_length=2000, blank=True, help_text="An archived copy, when the record gave one."
    )
    title = models.CharField(max_length=500, blank=True)
    label = models.CharField(max_length=500, blank=True, help_text="The label, verbatim.")
    rating_label = models.ForeignKey(
        RatingLabel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="external_reviews",
    )
    rating = models.CharField(
        max_length=20,
        choices=RatingBucket.choices,
        default=RatingBucket.UNMAPPED,
        db_index=True,
        help_text="The label's bucket (kept in step with the rating label table).",
    )
    rating_value = models.FloatField(null=True, blank=True)
    best_rating = models.FloatField(null=True, blank=True)
    worst_rating = models.FloatField(null=True, blank=True)
    language = models.CharField(max_length=LANGUAGE_TAG_MAX_LENGTH, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_at_origin = models.CharField(
        max_length=10, choices=DateOrigin.choices, default=DateOrigin.MISSING
    )
    authors = models.JSONField(
        default=list, blank=True, help_text="The review's authors (people): name and url."
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    imported_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            _choice_check("rating", RatingBucket),
            _choice_check("published_at_origin", DateOrigin),
            models.UniqueConstraint(
                fields=["claim", "canonical_url"], name="%(app_label)s_%(class)s_unique_review"
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=False) | Q(published_at_origin="missing"),
                name="%(app_label)s_%(class)s_date_has_origin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publisher.name}: {self.label or self.get_rating_display()}"

    def save(self, *args, **kwargs):
        self.canonical_url = canonicalize_url(unwrap_archive_url(self.review_url)[0])
        if self.rating_label is not None:
            self.rating = self.rating_label.bucket
        super().save(*args, **kwargs)


class ClaimTally(models.Model):
    """A change to the number of claims of one status and kind that concern a pair of countries
    (`country` = `other`: the country alone; both empty: every claim). Written only by the
    database's triggers (claims.stats), in the transaction of the write it counts; summed when
    read, and compacted now and then."""

    country = models.CharField(max_length=2, blank=True)
    other = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=20)
    kind = models.CharField(max_length=30)
    n = models.BigIntegerField()

    class Meta:
        # Both cover `n`, so that a read is an index-only scan once the rows are vacuumed.
        indexes = [
            models.Index(
                fields=["country", "other", "status", "kind"],
                include=["n"],
                name="claims_tally_key",
            ),
            # Each country alone, for the counts per country over every claim.
            models.Index(
                fields=["other", "status", "kind"],
                include=["n"],
                condition=Q(country=F("other")),
                name="claims_tally_selves",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country or '*'}/{self.other or '*'} {self.status} {self.kind}: {self.n:+}"
