"""ClaimReview in: other fact-checkers' reviews become external reviews on claims.

An external review is evidence about a claim, never claimtrack's verdict: the import never
changes a claim's status, never writes a Review, and never cites the fact-checker's article as
a place where the claim appeared. A claim it does not find (by its exact statement) is created
`unverified`.
"""

import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction

from claims.claimreview.ratings import (
    STATUS_BY_RATING,
    LabelTable,
    date_from_url,
    finite_number,
    parse_date,
    rating_on_five,
)
from claims.models import (
    STATEMENT_MAX_LENGTH,
    Actor,
    ActorKind,
    Claim,
    ClaimActor,
    ClaimKind,
    DateOrigin,
    ExternalReview,
    ParticipantRole,
    RatingBucket,
)
from claimtrack.exceptions import validation_messages
from sources.canonical import canonicalize_url, domain_of, unwrap_archive_url
from sources.models import Publisher
from sources.validators import validate_language_tag

logger = logging.getLogger(__name__)

# Texts are cut to the columns they are stored in (a database would refuse a longer one).
_NAME_MAX_LENGTH = Actor._meta.get_field("name").max_length  # claimants', and authors' too
_QID_MAX_LENGTH = Actor._meta.get_field("wikidata_qid").max_length
_URL_MAX_LENGTH = ExternalReview._meta.get_field("review_url").max_length
_LABEL_MAX_LENGTH = ExternalReview._meta.get_field("label").max_length
_TITLE_MAX_LENGTH = ExternalReview._meta.get_field("title").max_length
_PUBLISHER_NAME_MAX_LENGTH = Publisher._meta.get_field("name").max_length

# The report lists at most this many lines of each kind; the counts cover everything.
REPORT_MAX_LINES = 100
# One import reads at most this many records (a bigger file is cut there, and says so).
IMPORT_MAX_RECORDS = 5000


class ImportFormatError(ValidationError):
    """The data is not ClaimReview in any shape the importer knows (→ 400; the command exits 1)."""


class RecordError(Exception):
    """Why one record cannot be imported: a short reason (counted) and its detail."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass
class ImportReport:
    """What an import did: counts, capped lines per skipped record and warning, and reasons."""

    records: int = 0
    created: int = 0
    claims_created: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_by_reason: Counter = field(default_factory=Counter)
    warnings_count: int = 0
    unmapped_labels: list[str] = field(default_factory=list)
    claim_ids: list[int] = field(default_factory=list)
    external_review_ids: list[int] = field(default_factory=list)
    # Per record, in order: (number, external review id or None when skipped, reason or "").
    outcomes: list[tuple[int, int | None, str]] = field(default_factory=list)

    def skip(self, line: str, reason: str) -> None:
        self.skipped += 1
        self.skipped_by_reason[reason] += 1
        if len(self.problems) < REPORT_MAX_LINES:
            self.problems.append(line)

    def warn(self, line: str) -> None:
        self.warnings_count += 1
        if len(self.warnings) < REPORT_MAX_LINES:
            self.warnings.append(line)

    def summary(self) -> str:
        text = (
            f"{self.records} record(s): {self.created} imported as external reviews "
            f"({self.claims_created} new claim(s)), {self.unchanged} already present, "
            f"{self.skipped} skipped."
        )
        if self.unmapped_labels:
            text += f" {len(self.unmapped_labels)} label(s) not in the rating label table."
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "created": self.created,
            "claims_created": self.claims_created,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "skipped_by_reason": dict(sorted(self.skipped_by_reason.items())),
            "problems": self.problems,
            "warnings": self.warnings,
            "warnings_count": self.warnings_count,
            "unmapped_labels": self.unmapped_labels,
            "claims": self.claim_ids,
            "external_reviews": self.external_review_ids,
            "summary": self.summary(),
        }


# --- Shapes -------------------------------------------------------------------------------


def _items(value: Any) -> list:
    """A field that may hold one value or a list of them, as a list (nothing: empty)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(node: dict) -> list[str]:
    """The node's types by their last segment: `http://schema.org/Person` is `Person`."""
    return [item.rpartition("/")[2] for item in _items(node.get("@type")) if isinstance(item, str)]


def _from_fact_check_tools(claim: Any) -> Iterator[Any]:
    """ClaimReview-shaped dicts from one `claims[]` entry of a Fact Check Tools response."""
    if not isinstance(claim, dict):
        yield RecordError("not a JSON object", "a claims[] entry")
        return
    reviews = claim.get("claimReview")
    if not isinstance(reviews, list) or not reviews:
        yield RecordError("no claimReview", "a claims[] entry without reviews")
        return
    for review in reviews:
        if not isinstance(review, dict):
            yield RecordError("not a JSON object", "a claimReview entry")
            continue
        publisher = review.get("publisher")
        # What _read_record reads, and nothing more (the publisher's `site` is the review URL's).
        yield {
            "claimReviewed": claim.get("text"),
            "url": review.get("url"),
            "headline": review.get("title"),
            "datePublished": review.get("reviewDate"),
            "inLanguage": review.get("languageCode"),
            "publisher": {"name": publisher.get("name")} if isinstance(publisher, dict) else None,
            "reviewRating": {"alternateName": review.get("textualRating")},
            # A claimant is a bare name: whether a person or not is not said.
            "itemReviewed": {"author": claim.get("claimant")},
        }


def _flatten(data: Any, depth: int = 0) -> Iterator[Any]:
    """Each candidate record in the data, in order; a RecordError stands for a broken one.

    Reads one object, a list, an `@graph` (whose nodes that are not ClaimReview — the page, the
    organisation, the breadcrumbs — are passed over), a Fact Check Tools `claims:search`
    response, and a DataCommons `DataFeed` (`dataFeedElement`) or `DataFeedItem` (`item`).
    """
    if depth > 4:
        yield RecordError("nested too deeply")
    elif isinstance(data, list):
        for item in data:
            yield from _flatten(item, depth + 1)
    elif not isinstance(data, dict):
        yield data
    elif isinstance(data.get("claims"), list):
        for claim in data["claims"]:
            yield from _from_fact_check_tools(claim)
    elif "@graph" in data:
        for item in _items(data["@graph"]):
            if isinstance(item, dict) and _types(item) and "ClaimReview" not in _types(item):
                continue
            yield from _flatten(item, depth + 1)
    elif "DataFeed" in _types(data) or "dataFeedElement" in data:
        for item in _items(data.get("dataFeedElement")):
            yield from _flatten(item, depth + 1)
    elif "DataFeedItem" in _types(data):
        for item in _items(data.get("item")):
            yield from _flatten(item, depth + 1)
    else:
        yield data


# --- Reading one record --------------------------------------------------------------------


def _text(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _verbatim(value: Any) -> str:
    return value.strip()[:_LABEL_MAX_LENGTH] if isinstance(value, str) else ""


def _first(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


_validate_url = URLValidator(schemes=["http", "https"])
_HOST_LIKE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(/|$)", re.IGNORECASE)
# Author pages: a node typed Organization whose URL is one of these is a journalist.
_PERSON_PATH = re.compile(
    r"/(about/)?(authors?|autor(es)?|auteurs?|people|person|profiles?|staff|team|"
    r"journalists?|writers?|reporters?|members?|user)/",
    re.IGNORECASE,
)
_QID_IN_URL = re.compile(r"wikidata\.org/(?:wiki|entity)/(Q[1-9][0-9]*)\b")


def resolve_url(value: Any, base: str) -> str:
    """An absolute http(s) URL from what a record gives: scheme-less hosts get `https://`,
    relative paths (and nothing) are resolved against `base` (the page, or ""); "" when that
    gives no web address."""
    text = _text(value)
    if text.startswith("//"):
        text = "https:" + text
    elif not urlsplit(text).scheme:
        if _HOST_LIKE.match(text):
            text = "https://" + text
        elif base:
            text = urljoin(base, text)
    try:
        _validate_url(text)
    except ValidationError:
        return ""
    return text


def _node_url(node: Any) -> str:
    """The address a node gives (its `url`, else its `@id`), or the node itself when it is one
    (`"mainEntityOfPage": "https://…"`)."""
    if isinstance(node, dict):
        return _text(node.get("url")) or _text(node.get("@id"))
    return _text(node)


def _is_person(node: dict) -> bool:
    """A node that names a person: typed Person, or an "Organization" at an author page."""
    return "Person" in _types(node) or bool(_PERSON_PATH.search(_node_url(node)))


@dataclass
class _Party:
    name: str
    kind: str
    qid: str = ""


def _claimants(value: Any) -> list[_Party]:
    """The claim's authors from `itemReviewed.author`: objects, strings, or lists of them."""
    parties = []
    for item in _items(value):
        if _text(item):  # a bare name
            parties.append(_Party(_text(item)[:_NAME_MAX_LENGTH], ActorKind.OTHER))
        elif isinstance(item, dict) and _text(item.get("name")):
            types = _types(item)
            kind = (
                ActorKind.PERSON
                if "Person" in types
                else ActorKind.ORGANIZATION
                if types
                else ActorKind.OTHER
            )
            qids = [
                m.group(1)
                for link in _items(item.get("sameAs"))
                if isinstance(link, str)
                for m in [_QID_IN_URL.search(link)]
                if m and len(m.group(1)) <= _QID_MAX_LENGTH
            ]
            name = _text(item["name"])[:_NAME_MAX_LENGTH]
            parties.append(_Party(name, kind, qids[0] if qids else ""))
    return parties


@dataclass
class _Record:
    statement: str
    url: str
    archive_url: str
    publisher_name: str
    title: str
    label: str
    rating_value: float | None
    best_rating: float | None
    worst_rating: float | None
    number_bucket: str
    language: str
    published_at: datetime | None
    published_at_origin: str
    authors: list[dict]
    claimants: list[_Party]


def _statement(node: dict, warn) -> str:
    value = node.get("claimReviewed")
    texts = [_text(item) for item in _items(value)]
    texts = [text for text in texts if text]
    if not texts:
        raise RecordError("missing claimReviewed")
    if len(set(texts)) > 1:
        warn(f"claimReviewed gives {len(texts)} statements; the first is imported")
    if len(texts[0]) > STATEMENT_MAX_LENGTH:
        raise RecordError(f"claimReviewed is longer than {STATEMENT_MAX_LENGTH} characters")
    return texts[0]


def _publisher_and_authors(node: dict, review_url: str) -> tuple[str, list[dict]]:
    """The publishing organisation's name as the record gives it (never a person's) and the
    review's authors.

    `publisher` names it; else an `author` typed Organization that is not at an author page;
    else the site's domain. (A publisher claimtrack already knows for the site is the review's
    publisher whatever the record calls it: _import_record.)
    """
    authors, organisations = [], []
    for item in _items(node.get("author")):
        if isinstance(item, dict):
            name = _text(item.get("name"))
            if _is_person(item):
                if name:
                    authors.append(
                        {"name": name[:_NAME_MAX_LENGTH], "url": _node_url(item)[:_URL_MAX_LENGTH]}
                    )
            elif name:
                organisations.append(name)
        elif _text(item):  # a bare name: a byline
            authors.append({"name": _text(item)[:_NAME_MAX_LENGTH], "url": ""})

    publisher = _first(node.get("publisher"))
    if isinstance(publisher, dict):
        name = "" if _is_person(publisher) else _text(publisher.get("name"))
    else:
        name = _text(publisher)  # a name, or nothing usable
    name = name or (organisations[0] if organisations else "") or domain_of(review_url)
    return name[:_PUBLISHER_NAME_MAX_LENGTH], authors


def _read_record(node: Any, warn, base_url: str) -> _Record:
    """Check one ClaimReview node and pull out what the import needs, or raise RecordError."""
    if not isinstance(node, dict):
        raise RecordError("not a JSON object")
    types = _types(node)
    if types and "ClaimReview" not in types:
        raise RecordError("not a ClaimReview", f"@type is {str(node.get('@type'))[:60]!r}")
    statement = _statement(node, warn)

    page = resolve_url(_node_url(node.get("mainEntityOfPage")), base_url) or base_url
    given = _text(node.get("url")) or _text(node.get("@id"))
    if not given:
        raise RecordError("missing url", "the review's address")
    url = resolve_url(given, page)
    if not url or len(url) > _URL_MAX_LENGTH:
        raise RecordError("url is not a web address", repr(given[:100]))
    original, archive = unwrap_archive_url(url)
    if archive and original == archive:
        raise RecordError("url is an archive link that does not name the review", url[:100])
    try:
        _validate_url(original)  # the review's own address, inside an archive link too
        canonicalize_url(original)
    except ValidationError:
        raise RecordError("url is not a web address", repr(given[:100])) from None
    except ValueError as error:
        raise RecordError("url is not a web address", str(error)) from None

    rating = _first(node.get("reviewRating"))
    if not isinstance(rating, dict):
        raise RecordError("missing reviewRating")
    # The label verbatim (only the whitespace around it dropped: "Incorrect\r").
    label = _verbatim(rating.get("alternateName")) or _verbatim(rating.get("name"))
    value, best, worst = (
        finite_number(rating.get(key)) for key in ("ratingValue", "bestRating", "worstRating")
    )
    # A scale not given is 1 to 5; a best rating of 0 is "no scale" as a missing one is.
    on_five = rating_on_five(value, best or None, worst)
    if not label and on_five is None:
        raise RecordError("no rating", "reviewRating has neither a label nor a usable ratingValue")

    language = _text(_first(node.get("inLanguage")))
    try:
        validate_language_tag(language)
    except ValidationError:
        if language:
            warn(f"inLanguage {language[:20]!r} is not a language tag; left empty")
        language = ""

    raw_date = node.get("datePublished")
    published_at, origin = parse_date(raw_date), DateOrigin.RECORD
    if published_at is None:
        if raw_date not in (None, ""):
            warn(f"datePublished {str(raw_date)[:40]!r} is not a date")
        published_at, origin = date_from_url(original), DateOrigin.URL
        if published_at is None:
            origin = DateOrigin.MISSING
            warn("no review date (neither datePublished nor a date in the URL); left empty")
        else:
            warn(f"no datePublished; the date {published_at.date()} is read from the URL")

    publisher_name, authors = _publisher_and_authors(node, original)
    item = node.get("itemReviewed")
    title = _text(node.get("headline")) or _text(node.get("name")) or _text(node.get("title"))
    return _Record(
        statement=statement,
        url=original,
        archive_url=archive,
        publisher_name=publisher_name,
        title=title[:_TITLE_MAX_LENGTH],
        label=label,
        rating_value=value,
        best_rating=best,
        worst_rating=worst,
        number_bucket=STATUS_BY_RATING[on_five].value if on_five else RatingBucket.UNMAPPED,
        language=language,
        published_at=published_at,
        published_at_origin=origin,
        authors=authors,
        claimants=_claimants(item.get("author")) if isinstance(item, dict) else [],
    )


# --- Writing one record --------------------------------------------------------------------


def _as(obj, user):
    # Imports are recorded in the audit history under the importing user.
    if user is not None:
        obj._history_user = user
    return obj


def _actor_for(party: _Party, user) -> Actor:
    if party.qid:
        found = Actor.objects.filter(wikidata_qid=party.qid).first()
        if found:
            return found
    found = Actor.objects.filter(name__iexact=party.name).order_by("id").first()
    if found:
        return found
    actor = _as(Actor(name=party.name, kind=party.kind, wikidata_qid=party.qid), user)
    actor.save()
    return actor


def _import_record(
    record: _Record, user, labels: LabelTable, report: ImportReport
) -> tuple[ExternalReview, bool]:
    """`(review, created)`: the external review recorded (with its claim when new), or the one
    already there for this claim and review URL."""
    claim = Claim.objects.filter(statement=record.statement).order_by("id").first()
    canonical = canonicalize_url(record.url)
    existing = claim and claim.external_reviews.filter(canonical_url=canonical).first()
    if existing:
        return existing, False
    # A site's publisher is one row, whatever each of its records calls it.
    publisher = Publisher.objects.filter(domain=domain_of(record.url)).first()
    if publisher is None:
        publisher = _as(Publisher(name=record.publisher_name, domain=domain_of(record.url)), user)
        publisher.save()
    if claim is None:
        claim = _as(
            Claim(statement=record.statement, kind=ClaimKind.STATEMENT, created_by=user), user
        )
        # The history says where the claim came from: another fact-checker's review of it
        # (simple_history keeps at most 100 characters of a change reason).
        claim._change_reason = f"imported with {publisher.name} ClaimReview"[:100]
        claim.save()
        report.claims_created += 1
        # Two names of one actor ("Jane Doe", "jane doe"; one QID) make one claimant.
        claimants = {}
        for party in record.claimants:
            actor = _actor_for(party, user)
            claimants.setdefault(actor.pk, actor)
        for actor in claimants.values():
            _as(ClaimActor(claim=claim, actor=actor, role=ParticipantRole.CLAIMANT), user).save()

    rating_label = None
    if record.label:
        rating_label, _ = labels.find_or_add(record.label, record.language)
        if rating_label.bucket == RatingBucket.UNMAPPED and record.label not in (
            report.unmapped_labels
        ):
            report.unmapped_labels.append(record.label)
    review = _as(
        ExternalReview(
            claim=claim,
            publisher=publisher,
            review_url=record.url,
            archive_url=record.archive_url,
            title=record.title,
            label=record.label,
            rating_label=rating_label,
            rating=record.number_bucket,
            rating_value=record.rating_value,
            best_rating=record.best_rating,
            worst_rating=record.worst_rating,
            language=record.language,
            published_at=record.published_at,
            published_at_origin=record.published_at_origin,
            authors=record.authors,
            imported_by=user,
        ),
        user,
    )
    # The fields' own rules; uniqueness was looked up above and the database holds it too.
    review.clean_fields(exclude=["claim", "publisher", "rating_label"])
    review.save()
    claim.touch()  # the claim's page now shows one more review: a new version, a new ETag
    return review, True


def import_claimreview(data: Any, *, user, base_url: str = "") -> ImportReport:
    """Import parsed ClaimReview JSON as external reviews (see `_flatten` for the shapes).

    Each record is imported in its own savepoint: a bad one is skipped and reported with its
    reason, the rest still import. A record whose claim already has a review at the same
    (canonical, unarchived) URL is left as it is. `base_url` resolves relative review URLs.
    Raises ImportFormatError only when `data` is not JSON objects at all.
    """
    if not isinstance(data, dict | list):
        raise ImportFormatError(
            "Expected ClaimReview JSON: an object, a list, an @graph, a DataCommons DataFeed, "
            f"or a Fact Check Tools claims:search response; got {type(data).__name__}."
        )
    report = ImportReport()
    labels = LabelTable()
    for number, node in enumerate(_flatten(data), start=1):
        if number > IMPORT_MAX_RECORDS:
            report.warn(f"only the first {IMPORT_MAX_RECORDS} records were read; split the file")
            break
        report.records = number
        prefix = f"record {number}: "
        # Warnings matter only for what was imported; a skipped record gets its one reason.
        warnings: list[str] = []
        try:
            if isinstance(node, RecordError):
                raise node
            record = _read_record(node, warnings.append, base_url)
            with transaction.atomic():
                review, created = _import_record(record, user, labels, report)
        except RecordError as error:
            reason, line = error.reason, str(error)
        except ValidationError as error:
            reason, line = "invalid", "; ".join(validation_messages(error))
        except DatabaseError as error:
            reason = "the database refused it"
            line = f"{reason} ({error.__class__.__name__}: {str(error)[:200]})"
        except Exception as error:  # noqa: BLE001 — one odd record must not stop the file
            logger.debug("ClaimReview record %s failed", number, exc_info=True)
            reason = "could not be imported"
            line = f"{reason} ({error.__class__.__name__}: {str(error)[:200]})"
        else:
            report.outcomes.append((number, review.pk, ""))
            if not created:
                report.unchanged += 1
            else:
                report.created += 1
                report.external_review_ids.append(review.pk)
                if review.claim_id not in report.claim_ids:
                    report.claim_ids.append(review.claim_id)
                for warning in warnings:
                    report.warn(prefix + warning)
            continue
        report.outcomes.append((number, None, reason))
        report.skip(prefix + line, reason)
    return report
