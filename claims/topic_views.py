"""The topics API: topics, countries' positions as of a date, and their timeline (JSON or
CSV). The rules are claims.positions'; this module only reads the query and writes answers."""

import csv
import datetime
import io

from django import forms
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from claims import positions
from claims.models import Topic, TopicPosition
from claimtrack.api import CountryCodeFormField, ErrorsAsJSONMixin


class PositionSerializer(serializers.ModelSerializer):
    class Meta:
        model = TopicPosition
        fields = ["key", "label", "order"]


class TopicSerializer(serializers.ModelSerializer):
    positions = PositionSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="The topic's public page with its map.")

    class Meta:
        model = Topic
        fields = ["slug", "question", "description", "positions", "url"]

    def get_url(self, topic) -> str:
        return self.context["request"].build_absolute_uri(f"/topics/{topic.slug}/")


class StatedSerializer(serializers.Serializer):
    """A country's position as one claim states it."""

    country = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    alpha3 = serializers.CharField()
    country_name = serializers.CharField()
    position = serializers.CharField(source="position.key", help_text="The position's key.")
    position_label = serializers.CharField(source="position.label")
    established = serializers.BooleanField(
        help_text="true: the claim's verdict is true or mostly true. false: the position rests "
        "on a claim still unverified, in review, mixed or unverifiable: not established."
    )
    standing = serializers.CharField(help_text='"established" or "unverified or disputed".')
    date = serializers.DateField(source="occurred_on", help_text="From when the claim states it.")
    date_precision = serializers.CharField()
    claim = serializers.IntegerField(source="claim_id")
    claim_status = serializers.CharField(source="status")
    statement = serializers.CharField()
    claim_url = serializers.SerializerMethodField(help_text="The claim's public page.")

    def get_claim_url(self, stated) -> str:
        return self.context["request"].build_absolute_uri(stated.claim_path)


class PositionsAnswerSerializer(serializers.Serializer):
    topic = serializers.CharField(help_text="The topic's slug.")
    as_of = serializers.DateField()
    results = StatedSerializer(many=True)


class TimelineAnswerSerializer(serializers.Serializer):
    topic = serializers.CharField(help_text="The topic's slug.")
    results = StatedSerializer(many=True)


CSV_COLUMNS = list(StatedSerializer().fields)


class StatedCSVRenderer(renderers.BaseRenderer):
    """Positions or a timeline as CSV: one row per claim, cells a spreadsheet will not run."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, dict) or "results" not in data:  # an error: JSON
            return renderers.JSONRenderer().render(data)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for row in data["results"]:
            writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
        return ("\ufeff" + out.getvalue()).encode()


def _cell(value) -> str:
    # Imported from the claims CSV would pull in every API view; the rule is OWASP's.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class PositionsQuery(forms.Form):
    """The query of the positions and timeline reads (also the public topic page's)."""

    as_of = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    country = CountryCodeFormField(required=False)

    def clean_as_of(self) -> datetime.date:
        return self.cleaned_data.get("as_of") or timezone.localdate()


def read_query(params) -> tuple[datetime.date, list[str] | None]:
    """`as_of` (default today) and `country` (alpha-2, or None) from a query; raises DRF's
    ValidationError naming the parameter."""
    form = PositionsQuery(params)
    if not form.is_valid():
        raise serializers.ValidationError(
            {field: [str(e) for e in errors] for field, errors in form.errors.items()}
        )
    country = form.cleaned_data["country"]
    return form.cleaned_data["as_of"], [country] if country else None


AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description="The date (YYYY-MM-DD) the positions hold on; today when not given.",
)
COUNTRY = OpenApiParameter(
    "country",
    OpenApiTypes.STR,
    pattern="^[A-Za-z]{2,3}$",
    description="One country: ISO 3166-1 alpha-2 or alpha-3, any case (MA, mar, ESH).",
)
FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="`csv`: the same rows as CSV (UTF-8 with a byte-order mark, a header row).",
)
SLUG = OpenApiParameter(
    "slug",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The topic's short name, e.g. `western-sahara`.",
)


@extend_schema_view(retrieve=extend_schema(parameters=[SLUG]))
class TopicViewSet(ErrorsAsJSONMixin, viewsets.ReadOnlyModelViewSet):
    """Topics: questions countries take positions on, each with its ordered positions."""

    queryset = Topic.objects.prefetch_related("positions")
    serializer_class = TopicSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    permission_classes = [permissions.AllowAny]  # read-only: writes answer 405
    pagination_class = None  # a handful of topics, written by editors

    def get_renderers(self):
        found = super().get_renderers()
        if self.action in ("positions", "timeline"):
            return [*found, StatedCSVRenderer()]
        return found

    @extend_schema(
        parameters=[SLUG, AS_OF, COUNTRY, FORMAT],
        responses={
            200: PositionsAnswerSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    @action(detail=True)
    def positions(self, request, slug=None):
        """Every country's position as of a date, with the claim it rests on.

        The latest claim on or before `as_of` with a verdict of true or mostly true sets a
        country's position (`established`); a country with none shows its latest claim still
        unverified or disputed, with `established` false. Claims judged false or misleading,
        and claims without a date, state no position.
        """
        as_of, countries = read_query(request.query_params)
        topic = self.get_object()
        rows = positions.positions_as_of(topic, as_of, countries=countries)
        context = self.get_serializer_context()
        return Response(
            {
                "topic": topic.slug,
                "as_of": as_of.isoformat(),
                "results": StatedSerializer(rows, many=True, context=context).data,
            }
        )

    @extend_schema(
        parameters=[SLUG, COUNTRY, FORMAT],
        responses={
            200: TimelineAnswerSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
        },
    )
    @action(detail=True)
    def timeline(self, request, slug=None):
        """Every dated claim stating a position on the topic, oldest first: each change with
        its claim, established or not."""
        _, countries = read_query(request.query_params)
        topic = self.get_object()
        rows = positions.timeline(topic, countries=countries)
        context = self.get_serializer_context()
        return Response(
            {
                "topic": topic.slug,
                "results": StatedSerializer(rows, many=True, context=context).data,
            }
        )
