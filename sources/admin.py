from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from sources.models import Publisher, Source


class HistoryAdmin(SimpleHistoryAdmin):
    """The base of every editable model's admin: change history, and URLs assumed https."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Publisher)
class PublisherAdmin(HistoryAdmin):
    list_display = ["name", "domain", "kind", "country"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "domain"]


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = ["__str__", "publisher", "language", "published_at", "updated_at"]
    list_filter = ["publisher", "language"]
    list_select_related = ["publisher"]
    search_fields = ["title", "url", "canonical_url"]
    autocomplete_fields = ["publisher"]
    readonly_fields = ["canonical_url", "text_sha256", "created_by", "created_at", "updated_at"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
