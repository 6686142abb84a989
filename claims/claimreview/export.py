"""ClaimReview out: a claim with a verdict as schema.org JSON-LD, and a feed of them."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from claims.models import (
    Actor,
    ActorKind,
    Citation,
    Claim,
    ClaimActor,
    ClaimStatus,
    ParticipantRole,
    Stance,
)
from claims.workflow import LABEL, RATING, VERDICTS, current_verdict, verdict_reviews

SCHEMA_CONTEXT = "https://schema.org"
# Where a claim lives; the issue fixes the URL map, so it is spelled out rather than reversed.
CLAIM_PATH = "/api/v1/claims/{pk}/"
WIKIDATA_ITEM_URL = "https://www.wikidata.org/wiki/{qid}"
DEFAULT_ORG_NAME = "claimtrack"
DEFAULT_BASE_URL = "http://localhost:8000"

# The sources that make a claim (as opposed to those that refute it).
MAKING_STANCES = (Stance.SUPPORTS, Stance.MENTIONS)


class NoVerdict(Http404):
    """The claim has no verdict, so there is no ClaimReview to give (→ 404 with this message)."""

    def __init__(self, claim: Claim):
        self.claim = claim
        label = LABEL[ClaimStatus(claim.status)]
        if claim.status in VERDICTS:
            reason = f"its “{label}” status has no recorded verdict review to publish"
        else:
            reason = f"it is “{label}”"
        super().__init__(
            f"Claim {claim.pk} has no verdict yet ({reason}); a ClaimReview is published only "
            "once a reviewer has recorded a verdict."
        )


def with_claimreview_relations(queryset: QuerySet) -> QuerySet:
    """Claims with what `claim_to_claimreview` reads prefetched (4 queries for any page)."""
    return verdict_reviews(queryset).prefetch_related(
        Prefetch(
            "participants",
            queryset=ClaimActor.objects.filter(role=ParticipantRole.SUBJECT)
            .select_related("actor")
            .order_by("id"),
            to_attr="claimreview_subjects",
        ),
        Prefetch(
            "citations",
            queryset=Citation.objects.filter(stance__in=MAKING_STANCES)
            .select_related("source")
            .order_by("id"),
            to_attr="claimreview_citations",
        ),
    )


def _base_url(request, base_url: str | None) -> str:
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return (base_url or getattr(settings, "CLAIMTRACK_BASE_URL", "") or DEFAULT_BASE_URL).rstrip(
        "/"
    )


def _day(moment: datetime) -> str:
    # Dates in UTC, so an export read back gives the same day whatever the server's zone.
    return moment.astimezone(UTC).date().isoformat()


def _actor_json(actor: Actor) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@type": "Person" if actor.kind == ActorKind.PERSON else "Organization",
        "name": actor.name,
    }
    if actor.wikidata_qid:
        node["sameAs"] = WIKIDATA_ITEM_URL.format(qid=actor.wikidata_qid)
    return node


def claim_to_claimreview(
    claim: Claim, *, request=None, base_url: str | None = None
) -> dict[str, Any]:
    """The schema.org ClaimReview of a claim with a verdict, as a JSON-LD dict.

    What was judged is published: the statement as the verdict's review recorded it and that
    review's date, never text edited afterwards. URLs are absolute: built from `request`, else
    `base_url`, else settings `CLAIMTRACK_BASE_URL`. Raises `NoVerdict` for a claim without a
    verdict (or whose verdict review recorded no statement).
    """
    status = ClaimStatus(claim.status)
    verdict = current_verdict(claim)
    judged = verdict.snapshot.get("statement") if verdict is not None else None
    if not judged:
        raise NoVerdict(claim)
    root = _base_url(request, base_url)
    url = root + CLAIM_PATH.format(pk=claim.pk)

    rating: dict[str, Any] = {"@type": "Rating"}
    if RATING[status] is not None:
        rating["ratingValue"] = RATING[status]
    rating |= {"bestRating": 5, "worstRating": 1, "alternateName": LABEL[status]}

    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "@id": url,
        "url": url,
        "claimReviewed": judged,
        "datePublished": _day(verdict.created_at),
        "author": {
            "@type": "Organization",
            "name": getattr(settings, "CLAIMTRACK_ORG_NAME", "") or DEFAULT_ORG_NAME,
            "url": getattr(settings, "CLAIMTRACK_ORG_URL", "") or root + "/",
        },
        "reviewRating": rating,
        "itemReviewed": _item_reviewed(claim),
    }


def _item_reviewed(claim: Claim) -> dict[str, Any]:
    """The schema.org Claim: who it is about, and where and when it appeared."""
    item: dict[str, Any] = {"@type": "Claim"}

    subjects = getattr(claim, "claimreview_subjects", None)
    if subjects is None:
        subjects = list(
            claim.participants.filter(role=ParticipantRole.SUBJECT)
            .select_related("actor")
            .order_by("id")
        )
    authors = [_actor_json(row.actor) for row in subjects]
    if authors:
        item["author"] = authors[0] if len(authors) == 1 else authors

    citations = getattr(claim, "claimreview_citations", None)
    if citations is None:
        citations = list(
            claim.citations.filter(stance__in=MAKING_STANCES)
            .select_related("source")
            .order_by("id")
        )
    sources = list({c.source_id: c.source for c in citations}.values())
    # Dated sources first, earliest first; undated ones after, in the order they were cited.
    sources.sort(key=lambda s: (s.published_at is None, s.published_at or timezone.now()))
    if sources:
        item["appearance"] = [s.canonical_url for s in sources]
    first = sources[0] if sources and sources[0].published_at else None
    if first is not None:
        item["datePublished"] = _day(first.published_at)
        item["firstAppearance"] = first.canonical_url
    return item


def claimreview_graph(
    claims: Iterable[Claim], *, request=None, base_url: str | None = None
) -> dict[str, Any]:
    """A JSON-LD `@graph` of the ClaimReviews of the claims that have a verdict."""
    graph = []
    for claim in claims:
        try:
            node = claim_to_claimreview(claim, request=request, base_url=base_url)
        except NoVerdict:
            continue  # nothing judged to publish (yet)
        del node["@context"]
        graph.append(node)
    return {"@context": SCHEMA_CONTEXT, "@graph": graph}
