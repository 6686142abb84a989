"""Proof on real fact-checkers' ClaimReview (tests/fixtures/claimreview/real/, see its README).

Each file is imported as it was published; each record is compared with the bucket, publisher
and date marked by hand in expected.csv. The numbers these tests hold are in docs/workflow.md.
"""

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from claims.claimreview import (
    claimreview_graph,
    date_from_url,
    import_claimreview,
    parse_date,
    with_claimreview_relations,
)
from claims.models import Claim, DateOrigin, ExternalReview, RatingBucket, Review
from tests.factories import UserFactory

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "claimreview" / "real"
EXPECTED = list(csv.DictReader((REAL / "expected.csv").open(encoding="utf-8")))
NOT_A_RATING = "not_a_rating"
# At least this share of the clearly rated records must land in the bucket marked by hand.
MIN_AGREEMENT = 0.97


_CORPUS: dict = {}


@pytest.fixture
def corpus(db):
    """Every file imported, twice, and each expected row paired with what became of it.

    Imported by the first test that asks (in its transaction, rolled back after it); the
    tests read the plain values gathered then.
    """
    if not _CORPUS:
        _CORPUS.update(_import_corpus())
    return _CORPUS


def _import_corpus() -> dict:
    importer = UserFactory(username="corpus-importer")

    def import_all():
        return {
            name: import_claimreview(
                json.loads((REAL / name).read_text(encoding="utf-8")), user=importer
            )
            for name in sorted({row["file"] for row in EXPECTED})
        }

    reports = import_all()
    rows = _pair(reports)
    state = {
        "reports": reports,
        "rows": rows,
        "snapshot": _snapshot(rows),
        "feed": claimreview_graph(with_claimreview_relations(Claim.objects.all()), base_url=""),
        "reviews": Review.objects.count(),
        "statuses": set(Claim.objects.values_list("status", flat=True)),
    }
    state["again"] = import_all()
    state["count"] = ExternalReview.objects.count()
    return state


def _pair(reports):
    """expected.csv rows, each with the outcome of its record (rows are in file order)."""
    by_file = defaultdict(list)
    for row in EXPECTED:
        by_file[row["file"]].append(row)
    paired = []
    for name, rows in by_file.items():
        outcomes = reports[name].outcomes
        assert len(outcomes) == len(rows), name
        for row, (_number, review_id, reason) in zip(rows, outcomes, strict=True):
            paired.append((row, review_id, reason))
    return paired


def _snapshot(rows):
    ids = [review_id for _, review_id, _ in rows if review_id]
    reviews = ExternalReview.objects.select_related("publisher").in_bulk(ids)
    return {
        review_id: {
            "rating": review.rating,
            "label": review.label,
            "publisher": review.publisher.name,
            "domain": review.publisher.domain,
            "authors": [author["name"] for author in review.authors],
            "published_at": review.published_at,
            "origin": review.published_at_origin,
            "url": review.review_url,
        }
        for review_id, review in reviews.items()
    }


def test_the_corpus_is_what_its_readme_says():
    assert len(EXPECTED) == 97
    assert len({row["publisher"] for row in EXPECTED}) >= 15
    assert len({row["language"] for row in EXPECTED}) >= 6


def test_every_record_is_imported_or_skipped_with_a_named_reason(corpus):
    for name, report in corpus["reports"].items():
        assert report.records == report.created + report.unchanged + report.skipped, name
        assert sum(report.skipped_by_reason.values()) == report.skipped, name
    skipped = [
        (row["file"], row["index"], reason) for row, rid, reason in corpus["rows"] if not rid
    ]
    assert all(reason for *_, reason in skipped)
    assert skipped == []  # every real record is readable


def test_clearly_rated_records_map_to_the_bucket_marked_by_hand(corpus):
    rated = [(row, corpus["snapshot"][rid]) for row, rid, _ in corpus["rows"]]
    clear = [(row, got) for row, got in rated if row["bucket"] != NOT_A_RATING]
    wrong = [(row["label"], row["bucket"], got["rating"]) for row, got in clear
             if got["rating"] != row["bucket"]]  # fmt: skip
    assert len(clear) == 89
    assert 1 - len(wrong) / len(clear) >= MIN_AGREEMENT, wrong
    assert wrong == []


def test_labels_that_are_not_ratings_are_never_given_a_verdict_bucket(corpus):
    verdicts = set(RatingBucket.values) - {NOT_A_RATING, RatingBucket.UNMAPPED}
    for row, rid, _ in corpus["rows"]:
        if row["bucket"] == NOT_A_RATING:
            assert corpus["snapshot"][rid]["rating"] not in verdicts, row["label"]


def test_no_imported_verdict_reaches_our_feed_or_our_statuses(corpus):
    assert corpus["feed"]["@graph"] == []
    assert corpus["reviews"] == 0
    assert corpus["statuses"] == {Claim.Status.UNVERIFIED}


def test_the_publisher_is_the_organisation_never_a_person(corpus):
    for row, rid, _ in corpus["rows"]:
        got = corpus["snapshot"][rid]
        assert got["publisher"] not in got["authors"], row["review_url"]
        site = row["publisher_site"].removeprefix("www.")
        if site:
            assert got["domain"].endswith(site.removeprefix("factcheck.")), (row, got["domain"])


def test_no_date_is_invented(corpus):
    for row, rid, _ in corpus["rows"]:
        got = corpus["snapshot"][rid]
        if row["date_published"]:
            assert got["origin"] == DateOrigin.RECORD
            assert got["published_at"] == parse_date(row["date_published"]), row["review_url"]
        else:
            in_url = date_from_url(got["url"])
            assert got["published_at"] == in_url, row["review_url"]
            expected = DateOrigin.URL if in_url else DateOrigin.MISSING
            assert got["origin"] == expected


def test_every_label_is_kept_verbatim_and_a_second_import_changes_nothing(corpus):
    for row, rid, _ in corpus["rows"]:
        assert corpus["snapshot"][rid]["label"] == row["label"].strip()
    for name, report in corpus["again"].items():
        assert (report.created, report.skipped) == (0, 0), name
    assert corpus["count"] == len({rid for _, rid, _ in corpus["rows"]})


def test_the_numbers_recorded_in_the_docs(corpus):
    """docs/workflow.md quotes these; keep them in step."""
    rated = Counter(corpus["snapshot"][rid]["rating"] for _, rid, _ in corpus["rows"])
    assert sum(rated.values()) == 97
    assert rated[RatingBucket.UNMAPPED] == 0
