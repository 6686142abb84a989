from django.db.models import Q
from django_filters import rest_framework as filters

from claimtrack.api import FilterSet, choices_filter, countries_filter, parse_id
from sources.canonical import canonicalize_url
from sources.models import Publisher, PublisherKind, Source


def publisher_q(value: str, prefix: str = "") -> Q:
    """A publisher given by id or by domain (`apnews.com`, with or without www.)."""
    pk = parse_id(value)
    if pk is not None:
        return Q(**{f"{prefix}id": pk})
    return Q(**{f"{prefix}domain": value.lower().removeprefix("www.")})


class PublisherFilterSet(FilterSet):
    kind = choices_filter(
        PublisherKind.choices,
        field_name="kind",
        lookup_expr="in",
        label="Kind",
        help_text="Publishers of one of these kinds.",
    )
    country = countries_filter(
        field_name="country",
        lookup_expr="in",
        label="Country",
        help_text="Publishers based in any of these countries (ISO 3166-1 alpha-2 or alpha-3).",
    )
    q = filters.CharFilter(
        method="filter_q",
        max_length=200,
        label="Name or domain",
        help_text="Part of the name or of the domain, any case.",
    )

    parameter_examples = {"q": "demo"}

    class Meta:
        model = Publisher
        fields = ["kind", "country", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(domain__icontains=value))


class SourceFilterSet(FilterSet):
    publisher = filters.CharFilter(
        method="filter_publisher",
        max_length=253,
        label="Publisher",
        help_text="Sources of this publisher: its id or its domain (`apnews.com`, with or "
        "without `www.`).",
    )
    language = filters.CharFilter(
        field_name="language",
        lookup_expr="iexact",
        max_length=35,
        label="Language",
        help_text="Sources in this language (BCP 47 tag such as `en` or `fr`, any case).",
    )
    published_after = filters.IsoDateTimeFilter(
        field_name="published_at",
        lookup_expr="gte",
        label="Published at or after",
        help_text="Sources published at or after this moment (ISO 8601).",
    )
    published_before = filters.IsoDateTimeFilter(
        field_name="published_at",
        lookup_expr="lte",
        label="Published at or before",
        help_text="Sources published at or before this moment (ISO 8601).",
    )
    url = filters.CharFilter(
        method="filter_url",
        max_length=2000,
        label="URL",
        help_text="The source at this address, compared in canonical form (tracking "
        "parameters, `http`/`https` and the host's case do not matter).",
    )
    q = filters.CharFilter(
        method="filter_q",
        max_length=200,
        label="Title or URL",
        help_text="Part of the title or of the canonical URL, any case.",
    )

    parameter_examples = {
        "publisher": "apnews.com",
        "language": "en",
        "url": "https://demo.claimtrack.invalid/morocco-key-participant-in-us-regional-safety",
        "q": "Morocco",
    }

    class Meta:
        model = Source
        fields = ["publisher", "language", "published_after", "published_before", "url", "q"]

    def filter_publisher(self, queryset, name, value):
        return queryset.filter(publisher_q(value, "publisher__"))

    def filter_url(self, queryset, name, value):
        """Matches the canonical form, so tracking parameters and case do not matter."""
        try:
            return queryset.filter(canonical_url=canonicalize_url(value))
        except ValueError:
            return queryset.none()

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(canonical_url__icontains=value))
