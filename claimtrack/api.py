"""Building blocks shared by every API resource: strict serializers, multi-value filters."""

import copy
import re

import django_filters
from django import forms
from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_filters import rest_framework as filters
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, negotiation, parsers, renderers, serializers

MAX_ID = 2**63 - 1


def parse_id(raw) -> int | None:
    """A row id from text a client sent (URL, query, form, header): ASCII digits only, from 1
    to MAX_ID; None for anything else.

    Every id from outside goes through here. `str.isdigit()` accepts "²" (which int() then
    refuses: a 500), and int() accepts "١٢", " 12 " and "1_2", none of them an id.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw <= MAX_ID else None
    text = raw if isinstance(raw, str) else ""
    if not (0 < len(text) <= 19 and text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


class StrictInputMixin:
    """Refuses fields it does not know (a typo must not be silently ignored).

    Read-only fields that a client sends back (`status`, `version`, timestamps…) are accepted
    and ignored, so that a representation read from the API can be written back as it is.
    """

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: "Unknown field." for name in unknown})
            wrong = {
                name: problem
                for name, field in self.fields.items()
                if name in data and not field.read_only
                if (problem := json_type_problem(field, data[name]))
            }
            if wrong:
                raise serializers.ValidationError(wrong, code="invalid_type")
        return super().to_internal_value(data)


class StrictModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A model serializer that takes only known fields, each in its documented JSON type."""


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    """A plain serializer that takes only known fields, each in its documented JSON type."""


def json_type_problem(field: serializers.Field, value) -> str | None:
    """What is wrong when `value` is not the JSON type the schema documents for `field`.

    DRF coerces by default (`1` becomes the text "1", "true" becomes True); an API client that
    sends the wrong type has a bug it should hear about, so writes through StrictModelSerializer
    take only the documented type. Nested serializers check their own fields.
    """
    if value is None:
        return None  # allow_null decides
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "Give true or false."
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return None if whole and not isinstance(value, bool) else "Give a whole number."
    if isinstance(
        field,
        serializers.CharField
        | serializers.ChoiceField
        | serializers.DateField
        | serializers.DateTimeField,
    ) and not isinstance(field, serializers.MultipleChoiceField):
        return None if isinstance(value, str) else "Give text (a JSON string)."
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return "Give a list."
        for index, item in enumerate(value):
            if problem := json_type_problem(field.child, item):
                return f"Item {index}: {problem}"
    return None


class ContentNegotiation(negotiation.DefaultContentNegotiation):
    """As DRF's, but an unknown `?format=` is a 400 naming the parameter, not a 404."""

    def filter_renderers(self, renderers, format):
        found = [renderer for renderer in renderers if renderer.format == format]
        if not found:
            known = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise serializers.ValidationError(
                {"format": f"Unknown format {format[:20]!r}: give one of {known}."}
            )
        return found


# A NUL (PostgreSQL cannot store it) or a lone UTF-16 surrogate (not encodable as UTF-8).
UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


class BoundedJSONParser(parsers.JSONParser):
    """JSON bodies, refused with 400 naming the place when they are nested deeper than
    CLAIMTRACK_MAX_JSON_DEPTH or hold text that no database can store (NUL, lone surrogates).

    Checked once here, so every endpoint (also free-form ones like ClaimReview import) is
    covered before any view code or recursion runs.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise self._too_deep() from None
        self.check(data)
        return data

    @staticmethod
    def _too_deep():
        limit = settings.CLAIMTRACK_MAX_JSON_DEPTH
        return exceptions.ParseError(f"JSON nested deeper than {limit} levels.")

    @classmethod
    def check(cls, data) -> None:
        limit = settings.CLAIMTRACK_MAX_JSON_DEPTH
        stack = [(data, "", 1)]  # iterative: a deep document must not exhaust the C stack
        while stack:
            value, path, depth = stack.pop()
            if depth > limit:
                raise cls._too_deep()
            if isinstance(value, dict):
                for key, item in value.items():
                    where = f"{path}.{key}" if path else str(key)
                    cls._check_text(key, where)
                    stack.append((item, where, depth + 1))
            elif isinstance(value, list):
                stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
            else:
                cls._check_text(value, path)

    @staticmethod
    def _check_text(value, path: str) -> None:
        if isinstance(value, str) and UNSTORABLE_CHARACTER.search(value):
            raise serializers.ValidationError(
                {path or "body": "Text may not contain NUL characters or lone surrogates."},
                code="invalid_character",
            )


class BoundedJSONLDParser(BoundedJSONParser):
    """`application/ld+json` bodies (JSON-LD is JSON), with the same limits."""

    media_type = "application/ld+json"


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


def help_html(text) -> str:
    """Help written for the schema (Markdown: `code`) as HTML for a form."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick is just a character
        parts[-2:] = ["`".join(parts[-2:])]
    html = "".join(
        f"<code>{escape(part)}</code>" if index % 2 else escape(part)
        for index, part in enumerate(parts)
    )
    return mark_safe(html)  # every part was escaped above


class FilterSet(filters.FilterSet):
    """django-filter's FilterSet whose form (the browsable API's filters) shows each filter's
    help as HTML; the OpenAPI schema takes the same help text as Markdown.

    Every filter names its `label`: django-filter's own label for a filter with `method=` is
    "[invalid name] is in".
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter deep-copies every filter for each request (~1.4 ms of a ~6 ms list
        # request); a shallow copy of each filter does what that copy is for, giving this
        # request's filters their own `parent` and `model`: the rest of a filter is read-only
        # configuration. A filter with `method=` gets a FilterMethod bound to its copy.
        base_filters = self.base_filters
        self.base_filters = {}
        try:
            super().__init__(data, queryset, request=request, prefix=prefix)
        finally:
            self.base_filters = base_filters
        model = self.queryset.model
        self.filters = {}
        for name, base in base_filters.items():
            filter_ = copy.copy(base)
            filter_.extra = dict(base.extra)
            if base.method is not None:
                filter_.method = base.method  # a FilterMethod bound to this copy
            filter_.model, filter_.parent = model, self
            self.filters[name] = filter_

    def filtered(self):
        """The filtered queryset; invalid values answer 400 naming the parameter (as
        django-filter's DRF backend does)."""
        if not self.is_valid():
            raise translate_validation(self.errors)
        return self.qs

    def get_form_class(self):
        # The same for every request of a filter set: built once per class (Django copies a
        # form class's fields into each form it makes, so sharing the class is safe).
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = self._build_form_class()
        return cls._form_class

    def _build_form_class(self):
        form_class = super().get_form_class()
        for field in form_class.base_fields.values():
            if hasattr(field.help_text, "__html__"):
                continue  # converted already
            text = str(field.help_text)
            choices = getattr(getattr(field, "child", None), "choices", None)
            if choices:  # a text box: say what it takes
                values = ", ".join(f"`{value}`" for value, _ in choices)
                text += f" One or more of {values}, comma-separated."
            field.help_text = help_html(text)
        return form_class


class CommaSeparatedWidget(forms.TextInput):
    """Reads `?x=a,b&x=c` as ["a", "b", "c"]; shows a list as `a,b,c` (browsable API forms)."""

    def format_value(self, value):
        if isinstance(value, list | tuple):
            value = ",".join(str(item) for item in value)
        return super().format_value(value)

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


# The schema's array of typed items is built by claimtrack.schema.FilterExtension.
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


# An ISO 3166-1 code as a URL or a query may give it: alpha-2 or alpha-3, any case.
COUNTRY_CODE_PATTERN = "[A-Za-z]{2,3}"


class CountryCodeFormField(forms.CharField):
    """An ISO 3166-1 code, alpha-2 or alpha-3, any case; cleans to alpha-2 (`esh` → `EH`)."""

    def clean(self, value):
        value = super().clean(value)
        if not value and not self.required:
            return ""
        code = countries.alpha2(value) if value and not value.isdigit() else ""
        if not code:
            raise forms.ValidationError(
                _("Unknown country code %(code)s: give an ISO 3166-1 code such as MA, EH or ESH."),
                params={"code": repr(value[:20])},
            )
        return code


class IdFormField(forms.IntegerField):
    """A row id in a query or form (see parse_id)."""

    default_error_messages = {"invalid": f"Give a row id: a whole number from 1 to {MAX_ID}."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        pk = parse_id(value)
        if pk is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return pk


def choice_field(choices) -> forms.ChoiceField:
    return forms.ChoiceField(choices=choices)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A row id: a whole number within 64 bits, else 400 naming the parameter."""

    field_class = IdFormField


class BooleanFormField(forms.Field):
    """`true` or `false` (also 1/0, yes/no, any case); anything else is an error, never
    silently "not given" as django-filter's own boolean field would have it."""

    widget = forms.TextInput
    VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def clean(self, value):
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError("Give true or false.") from None


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(django_filters.BooleanFilter):
    """A yes/no filter whose invalid values answer 400 naming the parameter (the plain
    django-filter one: the REST framework flavour's widget would drop them first)."""

    field_class = BooleanFormField


def countries_filter(**kwargs) -> MultiValueFilter:
    return MultiValueFilter(child=CountryCodeFormField(), **kwargs)


def choices_filter(choices, **kwargs) -> MultiValueFilter:
    return MultiValueFilter(child=choice_field(choices), **kwargs)


def ids_filter(**kwargs) -> MultiValueFilter:
    return MultiValueFilter(child=IdFormField(), **kwargs)
