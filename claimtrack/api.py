"""Building blocks shared by every API resource: strict serializers, multi-value filters."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import renderers, serializers

MAX_ID = 2**63 - 1


class StrictModelSerializer(serializers.ModelSerializer):
    """Refuses fields it does not know (a typo must not be silently ignored).

    Read-only fields that a client sends back (`status`, `version`, timestamps…) are accepted
    and ignored, so that a representation read from the API can be written back as it is.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: "Unknown field." for name in unknown})
        return super().to_internal_value(data)


class ErrorsAsJSONMixin:
    """Errors answer JSON even when the client asked for CSV or another export format."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        accepted = getattr(self.request, "accepted_renderer", None)
        if accepted is None or accepted.format not in ("json", "api"):
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = "application/json"
        return response


# --- filters -----------------------------------------------------------------------------


class CommaSeparatedWidget(forms.Widget):
    """Reads `?x=a,b&x=c` as ["a", "b", "c"]."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [part.strip() for v in values if v for part in str(v).split(",") if part.strip()]


class MultiValueField(forms.Field):
    widget = CommaSeparatedWidget

    def __init__(self, child: forms.Field, **kwargs):
        self.child = child
        kwargs["required"] = False
        super().__init__(**kwargs)

    def clean(self, value):
        if len(value) > 100:
            raise forms.ValidationError("Give at most 100 values.")
        return [self.child.clean(item) for item in value]


@extend_schema_field(OpenApiTypes.STR)
class MultiValueFilter(filters.Filter):
    """Any-of filter: repeated or comma-separated values."""

    field_class = MultiValueField

    def __init__(self, *args, child: forms.Field, **kwargs):
        kwargs.setdefault("lookup_expr", "in")
        super().__init__(*args, child=child, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return super().filter(qs, value)


class CountryCodeFormField(forms.CharField):
    """An ISO 3166-1 code, alpha-2 or alpha-3, any case; cleans to alpha-2 (`esh` → `EH`)."""

    def clean(self, value):
        value = super().clean(value)
        code = countries.alpha2(value) if value and not value.isdigit() else ""
        if not code:
            raise forms.ValidationError(
                _("Unknown country code %(code)s: give an ISO 3166-1 code such as MA, EH or ESH."),
                params={"code": repr(value[:20])},
            )
        return code


class IdFormField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


def choice_field(choices) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices)


class IdFilter(filters.NumberFilter):
    """A row id: a whole number within 64 bits, else 400 naming the parameter."""

    field_class = IdFormField


def countries_filter(**kwargs) -> MultiValueFilter:
    return MultiValueFilter(child=CountryCodeFormField(), **kwargs)


def choices_filter(choices, **kwargs) -> MultiValueFilter:
    return MultiValueFilter(child=choice_field(choices), **kwargs)


def ids_filter(**kwargs) -> MultiValueFilter:
    return MultiValueFilter(child=IdFormField(), **kwargs)
