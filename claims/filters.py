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
    ParticipantRole,
    Stance,
)
from claims.workflow import Consensus, annotate_consensus
from claimtrack.api import BooleanFilter, IdFilter, choices_filter, countries_filter, ids_filter
from sources.filters import publisher_q

Q_MAX_LENGTH = 500


class ClaimFilterSet(filters.FilterSet):
    """Filters of the claims list, its stats and its exports. Multi-valued ones mean "any of"."""

    country = countries_filter(
        method="filter_country", help_text="ISO 3166-1 alpha-2 or alpha-3, any case; any of."
    )
    country_all = countries_filter(
        method="filter_country_all", help_text="Claims concerning all of these countries."
    )
    country_role = choices_filter(
        CountryRole.choices,
        method="filter_country_role",
        help_text="Only country rows in these roles match `country`/`country_all`.",
    )
    status = choices_filter(ClaimStatus.choices, field_name="status", lookup_expr="in")
    kind = choices_filter(ClaimKind.choices, field_name="kind", lookup_expr="in")
    actor = ids_filter(method="filter_actor", help_text="Actor ids; any of.")
    actor_role = choices_filter(
        ParticipantRole.choices,
        method="filter_actor_role",
        help_text="With `actor`: the actor in these roles; alone: any participant in them.",
    )
    event = IdFilter(field_name="event_id", lookup_expr="exact")
    source = IdFilter(method="filter_source", help_text="Claims citing this source.")
    publisher = filters.CharFilter(
        method="filter_publisher", max_length=253, help_text="Publisher id or domain."
    )
    stance = choices_filter(
        Stance.choices, method="filter_stance", help_text="Claims with a citation of this stance."
    )
    occurred_after = filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = filters.DateFilter(field_name="occurred_on", lookup_expr="lte")
    updated_after = filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gt")
    consensus = choices_filter(
        Consensus.choices, method="filter_consensus", help_text="What the citations say."
    )
    needs_rereview = BooleanFilter(
        field_name="needs_rereview",
        lookup_expr="exact",
        help_text="true: claims whose verdict rests on a quote that moved in its source.",
    )
    q = filters.CharFilter(
        method="filter_q",
        max_length=Q_MAX_LENGTH,
        help_text="Full text over statements, participants' names and quotes.",
    )

    class Meta:
        model = Claim
        fields = []

    def _country_rows(self, codes):
        rows = ClaimCountry.objects.filter(country__in=codes)
        roles = self.form.cleaned_data.get("country_role")
        if roles:
            rows = rows.filter(role__in=roles)
        # A list page after a cursor (ClaimViewSet.list): the page's id bound again here, so
        # the subquery starts at the cursor instead of reading every newer row of the country.
        bound = getattr(self.request, "claims_id_bound", None)
        if bound:
            rows = rows.filter(**{f"claim_id__{bound[0]}": bound[1]})
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

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.search(value) if value else queryset


class ActorFilterSet(filters.FilterSet):
    country = countries_filter(field_name="country", lookup_expr="in")
    kind = choices_filter(ActorKind.choices, field_name="kind", lookup_expr="in")
    q = filters.CharFilter(method="filter_q", max_length=200, help_text="Name or alias.")

    class Meta:
        model = Actor
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(aliases__icontains=value))


class EventFilterSet(filters.FilterSet):
    kind = choices_filter(EventKind.choices, field_name="kind", lookup_expr="in")
    country = countries_filter(field_name="country", lookup_expr="in")
    starts_after = filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    starts_before = filters.DateFilter(field_name="starts_on", lookup_expr="lte")
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Event
        fields = []


class CitationFilterSet(filters.FilterSet):
    claim = IdFilter(field_name="claim_id", lookup_expr="exact")
    source = IdFilter(field_name="source_id", lookup_expr="exact")
    stance = choices_filter(Stance.choices, field_name="stance", lookup_expr="in")
    anchoring = choices_filter(AnchoringState.choices, field_name="anchoring", lookup_expr="in")

    class Meta:
        model = Citation
        fields = []
