import csv

from django.db.models import Count
from django.http import StreamingHttpResponse
from django_countries import countries as all_countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from claims.filters import ActorFilterSet, CitationFilterSet, ClaimFilterSet, EventFilterSet
from claims.models import Actor, Citation, Claim, ClaimCountry, Event
from claims.serializers import (
    ActorSerializer,
    CitationSerializer,
    ClaimSerializer,
    EventSerializer,
)
from claimtrack.api import ErrorsAsJSONMixin
from claimtrack.concurrency import ConditionalMixin

CSV_COLUMNS = [
    "id",
    "statement",
    "kind",
    "status",
    "occurred_on",
    "date_precision",
    "event",
    "countries",
    "participants",
    "sources",
    "version",
    "created_at",
    "updated_at",
]


class CSVRenderer(renderers.BaseRenderer):
    """Declares `text/csv` for content negotiation; the claims list streams the body itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b""


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def claim_csv_row(claim: Claim) -> list[str]:
    return [
        _cell(v)
        for v in [
            claim.pk,
            claim.statement,
            claim.kind,
            claim.status,
            claim.occurred_on,
            claim.date_precision,
            claim.event.name if claim.event else "",
            "; ".join(f"{c.country.code}:{c.role}" for c in claim.countries.all()),
            "; ".join(f"{p.actor.name} ({p.role})" for p in claim.participants.all()),
            " ".join(dict.fromkeys(c.source.url for c in claim.citations.all())),
            claim.version,
            claim.created_at.isoformat(),
            claim.updated_at.isoformat(),
        ]
    ]


class ClaimViewSet(ErrorsAsJSONMixin, ConditionalMixin, viewsets.ModelViewSet):
    """Claims, with filters by country and more; `?format=csv` exports the filtered list."""

    queryset = Claim.objects.with_list_relations().select_related("created_by")
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet
    ordering_fields = ["occurred_on", "created_at", "updated_at", "id"]
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]

    def get_default_ordering(self) -> str:
        # A full-text query on PostgreSQL ranks its matches unless another order is asked for.
        if self.request.query_params.get("q", "").strip() and self._ranked():
            return "-rank"
        return "-id"

    def _ranked(self) -> bool:
        from django.db import connection

        return connection.vendor == "postgresql"

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            return self.csv_response(self.filter_queryset(self.get_queryset()))
        return super().list(request, *args, **kwargs)

    def csv_response(self, queryset) -> StreamingHttpResponse:
        """Every filtered claim, streamed in chunks so that memory stays flat."""
        writer = csv.writer(_Echo())
        rows = queryset.order_by("-id").iterator(chunk_size=1000)

        def lines():
            yield "\ufeff" + writer.writerow(CSV_COLUMNS)  # BOM: Excel reads UTF-8
            for claim in rows:
                yield writer.writerow(claim_csv_row(claim))

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="claims.csv"'
        return response

    @extend_schema(
        responses=inline_serializer(
            "ClaimStats",
            {
                "total": serializers.IntegerField(),
                "by_status": serializers.DictField(child=serializers.IntegerField()),
                "by_kind": serializers.DictField(child=serializers.IntegerField()),
                "by_country": serializers.DictField(child=serializers.IntegerField()),
            },
        )
    )
    @action(detail=False, pagination_class=None, renderer_classes=[renderers.JSONRenderer])
    def stats(self, request):
        """Counts for a dashboard, under the same filters as the list."""
        claims = self.filter_queryset(Claim.objects.all()).order_by()

        def counts(queryset, field, of="id"):
            rows = queryset.values_list(field).annotate(n=Count(of, distinct=True)).order_by("-n")
            return {key: n for key, n in rows}

        by_status = counts(claims, "status")
        by_country = counts(
            ClaimCountry.objects.filter(claim__in=claims.values("pk")).order_by(),
            "country",
            of="claim",
        )
        return Response(
            {
                "total": sum(by_status.values()),
                "by_status": by_status,
                "by_kind": counts(claims, "kind"),
                "by_country": by_country,
            }
        )


class ActorViewSet(ErrorsAsJSONMixin, ConditionalMixin, viewsets.ModelViewSet):
    queryset = Actor.objects.all()
    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet
    ordering_fields = ["id", "name"]


class EventViewSet(ErrorsAsJSONMixin, ConditionalMixin, viewsets.ModelViewSet):
    queryset = Event.objects.all()
    serializer_class = EventSerializer
    filterset_class = EventFilterSet
    ordering_fields = ["id", "starts_on", "name"]


class CitationViewSet(ErrorsAsJSONMixin, ConditionalMixin, viewsets.ModelViewSet):
    queryset = Citation.objects.select_related("source", "created_by")
    serializer_class = CitationSerializer
    filterset_class = CitationFilterSet
    ordering_fields = ["id", "created_at"]

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)


class CountrySerializer(serializers.Serializer):
    code = serializers.CharField()
    alpha3 = serializers.CharField()
    name = serializers.CharField()
    claims = serializers.IntegerField(help_text="Claims concerning the country, in any role.")
    by_role = serializers.DictField(child=serializers.IntegerField())
    url = serializers.URLField()


class CountryViewSet(ErrorsAsJSONMixin, viewsets.ViewSet):
    """The countries that claims concern, with counts. `{code}` is alpha-2 or alpha-3."""

    lookup_value_regex = "[A-Za-z]{2,3}"
    serializer_class = CountrySerializer

    def _rows(self, codes=None):
        rows = ClaimCountry.objects.order_by()
        if codes:
            rows = rows.filter(country__in=codes)
        totals = dict(
            rows.values_list("country").annotate(n=Count("claim", distinct=True)).order_by()
        )
        by_role: dict[str, dict[str, int]] = {}
        for code, role, n in rows.values_list("country", "role").annotate(n=Count("claim")):
            by_role.setdefault(code, {})[role] = n
        return [
            {
                "code": code,
                "alpha3": all_countries.alpha3(code),
                "name": str(all_countries.name(code)),
                "claims": total,
                "by_role": by_role.get(code, {}),
                "url": self.request.build_absolute_uri(f"/api/v1/claims/?country={code}"),
            }
            for code, total in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        ]

    @extend_schema(responses=CountrySerializer(many=True))
    def list(self, request):
        return Response(self._rows())

    @extend_schema(
        responses=CountrySerializer,
        parameters=[OpenApiParameter("id", OpenApiTypes.STR, OpenApiParameter.PATH)],
    )
    def retrieve(self, request, pk=None):
        code = all_countries.alpha2(pk or "")
        if not code:
            raise NotFound(
                f"Unknown country code {pk!r}: give an ISO 3166-1 alpha-2 or alpha-3 code."
            )
        rows = self._rows([code])
        if rows:
            return Response(rows[0])
        return Response(
            {
                "code": code,
                "alpha3": all_countries.alpha3(code),
                "name": str(all_countries.name(code)),
                "claims": 0,
                "by_role": {},
                "url": request.build_absolute_uri(f"/api/v1/claims/?country={code}"),
            }
        )
