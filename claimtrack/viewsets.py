"""The API's base viewset: every resource answers errors in the one JSON shape (also when the
client asked for CSV or JSON-LD) and reads and writes conditionally (ETag, If-None-Match,
If-Match under a row lock)."""

from rest_framework import viewsets

from claimtrack.api import ErrorsAsJSONMixin
from claimtrack.concurrency import ConditionalMixin


class ResourceViewSet(ErrorsAsJSONMixin, ConditionalMixin, viewsets.ModelViewSet):
    """A resource of the API: list, read, create, update, delete."""
