"""Optimistic concurrency for API resources: ETags, If-None-Match, If-Match.

A claim's ETag is its `version`; other resources' ETag is a hash of their representation. Writes
that send `If-Match` are checked with the row locked (`select_for_update`), so two requests
holding the same tag cannot both succeed: the second sees the new version and gets 412.
"""

import hashlib
import json

from django.conf import settings
from django.db import transaction
from rest_framework import status
from rest_framework.response import Response

from claimtrack.exceptions import PreconditionFailed, PreconditionRequired


def _tags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def not_modified(request, etag: str) -> bool:
    """Whether a read may answer 304: If-None-Match lists `etag`, or is `*` (RFC 9110 13.1.2:
    any current representation matches, and the resource exists since it is being read)."""
    tags = _tags(request.headers.get("If-None-Match", ""))
    return etag in tags or "*" in tags


class ConditionalMixin:
    """ETag on reads; If-Match checked under a row lock on PUT, PATCH and DELETE."""

    def etag_for(self, instance, data=None) -> str:
        """`"<version>"` for a resource with a version (claims), else a digest of its
        representation `data` (serialized here when not given). With `instance` None, the tag
        of the representation `data` alone (an answer to a write)."""
        version = data.get("version") if instance is None else getattr(instance, "version", None)
        if version is not None:
            return f'"{version}"'
        if data is None:
            data = self.get_serializer(instance).data
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode())
        return f'"{digest.hexdigest()[:32]}"'

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        data = self.get_serializer(instance).data
        etag = self.etag_for(instance, data)
        if not_modified(request, etag):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = Response(data)
        response["ETag"] = etag
        return response

    def get_object(self):
        if self.request.method in ("PUT", "PATCH", "DELETE", "POST"):
            # Lock the row for the rest of the transaction (PostgreSQL; SQLite locks the file).
            self.queryset = self.get_queryset().select_for_update(of=("self",))
        instance = super().get_object()
        if self.request.method in ("PUT", "PATCH", "DELETE"):
            self.check_if_match(instance)
        return instance

    def check_if_match(self, instance) -> None:
        header = self.request.headers.get("If-Match")
        if header is None:
            if getattr(settings, "CLAIMTRACK_REQUIRE_IF_MATCH", False):
                raise PreconditionRequired()
            return
        current = self.etag_for(instance)
        tags = _tags(header)
        if "*" not in tags and current not in tags:
            raise PreconditionFailed(
                "The resource changed since you read it: fetch it again, then retry.",
                current_etag=current,
                current_version=getattr(instance, "version", None),
            )

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            response = super().update(request, *args, **kwargs)
        if response.status_code == 200:
            # The answer is the representation the client now holds: its tag, as a read's.
            response["ETag"] = self.etag_for(None, response.data)
        return response

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().destroy(request, *args, **kwargs)
