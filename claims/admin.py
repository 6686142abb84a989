from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html_join
from django_countries import countries as all_countries

from claims.models import Actor, Citation, Claim, ClaimActor, ClaimCountry, Event, Review
from sources.admin import HistoryAdmin


class ClaimCountryFilter(admin.SimpleListFilter):
    """Only the countries that claims concern, by name."""

    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = ClaimCountry.objects.values_list("country", flat=True).distinct()
        return sorted(((code, all_countries.name(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request, queryset):
        if self.value():
            return queryset.for_country(self.value())
        return queryset


class ClaimActorInline(admin.TabularInline):
    model = ClaimActor
    extra = 0
    autocomplete_fields = ["actor"]


class ClaimCountryInline(admin.TabularInline):
    model = ClaimCountry
    extra = 0
    fields = ["country", "role", "derived"]
    readonly_fields = ["derived"]


class CitationInline(admin.StackedInline):
    model = Citation
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["source", "stance", "quote", "prefix", "suffix", "note", "anchoring", "start", "end"]
    readonly_fields = ["anchoring", "start", "end"]


@admin.register(Claim)
class ClaimAdmin(HistoryAdmin):
    list_display = [
        "short_statement",
        "kind",
        "status",
        "country_codes",
        "citation_count",
        "updated_at",
    ]
    list_filter = ["status", "kind", ClaimCountryFilter]
    search_fields = ["statement", "participants__actor__name", "citations__quote"]
    autocomplete_fields = ["event"]
    readonly_fields = ["status", "version", "created_by", "created_at", "updated_at"]
    inlines = [ClaimActorInline, ClaimCountryInline, CitationInline]
    list_select_related = ["event"]
    show_full_result_count = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(citation_total=Count("citations", distinct=True))
            .prefetch_related("countries")
        )

    @admin.display(description="statement", ordering="statement")
    def short_statement(self, obj: Claim) -> str:
        return str(obj)

    @admin.display(description="countries")
    def country_codes(self, obj: Claim) -> str:
        codes = sorted({row.country.code: row.country.name for row in obj.countries.all()}.items())
        return format_html_join(" ", '<abbr title="{}">{}</abbr>', ((n, c) for c, n in codes))

    @admin.display(description="citations", ordering="citation_total")
    def citation_count(self, obj: Claim) -> int:
        return obj.citation_total

    def save_model(self, request, obj, form, change):
        if not change:
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
