"""Shared set-up of the hostile-input matrix: one of every record, and a database fingerprint."""

import pytest
from django.apps import apps

from tests.factories import (
    ActorFactory,
    CitationFactory,
    ClaimFactory,
    EventFactory,
    PublisherFactory,
    SourceFactory,
)

SOURCE_TEXT = "Morocco hosted the exercise. The minister attended the summit in Rabat."


def row_counts() -> dict[str, int]:
    """Rows of every claimtrack model, history tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for app in ("claims", "sources")
        for model in apps.get_app_config(app).get_models()
    }


@pytest.fixture
def records(db):
    """One saved record of each writable resource, for edits and references."""
    publisher = PublisherFactory()
    source = SourceFactory(publisher=publisher, text=SOURCE_TEXT)
    claim = ClaimFactory()
    return {
        "claim": claim,
        "actor": ActorFactory(),
        "event": EventFactory(),
        "publisher": publisher,
        "source": source,
        "citation": CitationFactory(claim=claim, source=source, quote="The minister attended"),
    }


@pytest.fixture
def unchanged(records):
    """Asserts, after the test body, that no row was added, removed or changed in number."""
    before = row_counts()
    yield
    assert row_counts() == before
