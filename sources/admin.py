from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.html import format_html
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from claimtrack.api import parse_id
from sources.models import Publisher, Source


def truncated(text: str, chars: int) -> str:
    """`text` cut to `chars` characters for a list column, the whole of it on hover: lists stay
    one line a row at 1366 px (tests/browser/test_admin_fits_a_laptop.py measures them)."""
    text = str(text or "")
    return format_html(
        '<span class="truncated" title="{}">{}</span>', text, Truncator(text).chars(chars)
    )


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


@admin.register(Publisher)
class PublisherAdmin(HistoryAdmin):
    list_display = ["name", "domain", "kind", "country"]
    list_filter = ["kind", "country"]
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
