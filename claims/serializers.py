import copy

from django.db import transaction
from django.urls import reverse
from django_countries import countries as all_countries
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from claims.claimreview.export import SCHEMA_CONTEXT
from claims.history import HISTORY_TYPES
from claims.history import PARTS as HISTORY_PARTS
from claims.integrity import snapshot_changes
from claims.models import (
    ACTOR_ALIAS_MAX_LENGTH,
    ACTOR_MAX_ALIASES,
    Actor,
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    ClaimKind,
    ClaimStatus,
    CountryRole,
    Event,
    ExternalReview,
    RatingBucket,
    Review,
    Stance,
)
from claims.representation import FIELDS, claim_representation
from claims.workflow import LABEL, Consensus
from claimtrack.api import MAX_ID, StrictModelSerializer, StrictSerializer, parse_id
from sources.anchoring import QUOTE_MAX_LENGTH
from sources.serializers import MentionSerializer


class CountryCodeField(serializers.CharField):
    """An ISO 3166-1 code in, alpha-2 or alpha-3, any case; alpha-2 out."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 3)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        code = all_countries.alpha2(value) if not value.isdigit() else ""
        if not code:
            raise serializers.ValidationError(
                f"Unknown country code {value!r}: give an ISO 3166-1 code such as MA, EH or ESH."
            )
        return code

    def to_representation(self, value):
        return getattr(value, "code", value)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "description": "The event's id."},
            {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                "required": ["id"],
            },
        ],
        "nullable": True,
    }
)
class EventRefField(serializers.Field):
    """The claim's event: written as its id, read as {"id", "name"}."""

    default_error_messages = {
        "invalid": "Give the event's id (a whole number) or null.",
        "does_not_exist": "No event with id {pk}.",
    }

    def to_representation(self, event):
        return {"id": event.pk, "name": event.name}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.get("id")
        pk = parse_id(data)
        if pk is None:
            self.fail("invalid")
        try:
            return Event.objects.get(pk=pk)
        except Event.DoesNotExist:
            self.fail("does_not_exist", pk=pk)


class ParticipantSerializer(StrictModelSerializer):
    name = serializers.CharField(source="actor.name", read_only=True)
    kind = serializers.CharField(source="actor.kind", read_only=True)
    country = CountryCodeField(source="actor.country", read_only=True)

    class Meta:
        model = ClaimActor
        fields = ["actor", "name", "kind", "country", "role"]


class ClaimCountrySerializer(StrictModelSerializer):
    code = CountryCodeField(source="country")
    name = serializers.CharField(source="country.name", read_only=True)

    class Meta:
        model = ClaimCountry
        fields = ["code", "name", "role", "derived"]
        read_only_fields = ["derived"]


class CitationBriefSerializer(StrictModelSerializer):
    """A citation as its claim shows it; written with a new claim as
    {source, quote, prefix?, suffix?, stance?, note?}."""

    source_url = serializers.URLField(source="source.canonical_url", read_only=True)
    source_title = serializers.CharField(source="source.title", read_only=True)

    class Meta:
        model = Citation
        fields = [
            "id",
            "source",
            "source_url",
            "source_title",
            "stance",
            "quote",
            "prefix",
            "suffix",
            "note",
            "anchoring",
            "start",
            "end",
        ]
        read_only_fields = ["anchoring", "start", "end"]
        extra_kwargs = {
            "quote": {"max_length": 10_000},
            # TextQuoteSelector context is exact: a prefix may end in a space.
            "prefix": {"write_only": True, "trim_whitespace": False},
            "suffix": {"write_only": True, "trim_whitespace": False},
            "note": {"write_only": True, "max_length": 20_000},
        }


def _no_duplicates(rows, key, label: str, field: str):
    seen = {}
    for index, row in enumerate(rows):
        value = key(row)
        if value in seen:
            raise serializers.ValidationError(
                {field: {index: [f"Repeats entry {seen[value]}: the same {label} twice."]}}
            )
        seen[value] = index


class ClaimSerializer(StrictModelSerializer):
    """A claim as one self-contained object: event, countries, participants and citations.

    Participants and hand-entered countries are written in the same request, in one
    transaction. Countries implied by participants and the event are derived (`derived: true`);
    sending them back changes nothing. `status`, `status_label`, `needs_rereview`, `version`,
    `created_by`, `created_at` and `updated_at` are read-only. `citations` are written with a new
    claim (created and anchored in its transaction); afterwards they change through their own
    endpoint, and an update that sends different ones is refused (400), not ignored. While the
    claim has a verdict only `note` may change (else 409).
    """

    url = serializers.HyperlinkedIdentityField(view_name="claim-detail")
    status_label = serializers.SerializerMethodField()
    event = EventRefField(required=False, allow_null=True)
    countries = ClaimCountrySerializer(many=True, required=False, max_length=100)
    participants = ParticipantSerializer(many=True, required=False, max_length=100)
    citations = CitationBriefSerializer(many=True, required=False, max_length=100)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    support_count = serializers.IntegerField(read_only=True, default=0)
    refute_count = serializers.IntegerField(read_only=True, default=0)
    consensus = serializers.ChoiceField(Consensus.choices, read_only=True, default="unsourced")

    class Meta:
        model = Claim
        fields = FIELDS
        read_only_fields = ["status", "needs_rereview", "version", "created_at", "updated_at"]

    def get_status_label(self, claim) -> str:
        return LABEL[ClaimStatus(claim.status)]

    def validate(self, attrs):
        _no_duplicates(
            attrs.get("participants", []),
            lambda p: (p["actor"].pk, p["role"]),
            "actor in the same role",
            "participants",
        )
        _no_duplicates(
            attrs.get("countries", []),
            lambda c: (c["country"], c["role"]),
            "country in the same role",
            "countries",
        )
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        participants = validated_data.pop("participants", [])
        countries = validated_data.pop("countries", [])
        citations = validated_data.pop("citations", [])
        claim = Claim.objects.create(**validated_data)
        self._write_participants(claim, participants)
        self._write_countries(claim, countries)
        for citation in citations:
            # Citation.save() anchors the quote in the source's text.
            Citation.objects.create(
                claim=claim, created_by=validated_data.get("created_by"), **citation
            )
        claim.refresh_from_db(fields=["version", "updated_at"])
        return claim

    @transaction.atomic
    def update(self, instance, validated_data):
        participants = validated_data.pop("participants", None)
        countries = validated_data.pop("countries", None)
        self._refuse_citation_changes(instance, validated_data.pop("citations", None))
        for field, value in validated_data.items():
            setattr(instance, field, value)
        instance.save()
        if participants is not None:
            self._write_participants(instance, participants)
        if countries is not None:
            self._write_countries(instance, countries)
        # Nested writes moved the version on in the database (see Claim.touch).
        instance.refresh_from_db(fields=["version", "updated_at"])
        return instance

    @staticmethod
    def _refuse_citation_changes(claim: Claim, citations: list[dict] | None) -> None:
        """Citations sent back as read are accepted; any other list is refused by name."""
        if citations is None:
            return
        current = sorted((c.source_id, c.stance, c.quote) for c in claim.citations.all())
        sent = sorted(
            (c["source"].pk, c.get("stance", Stance.SUPPORTS), c["quote"]) for c in citations
        )
        if sent != current:
            raise serializers.ValidationError(
                {
                    "citations": "A claim's citations change at /api/v1/citations/ "
                    "(POST, PATCH, DELETE), not by rewriting the claim."
                }
            )

    def _write_participants(self, claim: Claim, participants: list[dict]) -> None:
        wanted = {(p["actor"].pk, p["role"]) for p in participants}
        for row in claim.participants.all():
            if (row.actor_id, row.role) not in wanted:
                row.delete()
        have = set(claim.participants.values_list("actor_id", "role"))
        for actor_id, role in sorted(wanted - have):
            ClaimActor.objects.create(claim=claim, actor_id=actor_id, role=role)

    def _write_countries(self, claim: Claim, countries: list[dict]) -> None:
        """Replace the hand-entered rows; derived rows stay as the sync made them."""
        wanted = {(c["country"], c["role"]) for c in countries}
        rows = {(row.country.code, row.role): row for row in claim.countries.all()}
        for key, row in rows.items():
            if not row.derived and key not in wanted:
                row.delete()
        for code, role in sorted(wanted - rows.keys()):
            ClaimCountry.objects.create(claim=claim, country=code, role=role)

    def to_representation(self, instance):
        # The fields above declare the shape (for input and the schema); claims read as
        # claims.representation builds them, on every path.
        request = self.context.get("request")
        prefix = reverse("claim-list")
        return claim_representation(
            instance, request.build_absolute_uri(prefix) if request else prefix
        )


class ActorSerializer(CountryFieldMixin, StrictModelSerializer):
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=ACTOR_ALIAS_MAX_LENGTH),
        max_length=ACTOR_MAX_ALIASES,
        required=False,
    )

    class Meta:
        model = Actor
        fields = [
            "id",
            "name",
            "kind",
            "country",
            "title",
            "aliases",
            "wikidata_qid",
            "description",
        ]


class EventSerializer(CountryFieldMixin, StrictModelSerializer):
    class Meta:
        model = Event
        fields = [
            "id",
            "name",
            "kind",
            "starts_on",
            "ends_on",
            "date_precision",
            "location",
            "country",
        ]

    def validate(self, attrs):
        starts = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        ends = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if starts and ends and ends < starts:
            raise serializers.ValidationError({"ends_on": "An event cannot end before it starts."})
        return attrs


class CitationSerializer(StrictModelSerializer):
    source_url = serializers.URLField(source="source.canonical_url", read_only=True)
    source_title = serializers.CharField(source="source.title", read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Citation
        fields = [
            "id",
            "claim",
            "source",
            "source_url",
            "source_title",
            "stance",
            "quote",
            "prefix",
            "suffix",
            "start",
            "end",
            "anchoring",
            "anchor_score",
            "note",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["start", "end", "anchoring", "anchor_score", "created_at", "updated_at"]
        # A TextQuoteSelector's strings are exact: a prefix that ends in a space says so.
        extra_kwargs = {
            "quote": {"max_length": QUOTE_MAX_LENGTH, "trim_whitespace": False},
            "prefix": {"trim_whitespace": False},
            "suffix": {"trim_whitespace": False},
        }

    def validate_quote(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("The quote may not be blank.", code="blank")
        return value


CHANGE_SCHEMA = {
    "type": "object",
    "properties": {
        "field": {"type": "string"},
        "label": {"type": "string"},
        "judged": {"nullable": True},
        "now": {"nullable": True},
    },
}


class ReviewSerializer(StrictModelSerializer):
    """A status decision. Written as {status, rationale, citations}; a permanent record.

    Read, it carries `snapshot` (what the decision was made on, `claim_version` its version)
    and `changed_since`: what differs in the claim now (given the current snapshot in the
    context as `current_snapshot`; empty otherwise).
    """

    status = serializers.ChoiceField(ClaimStatus.choices, write_only=True)
    status_label = serializers.SerializerMethodField()
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    citations = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=200,
        write_only=True,
    )
    snapshot = serializers.JSONField(read_only=True)
    changed_since = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "claim",
            "status",
            "status_label",
            "status_before",
            "status_after",
            "rationale",
            "citations",
            "reviewer",
            "imported",
            "created_at",
            "claim_version",
            "snapshot",
            "changed_since",
        ]
        read_only_fields = [
            "claim",
            "status_before",
            "status_after",
            "imported",
            "created_at",
            "claim_version",
        ]
        extra_kwargs = {"rationale": {"max_length": 20_000}}

    def get_status_label(self, review) -> str:
        return LABEL[ClaimStatus(review.status_after)]

    @extend_schema_field({"type": "array", "items": CHANGE_SCHEMA})
    def get_changed_since(self, review) -> list[dict]:
        now = self.context.get("current_snapshot")
        return snapshot_changes(review.snapshot, now) if now is not None else []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["status"] = instance.status_after
        # As recorded with the decision: deleting a citation later does not rewrite it.
        data["citations"] = instance.cited_ids
        return data


class ReopenSerializer(StrictSerializer):
    """Why a claim with a verdict is reopened (required)."""

    reason = serializers.CharField(max_length=20_000)


class ReviewSchema(OpenApiSerializerExtension):
    """ReviewSerializer in the schema: `status` and `citations` are written, and read back as
    the status the review set and the ids it cited (ReviewSerializer.to_representation)."""

    target_class = ReviewSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "response":
            for name in ("status", "citations"):
                field = copy.deepcopy(ReviewSerializer().fields[name])
                field.write_only = False
                schema["properties"][name] = auto_schema._map_serializer_field(field, direction)
                schema.setdefault("required", []).append(name)
        return schema


# --- answers that functions build: their shape, for the schema ---------------------------
# Each declares what a function returns as it returns it (the views answer the function's
# dicts), so that the schema and generated clients read the real shape.


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField(help_text="The field's name in words.")
    old = serializers.JSONField(allow_null=True, help_text="The value before (null: none).")
    new = serializers.JSONField(allow_null=True, help_text="The value after.")
    old_display = serializers.CharField(help_text="The value before, in words.")
    new_display = serializers.CharField(help_text="The value after, in words.")


HISTORY_MODELS = [(model._meta.model_name, model._meta.verbose_name) for model, _ in HISTORY_PARTS]
HISTORY_ACTIONS = [(action, action) for action in HISTORY_TYPES.values()]


class HistoryEntrySerializer(serializers.Serializer):
    """One change to a claim or one of its parts (claims.history.claim_history), in codes for
    programs and in words for people."""

    model = serializers.ChoiceField(HISTORY_MODELS, help_text="Which part changed.")
    model_label = serializers.CharField()
    object_id = serializers.IntegerField(help_text="The id of the changed row.")
    history_id = serializers.IntegerField(help_text="The id of this change.")
    summary = serializers.CharField(help_text="The change in a sentence.")
    action = serializers.ChoiceField(HISTORY_ACTIONS)
    user = serializers.CharField(allow_null=True, help_text="The username.")
    user_name = serializers.CharField(allow_null=True, help_text="The person's name.")
    at = serializers.DateTimeField()
    reason = serializers.CharField(allow_null=True)
    reason_display = serializers.CharField(allow_null=True)
    changes = HistoryChangeSerializer(many=True)


class SuggestedCountrySerializer(serializers.Serializer):
    code = serializers.CharField()
    role = serializers.ChoiceField(CountryRole.choices)


class SuggestedCitationSerializer(serializers.Serializer):
    source = serializers.IntegerField()
    quote = serializers.CharField()
    prefix = serializers.CharField(allow_blank=True)
    suffix = serializers.CharField(allow_blank=True)
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    stance = serializers.ChoiceField(Stance.choices)


class SuggestionRuleSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    matched = serializers.CharField(help_text="The words the rule matched.")


class SuggestionSerializer(serializers.Serializer):
    """A candidate claim found in a source's text (claims.suggestions.suggest_claims); POST
    it, edited, to /api/v1/claims/ to accept it."""

    statement = serializers.CharField()
    kind = serializers.ChoiceField(ClaimKind.choices)
    countries = SuggestedCountrySerializer(many=True)
    participants = serializers.ListField(child=serializers.IntegerField(), help_text="Actor ids.")
    citation = SuggestedCitationSerializer()
    mentions = MentionSerializer(many=True)
    rule = SuggestionRuleSerializer()


class ClaimStatsSerializer(serializers.Serializer):
    """Counts of the claims that match the filters."""

    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    by_kind = serializers.DictField(child=serializers.IntegerField())
    by_country = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="For each country (alpha-2), the matching claims that concern it in any role.",
    )


class ImportReportSerializer(serializers.Serializer):
    """What a ClaimReview import did (claims.claimreview.imports.ImportReport).

    `problems` and `warnings` hold at most 100 lines each; the counts cover every record.
    """

    records = serializers.IntegerField()
    created = serializers.IntegerField(help_text="External reviews recorded.")
    claims_created = serializers.IntegerField(help_text="Claims created (as unverified).")
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    skipped_by_reason = serializers.DictField(child=serializers.IntegerField())
    problems = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
    warnings_count = serializers.IntegerField()
    unmapped_labels = serializers.ListField(
        child=serializers.CharField(),
        help_text="Labels not in the rating label table: map them once in the admin.",
    )
    claims = serializers.ListField(child=serializers.IntegerField())
    external_reviews = serializers.ListField(child=serializers.IntegerField())
    summary = serializers.CharField()


# --- Other fact-checkers' verdicts -----------------------------------------------------------


def external_summary(reviews) -> dict:
    """What other fact-checkers say about a claim: how many reviews, by rating, by whom."""
    by_rating: dict[str, int] = {}
    for review in reviews:
        by_rating[review.rating] = by_rating.get(review.rating, 0) + 1
    return {
        "count": len(reviews),
        "by_rating": {
            bucket: by_rating[bucket] for bucket in RatingBucket.values if bucket in by_rating
        },
        "publishers": sorted({review.publisher.name for review in reviews}),
    }


class ExternalSummarySerializer(serializers.Serializer):
    """What other fact-checkers say: evidence about the claim, not claimtrack's verdict."""

    count = serializers.IntegerField()
    by_rating = serializers.DictField(
        child=serializers.IntegerField(), help_text="Reviews per rating bucket (`unmapped` too)."
    )
    publishers = serializers.ListField(child=serializers.CharField())


class ArchiveUrlField(serializers.URLField):
    """An external review's archived copy: null when the record gave none (the column keeps
    "", which is not a URL)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "An archived copy, when the record gave one.")
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class ExternalReviewBriefSerializer(StrictModelSerializer):
    """Another organisation's published verdict on the claim (evidence, never ours)."""

    publisher_name = serializers.CharField(source="publisher.name", read_only=True)
    archive_url = ArchiveUrlField()

    class Meta:
        model = ExternalReview
        fields = [
            "id",
            "publisher",
            "publisher_name",
            "review_url",
            "archive_url",
            "label",
            "rating",
            "published_at",
            "published_at_origin",
        ]
        read_only_fields = fields


class ExternalReviewSerializer(StrictModelSerializer):
    """Another organisation's published verdict on a claim, as imported from its ClaimReview.

    It never sets the claim's status and is never part of claimtrack's ClaimReview feed.
    `label` is verbatim; `rating` is its bucket from the rating label table (`unmapped` until
    someone maps the label). `published_at_origin` says how the date was obtained.
    """

    url = serializers.HyperlinkedIdentityField(view_name="external_review-detail")
    publisher_name = serializers.CharField(source="publisher.name", read_only=True)
    imported_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    authors = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    archive_url = ArchiveUrlField()

    class Meta:
        model = ExternalReview
        fields = [
            "id",
            "url",
            "claim",
            "publisher",
            "publisher_name",
            "review_url",
            "canonical_url",
            "archive_url",
            "title",
            "label",
            "rating",
            "rating_value",
            "best_rating",
            "worst_rating",
            "language",
            "published_at",
            "published_at_origin",
            "authors",
            "imported_by",
            "imported_at",
        ]
        read_only_fields = fields


def _jsonld(component: str, doc: str, /, **fields) -> type[serializers.Serializer]:
    """A serializer class whose fields may be JSON-LD keywords: `at_type` declares `@type`.

    No class attribute can start with "@", so the class is built as a class body would be.
    """
    members = {("@" + k[3:] if k.startswith("at_") else k): f for k, f in fields.items()}
    body = {"__doc__": doc, "__module__": __name__, **members}
    return type(component, (serializers.Serializer,), body)


def _const(value: str) -> serializers.ChoiceField:
    return serializers.ChoiceField([(value, value)])


ClaimReviewPartySerializer = _jsonld(
    "ClaimReviewParty",
    "A schema.org Person or Organization.",
    at_type=serializers.ChoiceField([("Person", "Person"), ("Organization", "Organization")]),
    name=serializers.CharField(),
    sameAs=serializers.URLField(required=False, help_text="The Wikidata item."),
    url=serializers.URLField(required=False),
)


@extend_schema_field(
    {
        "oneOf": [
            {"$ref": "#/components/schemas/ClaimReviewParty"},
            {"type": "array", "items": {"$ref": "#/components/schemas/ClaimReviewParty"}},
        ]
    }
)
class _PartiesField(serializers.JSONField):
    """One party, or a list of them."""


ClaimReviewRatingSerializer = _jsonld(
    "ClaimReviewRating",
    "The verdict as a schema.org Rating: 1 (false) to 5 (true), `alternateName` in words.",
    at_type=_const("Rating"),
    ratingValue=serializers.IntegerField(required=False, min_value=1, max_value=5),
    bestRating=serializers.IntegerField(),
    worstRating=serializers.IntegerField(),
    alternateName=serializers.CharField(),
)
ClaimReviewItemSerializer = _jsonld(
    "ClaimReviewItem",
    "The schema.org Claim reviewed: who made it, and where and when it appeared.",
    at_type=_const("Claim"),
    author=_PartiesField(required=False),
    appearance=serializers.ListField(child=serializers.URLField(), required=False),
    datePublished=serializers.DateField(required=False),
    firstAppearance=serializers.URLField(required=False),
)
CLAIMREVIEW_FIELDS = {
    "at_type": _const("ClaimReview"),
    "at_id": serializers.URLField(),
    "url": serializers.URLField(),
    "claimReviewed": serializers.CharField(),
    "datePublished": serializers.DateField(),
    "author": ClaimReviewPartySerializer(),
    "reviewRating": ClaimReviewRatingSerializer(),
    "itemReviewed": ClaimReviewItemSerializer(),
}
ClaimReviewNodeSerializer = _jsonld(
    "ClaimReviewNode",
    "A claim's verdict as schema.org ClaimReview, in a feed's `@graph`.",
    **CLAIMREVIEW_FIELDS,
)
ClaimReviewSerializer = _jsonld(
    "ClaimReview",
    "A claim's verdict as schema.org ClaimReview (JSON-LD).",
    at_context=_const(SCHEMA_CONTEXT),
    **CLAIMREVIEW_FIELDS,
)
ClaimReviewFeedSerializer = extend_schema_serializer(many=False)(
    _jsonld(
        "ClaimReviewFeed",
        "One page of verdicts as a JSON-LD `@graph`; follow `next` to the last page.",
        at_context=_const(SCHEMA_CONTEXT),
        at_graph=ClaimReviewNodeSerializer(many=True),
        next=serializers.URLField(allow_null=True),
        previous=serializers.URLField(allow_null=True),
    )
)


class ClaimDetailSerializer(ClaimSerializer):
    """One claim as ClaimSerializer gives it, with what other fact-checkers say about it.

    `external_reviews` are other organisations' published verdicts (imported ClaimReview) and
    `external_summary` counts them by rating and names their publishers: evidence, never
    claimtrack's verdict, which is `status` alone.
    """

    external_reviews = serializers.SerializerMethodField()
    external_summary = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "external_reviews", "external_summary"]

    def to_representation(self, instance):
        # A claim reads as claims.representation builds it, plus the external reviews.
        return super().to_representation(instance) | external_review_fields(instance)

    @extend_schema_field(ExternalReviewBriefSerializer(many=True))
    def get_external_reviews(self, claim) -> list:
        return external_review_fields(claim)["external_reviews"]

    @extend_schema_field(ExternalSummarySerializer)
    def get_external_summary(self, claim) -> dict:
        return external_review_fields(claim)["external_summary"]


def external_review_fields(claim) -> dict:
    """ClaimDetailSerializer's additions to a claim's representation (one query per claim)."""
    reviews = getattr(claim, "_external_reviews", None)
    if reviews is None:
        reviews = claim._external_reviews = list(claim.external_reviews.select_related("publisher"))
    return {
        "external_reviews": ExternalReviewBriefSerializer(reviews, many=True).data,
        "external_summary": external_summary(reviews),
    }
