from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from claimtrack.exceptions import Conflict, RequestTooLarge
from claimtrack.viewsets import ResourceViewSet
from sources.anchoring import source_reanchor
from sources.canonical import canonicalize_url
from sources.filters import PublisherFilterSet, SourceFilterSet
from sources.ingest import IngestError, IngestTooLarge, ingest
from sources.models import Publisher, Source
from sources.serializers import (
    IngestSerializer,
    PublisherSerializer,
    ReanchorResultSerializer,
    SourceSerializer,
    SourceSummarySerializer,
)


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "A news agency",
                value={"name": "Associated Press", "domain": "apnews.com", "kind": "wire_agency"},
                request_only=True,
            )
        ]
    )
)
class PublisherViewSet(ResourceViewSet):
    """Who publishes sources: one publisher per domain."""

    queryset = Publisher.objects.all()
    serializer_class = PublisherSerializer
    filterset_class = PublisherFilterSet
    ordering_fields = ["id", "name"]


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "An article and its text",
                value={
                    "url": "https://news.example/2021/03/rabat-talks",
                    "title": "Talks in Rabat",
                    "text": "The ministers of Morocco and Spain met in Rabat on Monday.",
                    "language": "en",
                },
                request_only=True,
            )
        ]
    )
)
class SourceViewSet(ResourceViewSet):
    """Articles and other sources, one record per canonical URL; lists leave out `text`."""

    queryset = Source.objects.select_related("publisher", "created_by")
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
    ordering_fields = ["id", "published_at", "created_at", "updated_at"]

    def get_serializer_class(self):
        return {"ingest": IngestSerializer, "list": SourceSummarySerializer}.get(
            self.action, SourceSerializer
        )

    def perform_create(self, serializer):
        self._save_unique(serializer, created_by=self.request.user)

    def perform_update(self, serializer):
        self._save_unique(serializer)

    def _save_unique(self, serializer, **extra):
        """One article, one record: the unique canonical URL decides, also between racing
        requests; the loser learns which source exists."""
        try:
            with transaction.atomic():
                serializer.save(**extra)
        except IntegrityError:
            canonical = canonicalize_url(serializer.validated_data.get("url", ""))
            existing = Source.objects.filter(canonical_url=canonical).first()
            if existing is None:
                raise
            raise Conflict(
                f"A source with this canonical URL exists already: {existing.canonical_url}",
                code="duplicate_source",
                existing={"id": existing.pk, "url": existing.url},
            ) from None

    @extend_schema(
        request=IngestSerializer,
        responses={200: SourceSerializer, 201: SourceSerializer},
        examples=[
            OpenApiExample(
                "An article's plain text",
                value={
                    "url": "https://news.example/2021/03/rabat-talks",
                    "text": "The ministers of Morocco and Spain met in Rabat on Monday.",
                },
                request_only=True,
            )
        ],
    )
    @action(detail=False, methods=["post"])
    def ingest(self, request):
        """Store an article from its page (`html`: the main text, title, authors, date and
        language are extracted) or its plain `text`. The same canonical URL again updates the
        source (its citations re-anchor): 200 instead of 201."""
        serializer = IngestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            source, created = ingest(**serializer.validated_data, user=request.user)
        except IngestTooLarge as error:
            raise RequestTooLarge(error.message) from None
        except IngestError as error:
            raise serializers.ValidationError({error.field: [error.message]}) from None
        return Response(
            SourceSerializer(source, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=None, responses=ReanchorResultSerializer(many=True))
    @action(detail=True, methods=["post"], pagination_class=None)
    def reanchor(self, request, pk=None):
        """Locate every citation's quote in the source's current text again; one result each."""
        # get_object() locks the source row for a POST: the lock needs the transaction.
        with transaction.atomic():
            results = source_reanchor(source=self.get_object())
        return Response(ReanchorResultSerializer(results, many=True).data)
