"""ClaimReview out: a claim with a verdict as schema.org JSON-LD, and a feed of them.

Only claimtrack's own verdicts are exported: other organisations' reviews (ExternalReview) are
never part of a ClaimReview, and their articles are never given as where a claim appeared.
"""

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from claims.models import (
    Actor,
    ActorKind,
    Citation,
    Claim,
    ClaimActor,
    ClaimStatus,
    ExternalReview,
    ParticipantRole,
    Stance,
    claim_path,
)
from claims.workflow import LABEL, RATING, VERDICTS, current_verdict, verdict_reviews

SCHEMA_CONTEXT = "https://schema.org"
WIKIDATA_ITEM_URL = "https://www.wikidata.org/wiki/{qid}"
DEFAULT_ORG_NAME = "claimtrack"
DEFAULT_BASE_URL = "http://localhost:8000"

# The sources that make a claim (as opposed to those that refute it).
MAKING_STANCES = (Stance.SUPPORTS, Stance.MENTIONS)
# Our scale is 1 (False) to 5 (True). "Unverifiable" is no point on it, yet Google and
# schema.org readers expect a ratingValue within worstRating..bestRating: it is given the
# neutral middle, 3, and `alternateName` "Unverifiable" says what it means (an importer reads
# the label first, so it comes back as Unverifiable, never as Mixed).
UNVERIFIABLE_RATING_VALUE = 3
WORST_RATING, BEST_RATING = 1, 5
# Kinds of actor published as a schema.org Organization; a person is a Person. An actor of
# unknown kind ("other": a bare claimant name from an import) is published as neither.
ORGANIZATION_KINDS = frozenset(
    {ActorKind.STATE, ActorKind.GOVERNMENT_BODY, ActorKind.ORGANIZATION, ActorKind.ARMED_GROUP}
)
# Characters that could end a <script> element or open an HTML comment inside one.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


class NoVerdict(Http404):
    """The claim has no verdict, so there is no ClaimReview to give (→ 404 with this message)."""

    def __init__(self, claim: Claim):
        label = LABEL[ClaimStatus(claim.status)]
        if claim.status in VERDICTS:
            reason = f"its “{label}” status has no recorded verdict review to publish"
        else:
            reason = f"it is “{label}”"
        super().__init__(
            f"Claim {claim.pk} has no verdict yet ({reason}); a ClaimReview is published only "
            "once a reviewer has recorded a verdict."
        )


def _parties() -> QuerySet:
    """A claim's claimants and subjects (the ClaimReview's author), with their actors."""
    return (
        ClaimActor.objects.filter(role__in=[ParticipantRole.CLAIMANT, ParticipantRole.SUBJECT])
        .select_related("actor")
        .order_by("id")
    )


def _making_citations() -> QuerySet:
    """A claim's citations of the sources that make it (its appearances), with the sources."""
    return (
        Citation.objects.filter(stance__in=MAKING_STANCES).select_related("source").order_by("id")
    )


def with_claimreview_relations(queryset: QuerySet) -> QuerySet:
    """Claims with what `claim_to_claimreview` reads prefetched (5 queries for any page)."""
    return verdict_reviews(queryset).prefetch_related(
        Prefetch("participants", queryset=_parties(), to_attr="claimreview_parties"),
        Prefetch(
            "external_reviews",
            queryset=ExternalReview.objects.only("id", "claim_id", "canonical_url"),
            to_attr="claimreview_external",
        ),
        Prefetch("citations", queryset=_making_citations(), to_attr="claimreview_citations"),
    )


def _base_url(request, base_url: str | None) -> str:
    """The site's root, without a trailing slash: the request's, else `base_url`, else the
    setting CLAIMTRACK_BASE_URL (else http://localhost:8000)."""
    if request is not None:
        root = request.build_absolute_uri("/")
    else:
        root = base_url or settings.CLAIMTRACK_BASE_URL or DEFAULT_BASE_URL
    return root.rstrip("/")


def _day(moment: datetime) -> str:
    # Dates in UTC, so an export read back gives the same day whatever the server's zone.
    return moment.astimezone(UTC).date().isoformat()


def public_claim_url(claim: Claim, root: str) -> str:
    """The claim's public HTML page: what a reader or a search engine opens."""
    return root + claim_path(claim.pk)


def jsonld_script(data: Any) -> SafeString:
    """JSON-LD to put inside <script type="application/ld+json">: `<`, `>` and `&` are
    escaped as JSON unicode escapes, so `</script>` and `<!--` in any value cannot break out."""
    text = json.dumps(data, ensure_ascii=False, indent=2).translate(_SCRIPT_ESCAPES)
    return mark_safe(text)  # noqa: S308 — nothing left that HTML would read inside the script


def _actor_json(actor: Actor) -> dict[str, Any] | None:
    if actor.kind == ActorKind.PERSON:
        kind = "Person"
    elif actor.kind in ORGANIZATION_KINDS:
        kind = "Organization"
    else:
        return None
    node: dict[str, Any] = {"@type": kind, "name": actor.name}
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
    url = public_claim_url(claim, root)

    value = RATING[status]
    rating: dict[str, Any] = {
        "@type": "Rating",
        "ratingValue": UNVERIFIABLE_RATING_VALUE if value is None else value,
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": LABEL[status],
    }

    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "@id": url,
        "url": url,
        "claimReviewed": judged,
        "datePublished": _day(verdict.created_at),
        "author": {
            "@type": "Organization",
            "name": settings.CLAIMTRACK_ORG_NAME or DEFAULT_ORG_NAME,
            "url": settings.CLAIMTRACK_ORG_URL or root + "/",
        },
        "reviewRating": rating,
        "itemReviewed": _item_reviewed(claim),
    }


def _item_reviewed(claim: Claim) -> dict[str, Any]:
    """The schema.org Claim: who made it, and where and when it appeared.

    Its author is the claimant (else, for claims recorded without one, the subject); its
    appearances are the sources that make the claim, never a fact-checker's review of it.
    """
    item: dict[str, Any] = {"@type": "Claim"}

    parties = getattr(claim, "claimreview_parties", None)
    if parties is None:
        parties = list(_parties().filter(claim=claim))
    claimants = [row for row in parties if row.role == ParticipantRole.CLAIMANT]
    chosen = claimants or [row for row in parties if row.role == ParticipantRole.SUBJECT]
    authors = [node for row in chosen if (node := _actor_json(row.actor)) is not None]
    if authors:
        item["author"] = authors[0] if len(authors) == 1 else authors

    citations = getattr(claim, "claimreview_citations", None)
    if citations is None:
        citations = list(_making_citations().filter(claim=claim))
    external = getattr(claim, "claimreview_external", None)
    if external is None:
        external = list(claim.external_reviews.only("canonical_url"))
    reviews = {row.canonical_url for row in external}
    sources = list(
        {c.source_id: c.source for c in citations if c.source.canonical_url not in reviews}.values()
    )
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
