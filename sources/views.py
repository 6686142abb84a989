from django.db import IntegrityError, transaction
from rest_framework import viewsets

from claimtrack.api import ErrorsAsJSONMixin
from claimtrack.concurrency import ConditionalMixin
from claimtrack.exceptions import Conflict
from sources.canonical import canonicalize_url
from sources.filters import PublisherFilterSet, SourceFilterSet
from sources.models import Publisher, Source
from sources.serializers import PublisherSerializer, SourceSerializer


class PublisherViewSet(ErrorsAsJSONMixin, ConditionalMixin, viewsets.ModelViewSet):
    queryset = Publisher.objects.all()
    serializer_class = PublisherSerializer
    filterset_class = PublisherFilterSet
    ordering_fields = ["id", "name"]


class SourceViewSet(ErrorsAsJSONMixin, ConditionalMixin, viewsets.ModelViewSet):
    queryset = Source.objects.select_related("publisher", "created_by")
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
    ordering_fields = ["id", "published_at", "created_at", "updated_at"]

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
