"""Seed the rating label table from labels.csv, and turn imported verdicts into external reviews.

Before 1.2.0 an imported ClaimReview became a Review of ours (`imported=True`) that set the
claim's status and cited the fact-checker's article. Each such review becomes an
ExternalReview; the claim goes back to the status it had before the imports; the imported
reviews and the citations of the fact-checker's articles they made are removed.
"""

import re

from django.db import migrations

from claims.claimreview.ratings import date_from_url, normalise_label, seed_rating_labels
from sources.canonical import canonicalize_url, unwrap_archive_url

_LABEL = re.compile(r"rated the claim “(.*)”")
_NUMBER = re.compile(r"rated the claim (-?[\d.]+) \(from (-?[\d.]+) to (-?[\d.]+)\)")
IMPORTED_NOTE = "Imported from ClaimReview."


def _float(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def forwards(apps, schema_editor):
    RatingLabel = apps.get_model("claims", "RatingLabel")
    Review = apps.get_model("claims", "Review")
    Claim = apps.get_model("claims", "Claim")
    Citation = apps.get_model("claims", "Citation")
    ExternalReview = apps.get_model("claims", "ExternalReview")
    seed_rating_labels(RatingLabel)

    imported = list(Review.objects.filter(imported=True).order_by("id"))
    for review in imported:
        citation = review.citations.select_related("source__publisher").first()
        if citation is None:
            continue
        source = citation.source
        found = _LABEL.search(review.rationale)
        label = found.group(1)[:500] if found else ""
        numbers = _NUMBER.search(review.rationale)
        value, worst, best = (_float(part) for part in numbers.groups()) if numbers else (None,) * 3
        rating_label = None
        if label:
            rating_label = RatingLabel.objects.filter(key=normalise_label(label)).first()
            if rating_label is None:
                rating_label = RatingLabel.objects.create(
                    label=label, key=normalise_label(label)[:500], note="From a 1.x import."
                )
        original, archive = unwrap_archive_url(source.url)
        published, origin = source.published_at, "record"
        if published is None:
            published, origin = date_from_url(original), "url"
            origin = "url" if published else "missing"
        canonical = canonicalize_url(original)
        if ExternalReview.objects.filter(claim_id=review.claim_id, canonical_url=canonical).exists():
            continue
        ExternalReview.objects.create(
            claim_id=review.claim_id,
            publisher=source.publisher,
            review_url=original,
            canonical_url=canonical,
            archive_url=archive,
            title=source.title[:500],
            label=label,
            rating_label=rating_label,
            rating=rating_label.bucket if rating_label else review.status_after,
            rating_value=value,
            best_rating=best,
            worst_rating=worst,
            language=source.language,
            published_at=published,
            published_at_origin=origin,
            imported_by_id=review.reviewer_id,
        )

    # Each claim goes back to the status it had before its trailing run of imported verdicts.
    for claim_id in {review.claim_id for review in imported}:
        reviews = list(Review.objects.filter(claim_id=claim_id).order_by("id"))
        status = None
        for review in reversed(reviews):
            if not review.imported:
                break
            status = review.status_before
        if status is not None:
            Claim.objects.filter(pk=claim_id).update(status=status)
    made = Citation.objects.filter(reviews__imported=True, note=IMPORTED_NOTE).distinct()
    made_ids = list(made.values_list("id", flat=True))
    for review in imported:
        review.citations.clear()
    Review.objects.filter(imported=True).delete()
    Citation.objects.filter(pk__in=made_ids, reviews__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("claims", "0007_external_reviews_and_rating_labels")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
