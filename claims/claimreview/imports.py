"""ClaimReview in: other fact-checkers' reviews become claims with an imported verdict."""

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction

from claims.claimreview.ratings import (
    STATUS_BY_RATING,
    parse_date,
    rating_on_five,
    status_for_label,
)
from claims.models import (
    STATEMENT_MAX_LENGTH,
    Actor,
    ActorKind,
    Citation,
    Claim,
    ClaimActor,
    ClaimKind,
    ClaimStatus,
    ParticipantRole,
    Stance,
)
from claims.workflow import RATING, claim_review
from sources.canonical import canonicalize_url, domain_of
from sources.models import Publisher, Source
from sources.validators import validate_language_tag

logger = logging.getLogger(__name__)


class ImportFormatError(ValidationError):
    """The data is not ClaimReview in any shape the importer knows (→ 400; the command exits 1)."""


class RecordError(Exception):
    """Why one record cannot be imported (one line in the report)."""


@dataclass
class ImportReport:
    """What an import did: counts, one line per skipped record, and warnings."""

    records: int = 0
    created: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    claim_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.records} record(s): {self.created} imported, "
            f"{self.unchanged} already present, {self.skipped} skipped."
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "created": self.created,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "problems": self.problems,
            "warnings": self.warnings,
            "claims": self.claim_ids,
            "summary": self.summary(),
        }


def _types(node: dict) -> list[str]:
    raw = node.get("@type")
    items = raw if isinstance(raw, list) else [raw]
    return [item.rsplit("/", 1)[-1] for item in items if isinstance(item, str)]


def _from_fact_check_tools(claim: Any) -> Iterator[Any]:
    """ClaimReview-shaped dicts from one `claims[]` entry of a Fact Check Tools response."""
    if not isinstance(claim, dict):
        yield RecordError("claims[] entry is not a JSON object")
        return
    reviews = claim.get("claimReview")
    if not isinstance(reviews, list) or not reviews:
        yield RecordError("claims[] entry has no claimReview")
        return
    for review in reviews:
        if not isinstance(review, dict):
            yield RecordError("claimReview entry is not a JSON object")
            continue
        publisher = review.get("publisher") if isinstance(review.get("publisher"), dict) else {}
        yield {
            "@type": "ClaimReview",
            "claimReviewed": claim.get("text"),
            "url": review.get("url"),
            "headline": review.get("title"),
            "datePublished": review.get("reviewDate"),
            "inLanguage": review.get("languageCode"),
            "author": {"@type": "Organization", "name": publisher.get("name")},
            "reviewRating": {"alternateName": review.get("textualRating")},
            "itemReviewed": {
                "@type": "Claim",
                "author": claim.get("claimant"),
                "datePublished": claim.get("claimDate"),
            },
        }


def _flatten(data: Any, depth: int = 0) -> Iterator[Any]:
    """Each candidate record in the data, in order; a RecordError stands for a broken one."""
    if depth > 3:
        yield RecordError("nested too deeply")
    elif isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif isinstance(data, dict) and isinstance(data.get("claims"), list):
        for claim in data["claims"]:
            yield from _from_fact_check_tools(claim)
    elif isinstance(data, dict) and "@graph" in data:
        graph = data["@graph"]
        if isinstance(graph, list):
            for item in graph:
                yield from _flatten(item, depth + 1)
        else:
            yield from _flatten(graph, depth + 1)
    else:
        yield data


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


_QID_IN_URL = re.compile(r"wikidata\.org/(?:wiki|entity)/(Q[1-9][0-9]*)\b")


@dataclass
class _Person:
    name: str
    kind: str
    qid: str = ""


def _authors(value: Any) -> list[_Person]:
    """The claim's authors from `itemReviewed.author`: objects, strings, or lists of them."""
    people = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and _text(item):
            people.append(_Person(_text(item)[:300], ActorKind.OTHER))
        elif isinstance(item, dict) and _text(item.get("name")):
            types = _types(item)
            kind = (
                ActorKind.PERSON
                if "Person" in types
                else ActorKind.ORGANIZATION
                if types
                else ActorKind.OTHER
            )
            same_as = item.get("sameAs")
            links = same_as if isinstance(same_as, list) else [same_as]
            qids = [
                m.group(1)
                for link in links
                if isinstance(link, str)
                for m in [_QID_IN_URL.search(link)]
                if m
            ]
            people.append(_Person(_text(item["name"])[:300], kind, qids[0] if qids else ""))
    return people


@dataclass
class _Record:
    statement: str
    url: str
    status: ClaimStatus
    stance: str
    rationale: str
    quote: str
    title: str
    language: str
    publisher_name: str
    reviewed_at: datetime | None
    authors: list[_Person]


_validate_url = URLValidator(schemes=["http", "https"])


def _read_record(node: Any, warn) -> _Record:
    """Check one ClaimReview node and pull out what the import needs, or raise RecordError."""
    if not isinstance(node, dict):
        raise RecordError("not a JSON object")
    types = _types(node)
    if types and "ClaimReview" not in types:
        raise RecordError(f"@type is {node.get('@type')!r}, not ClaimReview")

    statement = _text(node.get("claimReviewed"))
    if not statement:
        raise RecordError("missing claimReviewed")
    if len(statement) > STATEMENT_MAX_LENGTH:
        raise RecordError(f"claimReviewed is longer than {STATEMENT_MAX_LENGTH} characters")

    url = _text(node.get("url")) or _text(node.get("@id"))
    if not url:
        raise RecordError("missing url (the review's address)")
    try:
        _validate_url(url)
    except ValidationError:
        raise RecordError(f"url {url[:100]!r} is not a web address") from None
    if len(url) > 2000:
        raise RecordError("url is longer than 2000 characters")

    rating = _first(node.get("reviewRating"))
    if not isinstance(rating, dict):
        raise RecordError("missing reviewRating")
    label = _text(rating.get("alternateName")) or _text(rating.get("name"))
    on_five = rating_on_five(
        rating.get("ratingValue"), rating.get("bestRating"), rating.get("worstRating")
    )
    by_label = status_for_label(label) if label else None
    if by_label is None and on_five is None and not label:
        raise RecordError("reviewRating has neither a usable ratingValue nor an alternateName")

    publisher = _first(node.get("author"))
    if isinstance(publisher, dict):
        publisher_name = _text(publisher.get("name"))
    else:
        publisher_name = _text(publisher)
    publisher_name = publisher_name[:200] or domain_of(url)

    # The label is the publisher's own words, so it wins over a number on their scale.
    status = by_label or (STATUS_BY_RATING[on_five] if on_five else ClaimStatus.UNVERIFIABLE)
    if label:
        said = f"“{label}”"
    else:
        said = f"{rating.get('ratingValue')} (from {rating.get('worstRating', 1)} to "
        said += f"{rating.get('bestRating', 5)})"
    rationale = f"Imported from {publisher_name}'s review ({url}), which rated the claim {said}"
    if on_five is not None:
        rationale += f", {on_five} on a scale of 1 to 5"
    rationale += "."
    if by_label is None and on_five is None:
        rationale += " claimtrack does not know this label, so the claim is marked unverifiable."
        warn(f"label “{label}” is not one claimtrack knows; recorded as unverifiable")

    value = RATING[status]
    stance = (
        Stance.MENTIONS
        if value is None or value == 3
        else Stance.REFUTES
        if value <= 2
        else Stance.SUPPORTS
    )

    title = _text(node.get("headline")) or _text(node.get("name")) or _text(node.get("title"))
    raw_date = node.get("datePublished")
    reviewed_at = parse_date(raw_date)
    if raw_date not in (None, "") and reviewed_at is None:
        warn(f"datePublished {str(raw_date)[:40]!r} is not a date; the import time is used")

    language = _text(_first(node.get("inLanguage")))
    try:
        validate_language_tag(language)
    except ValidationError:
        if language:
            warn(f"inLanguage {language[:20]!r} is not a language tag; left empty")
        language = ""

    item = node.get("itemReviewed")
    authors = _authors(item.get("author")) if isinstance(item, dict) else []

    return _Record(
        statement=statement,
        url=url,
        status=status,
        stance=stance,
        rationale=rationale,
        quote=title or statement,
        title=title[:500],
        language=language,
        publisher_name=publisher_name,
        reviewed_at=reviewed_at,
        authors=authors,
    )


def _as(obj, user):
    # Imports are recorded in the audit history under the importing user.
    if user is not None:
        obj._history_user = user
    return obj


def _actor_for(person: _Person, user) -> Actor:
    if person.qid:
        found = Actor.objects.filter(wikidata_qid=person.qid).first()
        if found:
            return found
    found = Actor.objects.filter(name__iexact=person.name).order_by("id").first()
    if found:
        return found
    actor = _as(Actor(name=person.name, kind=person.kind, wikidata_qid=person.qid), user)
    actor.save()
    return actor


def _import_record(record: _Record, user) -> Claim | None:
    """Create the claim, its source, citation and imported review; None if already there."""
    canonical = canonicalize_url(record.url)
    source = Source.objects.filter(canonical_url=canonical).first()
    if (
        source
        and Claim.objects.filter(statement=record.statement, citations__source=source).exists()
    ):
        return None
    if source is None:
        domain = domain_of(record.url)
        publisher = Publisher.objects.filter(domain=domain).first()
        if publisher is None:
            publisher = _as(Publisher(name=record.publisher_name, domain=domain), user)
            publisher.save()
        source = _as(
            Source(
                url=record.url,
                title=record.title,
                publisher=publisher,
                language=record.language,
                published_at=record.reviewed_at,
                created_by=user,
            ),
            user,
        )
        source.save()

    claim = _as(Claim(statement=record.statement, kind=ClaimKind.STATEMENT, created_by=user), user)
    claim.save()
    for person in record.authors:
        _as(
            ClaimActor(claim=claim, actor=_actor_for(person, user), role=ParticipantRole.SUBJECT),
            user,
        ).save()
    # The review's page text is not stored, so the quote stays unanchored ("unchecked").
    citation = _as(
        Citation(
            claim=claim,
            source=source,
            stance=record.stance,
            quote=record.quote,
            note="Imported from ClaimReview.",
            created_by=user,
        ),
        user,
    )
    citation.save()
    claim_review(
        claim=claim,
        status=record.status,
        reviewer=user,
        rationale=record.rationale,
        citations=[citation],
        imported=True,
        reviewed_at=record.reviewed_at,
    )
    return claim


def _reason(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def import_claimreview(data: Any, *, user) -> ImportReport:
    """Import parsed ClaimReview JSON: one object, a list, an `@graph` or a `claims:search`.

    Each record is imported in its own savepoint: a bad one is skipped and reported, the rest
    still import. A record whose review URL and claimReviewed are already in claimtrack is left
    as it is (re-importing creates nothing). Raises ImportFormatError only when `data` is not
    JSON objects at all.
    """
    if not isinstance(data, dict | list):
        raise ImportFormatError(
            "Expected ClaimReview JSON: an object, a list, an @graph, or a Fact Check Tools "
            f"claims:search response; got {type(data).__name__}."
        )
    report = ImportReport()
    for number, node in enumerate(_flatten(data), start=1):
        report.records = number
        prefix = f"record {number}: "
        # Warnings matter only for what was imported; a skipped record gets its one reason.
        warnings: list[str] = []
        try:
            if isinstance(node, RecordError):
                raise node
            record = _read_record(node, warnings.append)
            with transaction.atomic():
                claim = _import_record(record, user)
        except RecordError as error:
            reason = str(error)
        except ValidationError as error:
            reason = _reason(error)
        except DatabaseError as error:
            reason = f"the database refused it ({error.__class__.__name__}: {error})"
        except Exception as error:  # noqa: BLE001 — one odd record must not stop the file
            logger.debug("ClaimReview record %s failed", number, exc_info=True)
            reason = f"could not be imported ({error.__class__.__name__}: {error})"
        else:
            if claim is None:
                report.unchanged += 1
            else:
                report.created += 1
                report.claim_ids.append(claim.pk)
                report.warnings += [prefix + warning for warning in warnings]
            continue
        report.skipped += 1
        report.problems.append(prefix + reason)
    return report
