from django.db.models import Q
from django_filters import rest_framework as filters

from claims.models import (
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
    Event,
    EventKind,
    ExternalReview,
    ParticipantRole,
    RatingBucket,
    Stance,
)
from claims.workflow import Consensus, annotate_consensus
from claimtrack.api import (
    BooleanFilter,
    FilterSet,
    IdFilter,
    choices_filter,
    countries_filter,
    ids_filter,
)
from sources.filters import publisher_q

Q_MAX_LENGTH = 500
# A list ordered by relevance ranks the newest this many matches of `q` (docs/api.md): the
# cost of ranking grows with the candidates, not with the archive.
RANKED_MATCHES = 1000


class ClaimFilterSet(FilterSet):
    """Filters of the claims list, its stats and its exports. Multi-valued ones mean "any of"."""

    country = countries_filter(
        method="filter_country",
        label="Country",
        help_text="Claims concerning any of these countries, in any role (ISO 3166-1 alpha-2 or "
        "alpha-3, any case: `MA`, `ma`, `MAR`).",
    )
    country_all = countries_filter(
        method="filter_country_all",
        label="All of these countries",
        help_text="Claims concerning all of these countries.",
    )
    country_role = choices_filter(
        CountryRole.choices,
        method="filter_country_role",
        label="Country role",
        help_text="Only country rows in these roles match `country`/`country_all`; alone: "
        "claims with any country in these roles.",
    )
    status = choices_filter(
        ClaimStatus.choices,
        field_name="status",
        lookup_expr="in",
        label="Status",
        help_text="Claims with one of these review statuses.",
    )
    kind = choices_filter(
        ClaimKind.choices,
        field_name="kind",
        lookup_expr="in",
        label="Kind",
        help_text="Claims of one of these kinds.",
    )
    actor = ids_filter(
        method="filter_actor",
        label="Actor",
        help_text="Claims with one of these actors (ids) as participant.",
    )
    actor_role = choices_filter(
        ParticipantRole.choices,
        method="filter_actor_role",
        label="Actor role",
        help_text="With `actor`: the actor in these roles; alone: any participant in them.",
    )
    event = IdFilter(
        field_name="event_id",
        lookup_expr="exact",
        label="Event",
        help_text="Claims that belong to this event (its id).",
    )
    source = IdFilter(
        method="filter_source",
        label="Source",
        help_text="Claims citing this source (its id).",
    )
    publisher = filters.CharFilter(
        method="filter_publisher",
        max_length=253,
        label="Publisher",
        help_text="Claims citing a source of this publisher: its id or its domain "
        "(`apnews.com`, with or without `www.`).",
    )
    stance = choices_filter(
        Stance.choices,
        method="filter_stance",
        label="Citation stance",
        help_text="Claims with at least one citation of one of these stances.",
    )
    occurred_after = filters.DateFilter(
        field_name="occurred_on",
        lookup_expr="gte",
        label="Occurred on or after",
        help_text="Claims that happened on or after this date (`YYYY-MM-DD`).",
    )
    occurred_before = filters.DateFilter(
        field_name="occurred_on",
        lookup_expr="lte",
        label="Occurred on or before",
        help_text="Claims that happened on or before this date (`YYYY-MM-DD`).",
    )
    updated_after = filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        label="Updated after",
        help_text="Claims changed after this moment (ISO 8601), for syncing a copy.",
    )
    consensus = choices_filter(
        Consensus.choices,
        method="filter_consensus",
        label="Consensus",
        help_text="What the citations say, taken together.",
    )
    needs_rereview = BooleanFilter(
        field_name="needs_rereview",
        lookup_expr="exact",
        label="Needs re-review",
        help_text="`true`: claims whose verdict rests on a quote that moved in its source.",
    )
    fact_checked_by = filters.CharFilter(
        method="filter_fact_checked_by",
        max_length=253,
        label="Fact-checked by",
        help_text="Claims another fact-checker has reviewed (an external review): the "
        "publisher's id or domain (`politifact.com`).",
    )
    external_rating = choices_filter(
        RatingBucket.choices,
        method="filter_external_rating",
        label="External rating",
        help_text="Claims with an external review rated in one of these buckets (with "
        "`fact_checked_by`: a review of that publisher).",
    )
    q = filters.CharFilter(
        method="filter_q",
        max_length=Q_MAX_LENGTH,
        label="Text",
        help_text="Full text over statements, participants' names and quotes (PostgreSQL: "
        'stemming, `"a phrase"`, `-word`, `or`).',
    )

    parameter_examples = {
        "publisher": "apnews.com",
        "q": "Hammouchi",
        "country": ["EH"],
        "fact_checked_by": "politifact.com",
    }

    class Meta:
        model = Claim
        fields = []

    def __init__(
        self, *args, id_bound: tuple[str, int] | None = None, ranked: bool = False, **kwargs
    ):
        # A list page after a cursor (claimtrack.pagination.Position.id_bound): the page's id
        # bound, repeated in the country subquery so that it starts at the cursor instead of
        # reading every newer row of the country. `ranked`: the list is ordered by search
        # rank, which ranks the newest RANKED_MATCHES matches of `q` only.
        super().__init__(*args, **kwargs)
        self.id_bound = id_bound
        self.ranked = ranked

    def _country_rows(self, codes):
        rows = ClaimCountry.objects.filter(country__in=codes)
        roles = self.form.cleaned_data.get("country_role")
        if roles:
            rows = rows.filter(role__in=roles)
        if self.id_bound:
            lookup, pk = self.id_bound
            rows = rows.filter(**{f"claim_id__{lookup}": pk})
        return rows

    def filter_country(self, queryset, name, codes):
        return queryset.filter(pk__in=self._country_rows(codes).values("claim_id"))

    def filter_country_all(self, queryset, name, codes):
        for code in codes:
            queryset = queryset.filter(pk__in=self._country_rows([code]).values("claim_id"))
        return queryset

    def filter_country_role(self, queryset, name, roles):
        data = self.form.cleaned_data
        if data.get("country") or data.get("country_all"):
            return queryset  # applied by those filters
        rows = ClaimCountry.objects.filter(role__in=roles)
        return queryset.filter(pk__in=rows.values("claim_id"))

    def filter_actor(self, queryset, name, actor_ids):
        rows = ClaimActor.objects.filter(actor_id__in=actor_ids)
        roles = self.form.cleaned_data.get("actor_role")
        if roles:
            rows = rows.filter(role__in=roles)
        return queryset.filter(pk__in=rows.values("claim_id"))

    def filter_actor_role(self, queryset, name, roles):
        if self.form.cleaned_data.get("actor"):
            return queryset  # applied by the actor filter
        return queryset.filter(pk__in=ClaimActor.objects.filter(role__in=roles).values("claim_id"))

    def filter_source(self, queryset, name, source_id):
        rows = Citation.objects.filter(source_id=source_id)
        return queryset.filter(pk__in=rows.values("claim_id"))

    def filter_publisher(self, queryset, name, value):
        rows = Citation.objects.filter(publisher_q(value, "source__publisher__"))
        return queryset.filter(pk__in=rows.values("claim_id"))

    def filter_stance(self, queryset, name, stances):
        rows = Citation.objects.filter(stance__in=stances)
        return queryset.filter(pk__in=rows.values("claim_id"))

    def filter_consensus(self, queryset, name, values):
        if "consensus" not in queryset.query.annotations:
            queryset = annotate_consensus(queryset)
        return queryset.filter(consensus__in=values)

    def _external_rows(self):
        rows = ExternalReview.objects.all()
        data = self.form.cleaned_data
        if data.get("fact_checked_by"):
            rows = rows.filter(publisher_q(data["fact_checked_by"], "publisher__"))
        if data.get("external_rating"):
            rows = rows.filter(rating__in=data["external_rating"])
        return rows

    def filter_fact_checked_by(self, queryset, name, value):
        return queryset.filter(pk__in=self._external_rows().values("claim_id"))

    def filter_external_rating(self, queryset, name, values):
        if self.form.cleaned_data.get("fact_checked_by"):
            return queryset  # applied together by fact_checked_by
        return queryset.filter(pk__in=self._external_rows().values("claim_id"))

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.search(value, ranked=RANKED_MATCHES if self.ranked else None)


class ExternalReviewFilterSet(FilterSet):
    """Filters of the external reviews: other fact-checkers' verdicts."""

    claim = IdFilter(
        field_name="claim_id", lookup_expr="exact", label="Claim", help_text="Of this claim."
    )
    publisher = filters.CharFilter(
        method="filter_publisher",
        max_length=253,
        label="Publisher",
        help_text="Published by this fact-checker: its id or domain (`politifact.com`).",
    )
    rating = choices_filter(
        RatingBucket.choices,
        field_name="rating",
        lookup_expr="in",
        label="Rating",
        help_text="Rated in one of these buckets (`unmapped`: the label is not mapped yet).",
    )
    language = filters.CharFilter(
        field_name="language",
        lookup_expr="iexact",
        max_length=35,
        label="Language",
        help_text="In this language (BCP 47 tag, e.g. `es`).",
    )
    published_after = filters.IsoDateTimeFilter(
        field_name="published_at",
        lookup_expr="gte",
        label="Published on or after",
        help_text="Reviews published at or after this moment (ISO 8601).",
    )
    published_before = filters.IsoDateTimeFilter(
        field_name="published_at",
        lookup_expr="lte",
        label="Published on or before",
        help_text="Reviews published at or before this moment (ISO 8601).",
    )

    class Meta:
        model = ExternalReview
        fields = []

    def filter_publisher(self, queryset, name, value):
        return queryset.filter(publisher_q(value, "publisher__"))


class ActorFilterSet(FilterSet):
    country = countries_filter(
        field_name="country",
        lookup_expr="in",
        label="Country",
        help_text="Actors of any of these countries (ISO 3166-1 alpha-2 or alpha-3, any case).",
    )
    kind = choices_filter(
        ActorKind.choices,
        field_name="kind",
        lookup_expr="in",
        label="Kind",
        help_text="Actors of one of these kinds.",
    )
    q = filters.CharFilter(
        method="filter_q",
        max_length=200,
        label="Name",
        help_text="Part of the name or of an alias, any case.",
    )

    parameter_examples = {"q": "Hammouchi"}

    class Meta:
        model = Actor
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(aliases__icontains=value))


class EventFilterSet(FilterSet):
    kind = choices_filter(
        EventKind.choices,
        field_name="kind",
        lookup_expr="in",
        label="Kind",
        help_text="Events of one of these kinds.",
    )
    country = countries_filter(
        field_name="country",
        lookup_expr="in",
        label="Country",
        help_text="Events held in any of these countries (ISO 3166-1 alpha-2 or alpha-3).",
    )
    starts_after = filters.DateFilter(
        field_name="starts_on",
        lookup_expr="gte",
        label="Starts on or after",
        help_text="Events starting on or after this date (`YYYY-MM-DD`).",
    )
    starts_before = filters.DateFilter(
        field_name="starts_on",
        lookup_expr="lte",
        label="Starts on or before",
        help_text="Events starting on or before this date (`YYYY-MM-DD`).",
    )
    q = filters.CharFilter(
        field_name="name",
        lookup_expr="icontains",
        max_length=200,
        label="Name",
        help_text="Part of the event's name, any case.",
    )

    parameter_examples = {"q": "Washington"}

    class Meta:
        model = Event
        fields = []


class CitationFilterSet(FilterSet):
    claim = IdFilter(
        field_name="claim_id",
        lookup_expr="exact",
        label="Claim",
        help_text="Citations of this claim (its id).",
    )
    source = IdFilter(
        field_name="source_id",
        lookup_expr="exact",
        label="Source",
        help_text="Citations quoting this source (its id).",
    )
    stance = choices_filter(
        Stance.choices,
        field_name="stance",
        lookup_expr="in",
        label="Stance",
        help_text="Citations of one of these stances.",
    )
    anchoring = choices_filter(
        AnchoringState.choices,
        field_name="anchoring",
        lookup_expr="in",
        label="Anchoring",
        help_text="Where the quote was found in its source's text (`orphaned`: the editors' "
        "to-do list).",
    )

    class Meta:
        model = Citation
        fields = []
