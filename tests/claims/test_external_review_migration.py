"""Migration 0008: 1.x imported verdicts become external reviews and stop being ours."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("claims", "0007_external_reviews_and_rating_labels")]
AFTER = [("claims", "0008_seed_rating_labels_and_move_imported_reviews")]


@pytest.mark.django_db(transaction=True)
def test_imported_reviews_become_external_reviews_and_the_claim_goes_back_to_unverified():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Claim, Review = old.get_model("claims", "Claim"), old.get_model("claims", "Review")
    Citation, Source = old.get_model("claims", "Citation"), old.get_model("sources", "Source")
    Publisher = old.get_model("sources", "Publisher")

    publisher = Publisher.objects.create(name="Checkers Example", domain="checkers.example")
    source = Source.objects.create(
        url="https://checkers.example/2024/03/18/summit/",
        canonical_url="https://checkers.example/2024/03/18/summit/",
        publisher=publisher,
        title="No, he did not attend",
        language="en",
    )
    claim = Claim.objects.create(
        statement="He attended the summit.", kind="statement", status="false"
    )
    citation = Citation.objects.create(
        claim=claim, source=source, stance="refutes", quote="No", note="Imported from ClaimReview."
    )
    review = Review.objects.create(
        claim=claim,
        status_before="unverified",
        status_after="false",
        imported=True,
        rationale="Imported from Checkers Example's review (https://checkers.example/2024/03/18/"
        "summit/), which rated the claim “Pants on Fire”.",
        created_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC),  # the 1.x import time
    )
    review.citations.set([citation])

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    moved = new.get_model("claims", "ExternalReview").objects.get()
    assert (moved.claim_id, moved.publisher_id, moved.label, moved.rating) == (
        claim.pk,
        publisher.pk,
        "Pants on Fire",
        "false",
    )
    # The 1.x import time was no review date: the date comes from the address, marked so.
    assert moved.published_at == dt.datetime(2024, 3, 18, tzinfo=dt.UTC)
    assert moved.published_at_origin == "url"
    assert new.get_model("claims", "Claim").objects.get().status == "unverified"
    assert not new.get_model("claims", "Review").objects.exists()
    assert not new.get_model("claims", "Citation").objects.exists()
    executor.loader.build_graph()
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
