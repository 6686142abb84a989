from functools import cached_property

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.paginator import Paginator
from django.db import connections, models, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django_countries import countries as all_countries

from claims import admin_views
from claims.filters import ClaimFilterSet
from claims.history import claim_history
from claims.integrity import VerdictLocked, snapshot_changes
from claims.models import (
    TOPIC_MAX_POSITIONS,
    Actor,
    Citation,
    Claim,
    ClaimActor,
    ClaimCountry,
    ClaimStatus,
    CountryRole,
    Event,
    ExternalReview,
    RatingBucket,
    RatingLabel,
    Review,
    Stance,
    Topic,
    TopicPosition,
)
from claims.workflow import (
    LABEL,
    VERDICTS,
    Consensus,
    allowed_targets,
    annotate_consensus,
    claim_snapshot,
    current_verdict,
    may_review,
)
from claimtrack.api import parse_id
from sources.admin import CountryInUseFilter, HistoryAdmin, SourceAdmin, truncated
from sources.models import Publisher, Source

# The index links to the country chart (admin/claims/index.html extends the stock index).
admin.site.index_template = "admin/claims/index.html"
admin.site.site_header = "claimtrack"
admin.site.site_title = "claimtrack"
admin.site.index_title = "The editors' desk"
# "View site": the public pages' home (the root path; the admin is under /admin/).
admin.site.site_url = "/"
# The side navigation repeats the index and takes 280 px of a 1366 px laptop screen from the
# lists; the breadcrumbs and the index lead everywhere it does.
admin.site.enable_nav_sidebar = False

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


class ActorFilter(admin.SimpleListFilter):
    """Claims with an actor as a participant; the actor is chosen in an autocomplete (the one
    the participant form uses: exact and prefix matches on the name first)."""

    title = "actor"
    parameter_name = "actor"
    template = "admin/claims/claim/actor_filter.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        widget = AutocompleteSelect(
            ClaimActor._meta.get_field("actor"),
            model_admin.admin_site,
            attrs={"class": "actor-filter"},
        )
        # A form field gives the widget the choices it renders the chosen actor from.
        field = forms.ModelChoiceField(Actor.objects.all(), widget=widget, required=False)
        self.widget_html = field.widget.render(
            "actor", self.chosen.pk if self.chosen else None, {"id": "actor-filter"}
        )

    def lookups(self, request, model_admin):
        # Only the chosen actor: the autocomplete finds the others.
        chosen = parse_id(self.value())
        self.chosen = Actor.objects.filter(pk=chosen).first() if chosen is not None else None
        return [(str(self.chosen.pk), self.chosen.name)] if self.chosen else []

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        if not self.value():
            return None
        return _filterset_queryset(request, queryset, {"actor": self.value()})


class WaitingFilter(admin.SimpleListFilter):
    """What waits for a reviewer: claims in review, and verdicts whose evidence moved."""

    title = "waiting for"
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("review", "needs review"), ("rereview", "needs re-review")]

    def queryset(self, request, queryset):
        if self.value() == "review":
            return queryset.filter(status=ClaimStatus.IN_REVIEW)
        if self.value() == "rereview":
            return queryset.filter(needs_rereview=True)
        return None


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
        fields = [
            "statement",
            "kind",
            "event",
            "occurred_on",
            "date_precision",
            "position",
            "note",
        ]

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


class ExactQuoteFields:
    """Keeps a citation's quote, prefix and suffix as typed: a TextQuoteSelector's strings are
    exact, and a prefix that ends in a space must keep it (Django's forms strip by default)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("quote", "prefix", "suffix"):
            kwargs["strip"] = False
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def status_badge(status: str) -> str:
    """A status as its coloured badge, with the one label it has everywhere."""
    return format_html('<span class="badge status-{}">{}</span>', status, LABEL[status])


def has_verdict(claim: Claim | None) -> bool:
    """True while `claim` has a verdict: it is then read-only until reopened."""
    return claim is not None and claim.status in VERDICTS


class GuardRefusalsAsMessages:
    """A write refused by the verdict integrity guard (claims.integrity) comes back as an error
    message on the page it came from, with nothing saved; never as a server error."""

    def _refused(self, request, error: VerdictLocked):
        self.message_user(request, str(error), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except VerdictLocked as error:
            return self._refused(request, error)

    def delete_view(self, request, *args, **kwargs):
        try:
            return super().delete_view(request, *args, **kwargs)
        except VerdictLocked as error:
            return self._refused(request, error)

    def changelist_view(self, request, *args, **kwargs):
        try:
            return super().changelist_view(request, *args, **kwargs)
        except VerdictLocked as error:
            return self._refused(request, error)


class ClaimColumn:
    """The claim a row belongs to as a list column: its statement cut short, whole on hover."""

    @admin.display(description="claim", ordering="claim__statement")
    def claim_short(self, obj) -> str:
        return truncated(obj.claim.statement, 50)


class ClaimPartAdmin(ClaimColumn, GuardRefusalsAsMessages, HistoryAdmin):
    """A claim's part on its own page: read-only while its claim has a verdict."""

    def _locked(self, obj) -> bool:
        return obj is not None and has_verdict(obj.claim)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._locked(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._locked(obj)


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
    """The countries entered by hand. Derived rows follow the participants and the event: they
    are shown (read-only) under "Countries (derived and entered)" and are not in this form, so
    no POST can change them."""

    model = ClaimCountry
    extra = 0
    fields = ["country", "role"]
    verbose_name = "entered country"
    verbose_name_plural = "entered countries (derived ones follow the participants and event)"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(derived=False)


def _anchoring_badge(citation: Citation) -> str:
    return format_html(
        '<span class="badge anchoring-{}">{}</span>',
        citation.anchoring,
        citation.get_anchoring_display(),
    )


class CitationInline(ExactQuoteFields, PrefilledInline, admin.StackedInline):
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


class ExternalReviewInline(admin.TabularInline):
    """What other fact-checkers say: their reviews, read-only (imports write them)."""

    model = ExternalReview
    verbose_name = "review by another fact-checker (not our verdict)"
    verbose_name_plural = "what other fact-checkers say (not our verdict)"
    fields = ["publisher", "label", "rating", "published_at", "published_at_origin", "link"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="review")
    def link(self, obj: ExternalReview) -> str:
        return format_html(
            '<a href="{}" rel="noopener" target="_blank">{}</a>', obj.review_url, obj.review_url
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("publisher")


@admin.register(Claim)
class ClaimAdmin(GuardRefusalsAsMessages, HistoryAdmin):
    """Claims: the editors' main list and form; status changes go through the workflow. A
    claim with a verdict opens read-only, with "Reopen for editing"."""

    form = ClaimAdminForm
    list_display = [
        "short_statement",
        "kind",
        "status_badge",
        "rereview_flag",
        "country_codes",
        "consensus_label",
        "citation_count",
        "updated_at",
    ]
    list_filter = [
        WaitingFilter,
        "status",
        ActorFilter,
        EventFilter,
        "kind",
        ClaimCountryFilter,
        CountryRoleFilter,
        ConsensusFilter,
        PublisherFilter,
    ]
    search_fields = ["statement", "participants__actor__name", "citations__quote"]
    search_help_text = (
        "Words in the statement, a participant's name or a quote; or a country by name or "
        "code in capitals (Western Sahara, EH, ESH)."
    )
    date_hierarchy = "occurred_on"
    autocomplete_fields = ["event"]
    readonly_fields = [
        "status_badge",
        "verdict_summary",
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
                    "position",
                    "note",
                    "expected_version",
                ]
            },
        ),
        (
            "Status, verdict and countries",
            {"fields": ["status_badge", "verdict_summary", "country_summary"]},
        ),
        (
            "Record",
            {
                "classes": ["collapse"],
                "fields": ["version", "created_by", "created_at", "updated_at"],
            },
        ),
    ]
    inlines = [ClaimActorInline, ClaimCountryInline, CitationInline, ExternalReviewInline]
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

    @property
    def media(self):
        # The list's actor filter is the admin's autocomplete: its scripts on every page.
        actor = AutocompleteSelect(ClaimActor._meta.get_field("actor"), self.admin_site)
        own = forms.Media(css={"all": ["claims/admin.css"]}, js=["claims/actor_filter.js"])
        return super().media + actor.media + own

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(
                lambda request, *args, **kwargs: function(self, request, *args, **kwargs)
            )

        return [
            path("export.csv", view(admin_views.export_csv_view), name="claims_claim_export"),
            path("deleted/", view(admin_views.deleted_claims_view), name="claims_claim_deleted"),
            path("chart/", view(admin_views.country_chart_view), name="claims_claim_chart"),
            path("queue/", view(admin_views.review_queue_view), name="claims_claim_queue"),
            path(
                "<path:object_id>/review/",
                view(admin_views.review_view),
                name="claims_claim_review",
            ),
            path(
                "<path:object_id>/reopen/",
                view(admin_views.reopen_view),
                name="claims_claim_reopen",
            ),
            *super().get_urls(),
        ]

    # --- one permission model: Django's, as in the API ---

    def has_change_permission(self, request, obj=None):
        # A claim with a verdict is read-only (its form refuses a POST) until it is reopened.
        return super().has_change_permission(request, obj) and not has_verdict(obj)

    def has_review_permission(self, request) -> bool:
        """May change statuses (the "Send to review" action): as `claims.add_review` says."""
        return may_review(request.user)

    def get_deleted_objects(self, objs, request):
        # Deleting claims is its own permission: the parts and reviews go with their claim
        # (kept in history; "Deleted claims" restores them), whatever their own permissions.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        parts = {
            str(model._meta.verbose_name) for model in (ClaimActor, ClaimCountry, Citation, Review)
        }
        return deleted, counts, perms_needed - parts, protected

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
        country = country_named(term)
        if country:
            about = ClaimCountry.objects.filter(country=country).values("claim_id")
            matching = queryset.model.objects.search(term).values("pk")
            return queryset.filter(models.Q(pk__in=about) | models.Q(pk__in=matching)), False
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
        return truncated(obj.statement, 90)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Claim) -> str:
        return status_badge(obj.status)

    @admin.display(description="re-review", ordering="needs_rereview")
    def rereview_flag(self, obj: Claim) -> str:
        if not obj.needs_rereview:
            return ""
        return format_html('<span class="badge needs-rereview">{}</span>', "needs re-review")

    @admin.display(description="verdict")
    def verdict_summary(self, obj: Claim) -> str:
        verdict = current_verdict(obj) if obj.pk else None
        if verdict is None:
            return "No verdict: the claim can be edited."
        reviewer = verdict.reviewer.get_username() if verdict.reviewer else "an import"
        record = reverse("admin:claims_review_change", args=[verdict.pk])
        changes = snapshot_changes(verdict.snapshot, claim_snapshot(obj))
        head = format_html(
            '<div class="verdict">{} by {} on {}, on version {} (<a href="{}">what was '
            "judged</a>).{}</div>",
            LABEL[verdict.status_after],
            reviewer,
            verdict.created_at.date(),
            verdict.claim_version or "?",
            record,
            format_html(
                ' <span class="badge needs-rereview">{}</span>',
                "evidence moved: needs re-review",
            )
            if obj.needs_rereview
            else "",
        )
        if not changes:
            return format_html("{}<div>Nothing changed since it was judged.</div>", head)
        return format_html(
            '{}<div class="changed-since"><strong>Changed since it was judged:</strong>{}</div>',
            head,
            changes_html(changes),
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
            if isinstance(instance, Citation) and instance.pk is None:
                instance.created_by = request.user  # who added it (not who saved it later)
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
            if has_verdict(obj):
                context["verdict_label"] = LABEL[obj.status]
                if may_review(request.user):
                    context["reopen_url"] = reverse("admin:claims_claim_reopen", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The revert saves through the claim form, whose version check locks the row: the
        # lock needs a transaction, which the stock history view does not open.
        with transaction.atomic():
            return super().history_form_view(request, object_id, version_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # The claim's own versions and its parts' changes, in words (claims.history).
        extra = dict(extra_context or {})
        claim_id = parse_id(object_id)
        if claim_id is not None:
            entries = claim_history(claim_id, limit=200)
            extra["claim_changes"] = [e for e in entries if e["model"] == "claim"]
            extra["part_changes"] = [e for e in entries if e["model"] != "claim"]
            claim = Claim.objects.filter(pk=claim_id).first()
            extra["revert_allowed"] = claim is not None and self.has_change_permission(
                request, claim
            )
        return super().history_view(request, object_id, extra_context=extra)

    def changelist_view(self, request, extra_context=None):
        extra = dict(extra_context or {})
        query = request.GET.copy()
        for ignored in ("p", "o", "e", "_changelist_filters"):
            query.pop(ignored, None)
        extra["can_restore"] = self.has_delete_permission(request)
        extra["export_url"] = (
            f"{reverse('admin:claims_claim_export')}?{query.urlencode()}"
            if query
            else reverse("admin:claims_claim_export")
        )
        return super().changelist_view(request, extra_context=extra)


def country_named(term: str) -> str:
    """The alpha-2 code of the country `term` names: by its English name in any case, or by
    its alpha-2 or alpha-3 code typed in capitals ("arm" is a word, "ARM" is Armenia); or ""."""
    if term.isupper() and len(term) in (2, 3):
        return all_countries.alpha2(term)
    return all_countries.by_name(term)


def changes_html(changes: list[dict]) -> str:
    """A snapshot diff (claims.integrity.snapshot_changes) as lines of "label: then → now"."""
    return format_html_join(
        "",
        '<div class="change"><strong>{}</strong>: {} → {}</div>',
        (
            (
                c["label"],
                "—" if c["judged"] is None else c["judged"],
                "—" if c["now"] is None else c["now"],
            )
            for c in changes
        ),
    )


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


class TopicPositionInline(admin.TabularInline):
    model = TopicPosition
    fields = ["order", "key", "label"]
    extra = 1
    max_num = TOPIC_MAX_POSITIONS  # a map tells this many apart by colour


@admin.register(Topic)
class TopicAdmin(HistoryAdmin):
    """Topics: a question and its ordered positions; claims state them (Claim.position)."""

    list_display = ["question", "slug"]
    search_fields = ["question", "slug"]
    prepopulated_fields = {"slug": ["question"]}
    inlines = [TopicPositionInline]


@admin.register(Actor)
class ActorAdmin(HistoryAdmin):
    list_display = ["name", "kind", "short_title", "country"]
    list_filter = ["kind", CountryInUseFilter]
    search_fields = ["name", "title", "aliases"]

    @admin.display(description="title", ordering="title")
    def short_title(self, obj: Actor) -> str:
        return truncated(obj.title, 60)

    def get_search_results(self, request, queryset, search_term):
        # The autocomplete keeps this order (the list applies its own): the actor named so
        # first, then names that start so, then matches in the title or aliases.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return queryset, may_have_duplicates
        rank = models.Case(
            models.When(name__iexact=term, then=0),
            models.When(name__istartswith=term, then=1),
            models.When(name__icontains=term, then=2),
            default=3,
            output_field=models.IntegerField(),
        )
        return queryset.annotate(match_rank=rank).order_by("match_rank", "name", "pk"), (
            may_have_duplicates
        )


@admin.register(Event)
class EventAdmin(GuardRefusalsAsMessages, HistoryAdmin):
    list_display = ["name", "kind", "starts_on", "ends_on", "location", "country"]
    list_filter = ["kind", CountryInUseFilter]
    search_fields = ["name", "location"]
    date_hierarchy = "starts_on"
    readonly_fields = ["participants", "claims"]
    shown_claims = 100

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f not in self.readonly_fields]
        return [*fields, "participants", "claims"] if obj is not None else fields

    @admin.display(description="participants")
    def participants(self, obj: Event) -> str:
        """Who took part, by the claims about the event: each actor once, with their roles."""
        rows = (
            ClaimActor.objects.filter(claim__event=obj)
            .values_list("actor_id", "actor__name", "role")
            .order_by("actor__name", "role")
            .distinct()[:200]
        )
        label = dict(ClaimActor._meta.get_field("role").flatchoices)
        roles: dict[tuple[int, str], list[str]] = {}
        for actor_id, name, role in rows:
            roles.setdefault((actor_id, name), []).append(str(label.get(role, role)))
        if not roles:
            return "No claim about this event names a participant yet."
        return format_html_join(
            "",
            '<div class="participant"><a href="{}">{}</a> <span class="quiet">({})</span></div>',
            (
                (
                    f"{reverse('admin:claims_claim_changelist')}?event={obj.pk}&actor={actor_id}",
                    name,
                    ", ".join(r),
                )
                for (actor_id, name), r in roles.items()
            ),
        )

    @admin.display(description="claims")
    def claims(self, obj: Event) -> str:
        """The claims about the event, each with its status; the list has all of them."""
        claims = list(obj.claims.order_by("occurred_on", "pk")[: self.shown_claims + 1])
        if not claims:
            return "No claim describes this event yet."
        rows = format_html_join(
            "",
            '<div class="event-claim">{} <a href="{}">{}</a></div>',
            (
                (
                    status_badge(c.status),
                    reverse("admin:claims_claim_change", args=[c.pk]),
                    truncated(c.statement, 110),
                )
                for c in claims[: self.shown_claims]
            ),
        )
        listed = f"{reverse('admin:claims_claim_changelist')}?event={obj.pk}"
        more = "All of them in the claims list" if len(claims) > self.shown_claims else "As a list"
        return format_html(
            '{}<div><a href="{}" class="event-claims-list">{}</a></div>', rows, listed, more
        )


@admin.register(Citation)
class CitationAdmin(ExactQuoteFields, ClaimPartAdmin):
    list_display = ["short_quote", "claim_short", "short_source", "stance", "anchoring_badge"]
    list_filter = ["stance", "anchoring"]
    list_select_related = ["claim", "source"]
    search_fields = ["quote", "claim__statement", "source__title"]
    autocomplete_fields = ["claim", "source"]
    readonly_fields = ["anchoring", "start", "end", "anchor_score", "created_by", "created_at"]

    @admin.display(description="quote", ordering="quote")
    def short_quote(self, obj: Citation) -> str:
        return truncated(obj.quote, 50)

    @admin.display(description="source", ordering="source__title")
    def short_source(self, obj: Citation) -> str:
        return truncated(str(obj.source), 30)

    @admin.display(description="anchoring", ordering="anchoring")
    def anchoring_badge(self, obj: Citation) -> str:
        return _anchoring_badge(obj)


@admin.register(ClaimActor)
class ClaimActorAdmin(ClaimPartAdmin):
    list_display = ["claim_short", "actor_name", "role"]
    list_filter = ["role"]
    list_select_related = ["claim", "actor"]
    autocomplete_fields = ["claim", "actor"]
    search_fields = ["actor__name", "claim__statement"]

    @admin.display(description="actor", ordering="actor__name")
    def actor_name(self, obj: ClaimActor) -> str:
        return format_html('<span title="{}">{}</span>', str(obj.actor), obj.actor.name)


@admin.register(ClaimCountry)
class ClaimCountryAdmin(ClaimPartAdmin):
    """Country rows; derived ones follow the participants and the event and are read-only."""

    list_display = ["claim_short", "country", "role", "derived"]
    list_filter = ["role", "derived", CountryInUseFilter]
    list_select_related = ["claim"]
    autocomplete_fields = ["claim"]
    readonly_fields = ["derived"]

    def _locked(self, obj) -> bool:
        return obj is not None and (obj.derived or has_verdict(obj.claim))


@admin.register(Review)
class ReviewAdmin(ClaimColumn, admin.ModelAdmin):
    """Read-only: reviews are written by the workflow and never changed or deleted. Each shows
    what it was made on and what has changed in the claim since."""

    list_display = [
        "claim_short",
        "status_before_label",
        "status_after_label",
        "reviewer",
        "created_at",
        "imported",
    ]
    list_filter = ["status_after", "imported"]
    list_select_related = ["claim", "reviewer"]
    fields = [
        "claim",
        "status_before_label",
        "status_after_label",
        "reviewer",
        "created_at",
        "imported",
        "rationale",
        "claim_version",
        "judged",
        "changed_since",
    ]
    readonly_fields = fields

    @admin.display(description="before", ordering="status_before")
    def status_before_label(self, obj: Review) -> str:
        return status_badge(obj.status_before)

    @admin.display(description="after", ordering="status_after")
    def status_after_label(self, obj: Review) -> str:
        return status_badge(obj.status_after)

    @admin.display(description="what was judged")
    def judged(self, obj: Review) -> str:
        return snapshot_html(obj.snapshot)

    @admin.display(description="changed since")
    def changed_since(self, obj: Review) -> str:
        if not Claim.objects.filter(pk=obj.claim_id).exists():
            return "–"
        changes = snapshot_changes(obj.snapshot, claim_snapshot(obj.claim))
        return changes_html(changes) if changes else "Nothing: the claim is as it was judged."

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def snapshot_html(snapshot: dict) -> str:
    """A review's snapshot as a person reads it."""
    if not snapshot:
        return "Not recorded."
    event = snapshot.get("event")
    rows = [
        ("Statement", snapshot["statement"]),
        ("Kind", snapshot["kind"]),
        ("Date", f"{snapshot['occurred_on'] or '—'} ({snapshot['date_precision']})"),
        ("Event", event["name"] if event else "—"),
        (
            "Participants",
            "; ".join(f"{p['name']} ({p['role']})" for p in snapshot["participants"]) or "—",
        ),
        (
            "Countries",
            "; ".join(
                f"{c['code']} · {c['role']} ({'derived' if c['derived'] else 'entered'})"
                for c in snapshot["countries"]
            )
            or "—",
        ),
    ]
    citations = format_html_join(
        "",
        '<li>#{} {} {} “{}” — {} at {}–{} in <a href="{}">{}</a> (text {}…)</li>',
        (
            (
                c["id"],
                "cited" if c["cited"] else "",
                c["stance"],
                c["quote"],
                c["anchoring"],
                c["start"] if c["start"] is not None else "?",
                c["end"] if c["end"] is not None else "?",
                c["source_url"] or "",
                c["source_url"] or "?",
                (c["text_sha256"] or "?")[:12],
            )
            for c in snapshot["citations"]
        ),
    )
    return format_html(
        '<dl class="snapshot">{}<dt>Citations</dt><dd><ul>{}</ul></dd></dl>{}',
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
        citations or format_html("<li>{}</li>", "none"),
        format_html("<p><em>{}</em></p>", "Reconstructed from the audit history.")
        if snapshot.get("reconstructed")
        else "",
    )


class UnmappedFirst(admin.SimpleListFilter):
    title = "mapping"
    parameter_name = "mapped"

    def lookups(self, request, model_admin):
        return [("no", "Unmapped (to do)"), ("yes", "Mapped")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(bucket=RatingBucket.UNMAPPED)
        if self.value() == "yes":
            return queryset.exclude(bucket=RatingBucket.UNMAPPED)
        return queryset


@admin.register(RatingLabel)
class RatingLabelAdmin(HistoryAdmin):
    """The labels fact-checkers publish and what each means here. Mapping a label once re-rates
    every external review that carries it; labels imports met but nobody mapped are `unmapped`."""

    list_display = ["label", "language", "bucket", "reviews"]
    list_editable = ["bucket"]
    list_filter = [UnmappedFirst, "bucket", "language"]
    search_fields = ["label", "key"]
    fields = ["label", "language", "bucket", "note", "key"]
    readonly_fields = ["key"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(review_count=Count("external_reviews"))

    @admin.display(description="external reviews", ordering="review_count")
    def reviews(self, obj: RatingLabel) -> int:
        return obj.review_count


@admin.register(ExternalReview)
class ExternalReviewAdmin(HistoryAdmin):
    """Other fact-checkers' published verdicts, as imported: evidence, never our verdict."""

    list_display = ["claim", "publisher", "label", "rating", "published_at", "published_at_origin"]
    list_filter = ["rating", "published_at_origin", "language"]
    list_select_related = ["claim", "publisher"]
    search_fields = ["label", "review_url", "publisher__name", "claim__statement"]
    readonly_fields = [
        "claim",
        "publisher",
        "review_url",
        "canonical_url",
        "archive_url",
        "title",
        "label",
        "rating_label",
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
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
