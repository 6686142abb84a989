from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django_countries import countries
from simple_history.admin import SimpleHistoryAdmin

from claimtrack.api import parse_id
from sources.fetch import FetchError
from sources.ingest import IngestError, ingest, ingest_url
from sources.models import Publisher, Source


def truncated(text: str, chars: int) -> str:
    """`text` cut to `chars` characters for a list column, the whole of it on hover: lists stay
    one line a row at 1366 px (tests/browser/test_admin_fits_a_laptop.py measures them)."""
    text = str(text or "")
    return format_html(
        '<span class="truncated" title="{}">{}</span>', text, Truncator(text).chars(chars)
    )


class CountryInUseFilter(admin.SimpleListFilter):
    """The countries the listed rows name, by name: not the ~250 of the whole world."""

    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = (
            model_admin.get_queryset(request)
            .exclude(country="")
            .order_by()
            .values_list("country", flat=True)
            .distinct()
        )
        return sorted(((code, countries.name(code)) for code in codes), key=lambda c: c[1])

    def queryset(self, request, queryset):
        code = (self.value() or "").upper()
        if not code:
            return None
        return queryset.filter(country=code) if code in countries else queryset.none()


class HistoryAdmin(SimpleHistoryAdmin):
    """The base of every editable model's admin: change history, and URLs assumed https."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history lets whoever may view the history post a revert; a revert is a
        # change, so it needs the change permission for this object.
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))
            if obj is None or not self.has_change_permission(request, obj):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # simple-history looks the id up as given ("²" was a 500): one that is no row id is
        # answered as the admin answers a missing object.
        if parse_id(object_id) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context)


class AddSourceForm(forms.Form):
    """A new article as the API and the `ingest_source` command take it: fetched from its URL,
    or its page's HTML or its plain text pasted under its URL."""

    HOW = [
        ("fetch", "Fetch the page from its URL"),
        ("html", "Paste the page's HTML"),
        ("text", "Paste the article's text"),
    ]
    how = forms.ChoiceField(choices=HOW, initial="fetch", widget=forms.RadioSelect)
    url = forms.URLField(
        max_length=2000,
        assume_scheme="https",
        help_text="The article's address. Tracking parameters (utm_…) are dropped from the "
        "address it is stored under.",
    )
    html = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), required=False, strip=False)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), required=False, strip=False)

    def clean(self):
        cleaned = super().clean()
        how = cleaned.get("how")
        if how in ("html", "text") and not cleaned.get(how):
            self.add_error(how, "Paste it here, or choose another way.")
        return cleaned

    def store(self, user) -> tuple[Source, bool]:
        """The source, through the one ingestion path; refusals become errors of the form."""
        data = self.cleaned_data
        if data["how"] == "fetch":
            return ingest_url(data["url"], user=user)
        return ingest(data["url"], user=user, **{data["how"]: data[data["how"]]})


@admin.register(Publisher)
class PublisherAdmin(HistoryAdmin):
    list_display = ["name", "domain", "kind", "country"]
    list_filter = ["kind", CountryInUseFilter]
    search_fields = ["name", "domain"]


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    """Sources; the change page shows the stored text below the form.

    `claims.admin` registers a subclass that fills `source_panels` with the cited quotes, the
    mentions and the suggested claims (sources does not import claims).
    """

    list_display = ["short_title", "publisher", "language", "published_at", "updated_at"]
    list_filter = ["publisher", "language"]
    list_select_related = ["publisher"]
    search_fields = ["title", "url", "canonical_url"]
    autocomplete_fields = ["publisher"]
    readonly_fields = ["canonical_url", "text_sha256", "created_by", "created_at", "updated_at"]
    show_full_result_count = False
    change_form_template = "admin/sources/source/change_form.html"

    @admin.display(description="source", ordering="title")
    def short_title(self, obj: Source) -> str:
        return truncated(str(obj), 70)

    def source_panels(self, request, source: Source) -> dict:
        """Extra context for the change page of a saved source (none here)."""
        return {}

    def add_view(self, request, form_url="", extra_context=None):
        """Adding a source is ingesting it: title, date, language and publisher are filled
        from the page as the API fills them, and a known canonical URL updates its source."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AddSourceForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                source, created = form.store(request.user)
            except FetchError as error:
                form.add_error("url", f"The page could not be fetched: {error.message}")
            except IngestError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                done = "Added" if created else "Updated (the same article was already stored)"
                messages.success(request, f"{done}: “{source}”.")
                change = reverse("admin:sources_source_change", args=[source.pk])
                return HttpResponseRedirect(change)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Add source",
            "form": form,
            "media": self.media + form.media,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/sources/source/add.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        source = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if source is not None:
            extra.update(self.source_panels(request, source))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
