from django.db.models import Q
from django_filters import rest_framework as filters

from claimtrack.api import choices_filter, countries_filter, parse_id
from sources.canonical import canonicalize_url
from sources.models import Publisher, PublisherKind, Source


def publisher_q(value: str, prefix: str = "") -> Q:
    """A publisher given by id or by domain (`apnews.com`, with or without www.)."""
    pk = parse_id(value)
    if pk is not None:
        return Q(**{f"{prefix}id": pk})
    return Q(**{f"{prefix}domain": value.lower().removeprefix("www.")})


class PublisherFilterSet(filters.FilterSet):
    kind = choices_filter(PublisherKind.choices, field_name="kind", lookup_expr="in")
    country = countries_filter(field_name="country", lookup_expr="in")
    q = filters.CharFilter(method="filter_q", max_length=200)

    class Meta:
        model = Publisher
        fields = ["kind", "country", "q"]

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(domain__icontains=value))


class SourceFilterSet(filters.FilterSet):
    publisher = filters.CharFilter(method="filter_publisher", max_length=253)
    language = filters.CharFilter(field_name="language", lookup_expr="iexact", max_length=35)
    published_after = filters.IsoDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = filters.IsoDateTimeFilter(field_name="published_at", lookup_expr="lte")
    url = filters.CharFilter(method="filter_url", max_length=2000)
    q = filters.CharFilter(method="filter_q", max_length=200)

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
