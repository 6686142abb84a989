from functools import cached_property

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connections, models, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django_countries import countries as all_countries

from claims import admin_views
from claims.filters import ClaimFilterSet
from claims.history import claim_history
from claims.models import (
    Actor,
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    CountryRole,
    Event,
    Review,
    Stance,
)
from claims.workflow import Consensus, allowed_targets, annotate_consensus
from claimtrack.api import parse_id
from sources.admin import HistoryAdmin, SourceAdmin
from sources.models import Publisher, Source

# The index links to the country chart (admin/claims/index.html extends the stock index).
admin.site.index_template = "admin/claims/index.html"

# Below this many rows an exact COUNT(*) is cheap; above it the planner's estimate will do.
ESTIMATE_COUNT_ABOVE = 100_000


class EstimatedCountPaginator(Paginator):
    """A paginator that, on PostgreSQL and without filters, takes the row count from the
    planner's statistics (pg_class.reltuples) instead of a COUNT(*) over every row."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is not None and not query.where and not query.distinct:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                        [queryset.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                # -1 (never analysed) or small tables: count exactly.
                if row and row[0] >= ESTIMATE_COUNT_ABOVE:
                    return int(row[0])
        return super().count


# --- List filters: each one hands its value to the API's ClaimFilterSet --------------------


def _filterset_queryset(request, queryset, data: dict):
    """`queryset` filtered as the API would filter it; invalid values give no rows and a
    message naming the filter (never a 500)."""
    filterset = ClaimFilterSet(data=data, queryset=queryset)
    if not filterset.is_valid():
        for field, errors in filterset.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
        return queryset.none()
    return filterset.qs


class ClaimCountryFilter(admin.SimpleListFilter):
    """Only the countries that claims concern, by name (the role filter narrows it)."""

    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = ClaimCountry.objects.codes_in_use()
        return sorted(((code, all_countries.name(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request, queryset):
        if not self.value():
            return None
        data = {"country": self.value()}
        role = request.GET.get(CountryRoleFilter.parameter_name)
        if role:
            data["country_role"] = role
        return _filterset_queryset(request, queryset, data)


class CountryRoleFilter(admin.SimpleListFilter):
    """With a country: the roles it must have; alone: claims with any country in the role."""

    title = "country role"
    parameter_name = "country_role"

    def lookups(self, request, model_admin):
        return CountryRole.choices

    def queryset(self, request, queryset):
        if not self.value() or request.GET.get(ClaimCountryFilter.parameter_name):
            return None  # applied together with the country
        return _filterset_queryset(request, queryset, {"country_role": self.value()})


class ConsensusFilter(admin.SimpleListFilter):
    """What the citations say together (supports vs refutes)."""

    title = "consensus"
    parameter_name = "consensus"

    def lookups(self, request, model_admin):
        return Consensus.choices

    def queryset(self, request, queryset):
        if not self.value():
            return None
        return _filterset_queryset(request, queryset, {"consensus": self.value()})


class EventFilter(admin.SimpleListFilter):
    """The latest events that claims describe (and the chosen one); others by ?event=<id>."""

    title = "event"
    parameter_name = "event"
    shown = 30

    def lookups(self, request, model_admin):
        # EXISTS, not a DISTINCT join: it stops at the first claim of each event.
        described = Exists(Claim.objects.filter(event=OuterRef("pk")))
        events = list(Event.objects.filter(described).order_by("-starts_on", "name")[: self.shown])
        chosen = parse_id(self.value())
        if chosen is not None and all(e.pk != chosen for e in events):
            events += list(Event.objects.filter(pk=chosen))
        return [(str(e.pk), e.name) for e in events]

    def queryset(self, request, queryset):
        if not self.value():
            return None
        return _filterset_queryset(request, queryset, {"event": self.value()})


class PublisherFilter(admin.SimpleListFilter):
    """Publishers of the sources that claims cite."""

    title = "publisher"
    parameter_name = "publisher"

    def lookups(self, request, model_admin):
        cited = Exists(Citation.objects.filter(source__publisher=OuterRef("pk")))
        publishers = Publisher.objects.filter(cited).order_by("name").only("name")
        return [(str(p.pk), p.name) for p in publishers]

    def queryset(self, request, queryset):
        if not self.value():
            return None
        return _filterset_queryset(request, queryset, {"publisher": self.value()})


# --- The claim form -----------------------------------------------------------------------

STALE = "stale"


class ClaimAdminForm(forms.ModelForm):
    """The claim form; it carries the version it was opened at, and a save of a claim that
    changed since is refused (checked under the row lock in the save's transaction)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Claim
        fields = ["statement", "kind", "event", "occurred_on", "date_precision"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            # From the database, not the instance: a reverted history record has no version.
            self.initial["expected_version"] = (
                Claim.objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        # The admin validates and saves in one transaction; the lock holds until the save.
        current = (
            Claim.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        expected = cleaned.get("expected_version")
        if current is None:
            raise forms.ValidationError(
                "This claim was deleted since you opened it; nothing was saved.", code=STALE
            )
        if expected != current:
            raise forms.ValidationError(
                "Someone else changed this claim since you opened it (you opened version "
                f"{expected or '?'}, it is now at version {current}). Nothing was saved: "
                "reload the page to see their changes, then make yours again.",
                code=STALE,
            )
        return cleaned


def _prefill(request, model) -> list[dict]:
    """Initial rows for an inline of the add form, from GET parameters (a suggestion).

    `country` (repeated) → countries in role "mentioned"; `actor` (repeated ids) → participants
    without a role (the editor decides it); `source`, `quote`, `prefix`, `suffix`, `stance` → one
    citation. Values that name nothing are dropped.
    """
    get = request.GET
    if model is ClaimCountry:
        codes = dict.fromkeys(
            c.upper() for c in get.getlist("country") if c.upper() in all_countries
        )
        return [{"country": code, "role": CountryRole.MENTIONED} for code in codes]
    if model is ClaimActor:
        ids = [pk for pk in map(parse_id, get.getlist("actor")) if pk is not None]
        known = set(Actor.objects.filter(pk__in=ids).values_list("pk", flat=True))
        return [{"actor": pk} for pk in dict.fromkeys(ids) if pk in known]
    if model is Citation:
        source = parse_id(get.get("source"))
        if source is None or not Source.objects.filter(pk=source).exists():
            return []
        stance = get.get("stance", "")
        return [
            {
                "source": source,
                "quote": get.get("quote", ""),
                "prefix": get.get("prefix", "")[:32],
                "suffix": get.get("suffix", "")[:32],
                "stance": stance if stance in Stance.values else Stance.SUPPORTS,
            }
        ]
    return []


class PrefilledInline:
    """An inline of the claim form that the add view can pre-fill from GET parameters."""

    def get_extra(self, request, obj=None, **kwargs):
        if request.method == "GET" and obj is None:
            rows = _prefill(request, self.model)
            if rows:
                return len(rows)
        return super().get_extra(request, obj, **kwargs)


class ClaimActorInline(PrefilledInline, admin.TabularInline):
    model = ClaimActor
    extra = 0
    autocomplete_fields = ["actor"]
    fields = ["actor", "role"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class ClaimCountryInline(PrefilledInline, admin.TabularInline):
    model = ClaimCountry
    extra = 0
    fields = ["country", "role", "derived"]
    readonly_fields = ["derived"]


def _anchoring_badge(citation: Citation) -> str:
    return format_html(
        '<span class="badge anchoring-{}">{}</span>',
        citation.anchoring,
        citation.get_anchoring_display(),
    )


class CitationInline(PrefilledInline, admin.StackedInline):
    model = Citation
    extra = 0
    autocomplete_fields = ["source"]
    fields = [
        "source",
        "stance",
        "quote",
        ("prefix", "suffix"),
        "note",
        ("anchoring_state", "offsets"),
        "passage",
    ]
    readonly_fields = ["anchoring_state", "offsets", "passage"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")

    @admin.display(description="anchoring")
    def anchoring_state(self, obj: Citation) -> str:
        return _anchoring_badge(obj) if obj.pk else "–"

    @admin.display(description="offsets")
    def offsets(self, obj: Citation) -> str:
        if not obj.pk or obj.start is None:
            return "–"
        return f"{obj.start}–{obj.end}"

    @admin.display(description="in the source")
    def passage(self, obj: Citation) -> str:
        return admin_views.passage_in_context(obj) if obj.pk else "–"


# --- Claims -------------------------------------------------------------------------------


def _citation_total():
    counted = (
        Citation.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


@admin.register(Claim)
class ClaimAdmin(HistoryAdmin):
    """Claims: the editors' main list and form; status changes go through the workflow."""

    form = ClaimAdminForm
    list_display = [
        "short_statement",
        "kind",
        "status_badge",
        "country_codes",
        "consensus_label",
        "citation_count",
        "updated_at",
    ]
    list_filter = [
        "status",
        "kind",
        ClaimCountryFilter,
        CountryRoleFilter,
        ConsensusFilter,
        EventFilter,
        PublisherFilter,
    ]
    search_fields = ["statement", "participants__actor__name", "citations__quote"]
    search_help_text = "Words in the statement, a participant's name or a quote."
    date_hierarchy = "occurred_on"
    autocomplete_fields = ["event"]
    readonly_fields = [
        "status_badge",
        "country_summary",
        "version",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "statement",
                    "kind",
                    "event",
                    ("occurred_on", "date_precision"),
                    "expected_version",
                ]
            },
        ),
        ("Status and countries", {"fields": ["status_badge", "country_summary"]}),
        (
            "Record",
            {
                "classes": ["collapse"],
                "fields": ["version", "created_by", "created_at", "updated_at"],
            },
        ),
    ]
    inlines = [ClaimActorInline, ClaimCountryInline, CitationInline]
    actions = [admin_views.send_to_review]
    list_select_related = ["event"]
    list_per_page = 50
    show_full_result_count = False
    # Facet counts run one COUNT per filter choice: too much for a million claims.
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    history_list_display = ["status"]
    change_list_template = "admin/claims/claim/change_list.html"
    change_form_template = "admin/claims/claim/change_form.html"
    object_history_template = "admin/claims/claim/object_history.html"

    class Media:
        css = {"all": ["claims/admin.css"]}

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(
                lambda request, *args, **kwargs: function(self, request, *args, **kwargs)
            )

        return [
            path("export.csv", view(admin_views.export_csv_view), name="claims_claim_export"),
            path("deleted/", view(admin_views.deleted_claims_view), name="claims_claim_deleted"),
            path("chart/", view(admin_views.country_chart_view), name="claims_claim_chart"),
            path(
                "<path:object_id>/review/",
                view(admin_views.review_view),
                name="claims_claim_review",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        return (
            annotate_consensus(super().get_queryset(request))
            .annotate(citation_total=_citation_total())
            .prefetch_related(
                models.Prefetch(
                    "countries", queryset=ClaimCountry.objects.order_by("country", "role")
                )
            )
        )

    def get_search_results(self, request, queryset, search_term):
        # The model's search: full text (GIN index) on PostgreSQL, word by word elsewhere;
        # no joins, so no duplicate rows to remove.
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.search(term), False

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        # An autocomplete renders its initial value with a query: only an id may go in.
        if "event" in initial and parse_id(initial["event"]) is None:
            del initial["event"]
        return initial

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if request.method == "GET" and obj.pk is None:
            rows = _prefill(request, inline.model)
            if rows:
                kwargs["initial"] = rows
        return kwargs

    # --- columns and read-only fields ---

    @admin.display(description="statement", ordering="statement")
    def short_statement(self, obj: Claim) -> str:
        return str(obj)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Claim) -> str:
        return format_html(
            '<span class="badge status-{}">{}</span>', obj.status, obj.get_status_display()
        )

    @admin.display(description="countries")
    def country_codes(self, obj: Claim) -> str:
        codes = sorted({row.country.code: row.country.name for row in obj.countries.all()}.items())
        return format_html_join(" ", '<abbr title="{}">{}</abbr>', ((n, c) for c, n in codes))

    @admin.display(description="consensus", ordering="consensus")
    def consensus_label(self, obj: Claim) -> str:
        value = getattr(obj, "consensus", None)
        if value is None:
            return "–"
        return format_html(
            '<span class="consensus consensus-{}">{}</span>', value, Consensus(value).label
        )

    @admin.display(description="citations", ordering="citation_total")
    def citation_count(self, obj: Claim) -> int:
        return obj.citation_total

    @admin.display(description="countries (derived and entered)")
    def country_summary(self, obj: Claim) -> str:
        if not obj.pk:
            return "Derived from the participants and the event when you save."
        rows = obj.countries.order_by("country", "role")
        if not rows:
            return "None yet."
        return format_html_join(
            "",
            '<div class="country-row"><abbr title="{}">{}</abbr> {} · {} <em>{}</em></div>',
            (
                (
                    row.country.name,
                    row.country.code,
                    row.country.name,
                    row.get_role_display(),
                    "derived" if row.derived else "entered",
                )
                for row in rows
            ),
        )

    # --- saving: status only through the workflow; stale saves refused ---

    def save_model(self, request, obj, form, change):
        if change:
            # The status is the workflow's and the version the row's: a reverted history
            # record carries neither, and the form never edits them.
            obj.status, obj.version = Claim.objects.values_list("status", "version").get(pk=obj.pk)
        else:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            if isinstance(instance, Citation) and instance.created_by_id is None:
                instance.created_by = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        for error in form.non_field_errors().as_data():
            if error.code == STALE:
                messages.error(request, error.messages[0])
        if obj is not None and obj.pk:
            context["review_url"] = reverse("admin:claims_claim_review", args=[obj.pk])
            context["review_targets"] = allowed_targets(obj.status, request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The revert saves through the claim form, whose version check locks the row: the
        # lock needs a transaction, which the stock history view does not open.
        with transaction.atomic():
            return super().history_form_view(request, object_id, version_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        extra = dict(extra_context or {})
        claim_id = parse_id(object_id)
        if claim_id is not None:
            extra["part_changes"] = [
                entry for entry in claim_history(claim_id, limit=200) if entry["model"] != "claim"
            ]
        return super().history_view(request, object_id, extra_context=extra)

    def changelist_view(self, request, extra_context=None):
        extra = dict(extra_context or {})
        query = request.GET.copy()
        for ignored in ("p", "o", "e", "_changelist_filters"):
            query.pop(ignored, None)
        extra["export_url"] = (
            f"{reverse('admin:claims_claim_export')}?{query.urlencode()}"
            if query
            else reverse("admin:claims_claim_export")
        )
        return super().changelist_view(request, extra_context=extra)


# --- Sources: the page with the cited quotes, mentions and suggestions ---------------------


class SourceWithClaimsAdmin(SourceAdmin):
    """The source admin with what claims know about a source: its cited quotes highlighted in
    the text, the citations, and the mentions and suggested claims in its text."""

    class Media:
        css = {"all": ["claims/admin.css"]}

    def source_panels(self, request, source: Source) -> dict:
        return admin_views.source_claims_context(source)


admin.site.unregister(Source)
admin.site.register(Source, SourceWithClaimsAdmin)


@admin.register(Actor)
class ActorAdmin(HistoryAdmin):
    list_display = ["name", "kind", "title", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "title", "aliases"]


@admin.register(Event)
class EventAdmin(HistoryAdmin):
    list_display = ["name", "kind", "starts_on", "ends_on", "location", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "location"]
    date_hierarchy = "starts_on"


@admin.register(Citation)
class CitationAdmin(HistoryAdmin):
    list_display = ["__str__", "claim", "source", "stance", "anchoring"]
    list_filter = ["stance", "anchoring"]
    list_select_related = ["claim", "source"]
    search_fields = ["quote", "claim__statement", "source__title"]
    autocomplete_fields = ["claim", "source"]
    readonly_fields = ["anchoring", "start", "end", "anchor_score", "created_by", "created_at"]


@admin.register(ClaimActor)
class ClaimActorAdmin(HistoryAdmin):
    list_display = ["claim", "actor", "role"]
    list_filter = ["role"]
    list_select_related = ["claim", "actor"]
    autocomplete_fields = ["claim", "actor"]
    search_fields = ["actor__name", "claim__statement"]


@admin.register(ClaimCountry)
class ClaimCountryAdmin(HistoryAdmin):
    list_display = ["claim", "country", "role", "derived"]
    list_filter = ["role", "derived", "country"]
    list_select_related = ["claim"]
    autocomplete_fields = ["claim"]
    readonly_fields = ["derived"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Read-only: reviews are written by the workflow, never edited."""

    list_display = ["claim", "status_before", "status_after", "reviewer", "created_at", "imported"]
    list_filter = ["status_after", "imported"]
    list_select_related = ["claim", "reviewer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
