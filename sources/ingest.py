"""Turning a web page (or a plain text) into a Source: fetch, decode, extract, store.

- `sources.fetch.fetch_url(url)` downloads a page (safely: see that module); `ingest_url`
  fetches and stores in one step, for the command `ingest_source` and the admin alike.
- `extract_article(html, url)` keeps the article and drops the page around it (menus, cookie
  banners, comment forms, related links) with trafilatura; htmldate finds the publication date.
- `ingest(url, html=... | text=...)` creates the Source for the URL's canonical form, or
  replaces the text of the existing one (its old text stays in the history and every citation
  is re-anchored), in one transaction. Nothing is stored when anything is wrong with the input.

The size cap is settings.CLAIMTRACK_MAX_INGEST_BYTES (default 5 MB).
"""

import codecs
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import htmldate
import lxml.html
import trafilatura
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from w3lib.encoding import html_body_declared_encoding, read_bom

from sources.canonical import canonicalize_url
from sources.fetch import DEFAULT_TIMEOUT_SECONDS, fetch_url
from sources.models import Publisher, Source
from sources.validators import validate_language_tag

DEFAULT_MAX_INGEST_BYTES = 5 * 1024 * 1024

# Content types ingestion accepts from a server; anything else (PDF, images, archives) is refused.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})

# Leading bytes of common binary formats, so that they are refused before any decoding.
_BINARY_SIGNATURES = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",  # JPEG
    b"PK\x03\x04",  # ZIP, DOCX, EPUB
    b"\x1f\x8b",  # gzip
    b"RIFF",
    b"\x7fELF",
)


class IngestError(Exception):
    """Input that cannot become a Source; `field` names the input at fault (a 400)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class IngestTooLarge(IngestError):
    """Input above the size cap (a 413)."""


def max_ingest_bytes() -> int:
    return getattr(settings, "CLAIMTRACK_MAX_INGEST_BYTES", DEFAULT_MAX_INGEST_BYTES)


def _too_large(field: str, size: int | None = None) -> IngestTooLarge:
    cap = max_ingest_bytes()
    got = f" ({size:,} bytes)" if size is not None else ""
    return IngestTooLarge(field, f"The {field} is larger than the limit of {cap:,} bytes{got}.")


def decode_body(data: bytes, *, charset: str | None = None, field: str = "html") -> str:
    """Bytes of a page or text file as text, refusing binary data and undecodable bytes.

    The encoding is the byte-order mark, else the one the HTTP header declares (`charset`),
    else the one the page declares in <meta charset>, else UTF-8. Bytes that are not valid in
    that encoding are an error, not silently replaced: a quote must match the article exactly.
    """
    if len(data) > max_ingest_bytes():
        raise _too_large(field, len(data))
    bom_encoding, bom = read_bom(data)
    bom = bom or b""
    # NUL bytes mean binary data, unless a byte-order mark announces UTF-16 or UTF-32.
    if data.startswith(_BINARY_SIGNATURES) or (not bom and b"\x00" in data[:4096]):
        raise IngestError(field, f"The {field} is binary data (a PDF, an image…), not a web page.")
    encoding = bom_encoding or charset or html_body_declared_encoding(data) or "utf-8"
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        message = f"The {field} declares an unknown encoding ({encoding})."
        raise IngestError(field, message) from None
    try:
        return data[len(bom) :].decode(encoding)
    except UnicodeDecodeError as error:
        raise IngestError(
            field, f"The {field} is not valid {encoding} text (bad byte at offset {error.start})."
        ) from None


def checked_text(field: str, value) -> str:
    """A str input that can be stored: within the cap, no NUL characters, valid Unicode."""
    if isinstance(value, bytes):
        return decode_body(value, field=field)
    if not isinstance(value, str):
        raise IngestError(field, f"The {field} must be a string.")
    cap = max_ingest_bytes()
    if len(value) > cap:
        raise _too_large(field)
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        # Lone surrogates (from a JSON "\ud800") cannot be stored by any database.
        raise IngestError(field, f"The {field} contains invalid Unicode characters.") from None
    if size > cap:
        raise _too_large(field, size)
    if "\x00" in value:
        raise IngestError(field, f"The {field} contains NUL characters: it looks like binary data.")
    return value


@dataclass(frozen=True)
class Extracted:
    """What extract_article found in a page; empty strings and None where it found nothing."""

    text: str
    title: str = ""
    authors: str = ""
    published_at: datetime | None = None
    language: str = ""
    url: str = ""
    site_name: str = ""


def _parse_tree(html: str):
    try:
        return lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None


def _language_of(tree) -> str:
    """The page's declared language as a BCP 47 tag ("en_US" becomes "en-US"), or ""."""
    if tree is None:
        return ""
    candidates = [
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        *tree.xpath(
            "//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')"
            "='content-language']/@content"
        ),
        *tree.xpath("//meta[@property='og:locale']/@content"),
    ]
    for candidate in candidates:
        tag = (candidate or "").strip().split(",")[0].strip().replace("_", "-")
        try:
            validate_language_tag(tag)
        except ValidationError:
            continue
        return tag
    return ""


def page_url(html: str) -> str:
    """The URL a page says it lives at (<link rel=canonical>, else og:url), or ""."""
    tree = _parse_tree(html)
    if tree is None:
        return ""
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        for value in tree.xpath(xpath):
            if value.strip().lower().startswith(("http://", "https://")):
                return value.strip()
    return ""


def _published_at(html: str) -> datetime | None:
    try:
        found = htmldate.find_date(html, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S%z")
    except (ValueError, TypeError):
        return None
    if not found:
        return None
    try:
        moment = datetime.fromisoformat(found)
    except ValueError:
        return None
    # A date without a time zone is taken as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _plain(text: str) -> str:
    """Text with uniform line ends and no trailing spaces, as stored and quoted."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()


def extract_article(html: str, url: str = "") -> Extracted:
    """The main text and the metadata of an article page; boilerplate is left out."""
    document = trafilatura.bare_extraction(
        html,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
    )
    tree = _parse_tree(html)
    if document is None or not (document.text or "").strip():
        return Extracted(text="", language=_language_of(tree), url=page_url(html))
    authors = ", ".join(
        name.strip() for name in re.split(r";|\s+and\s+", document.author or "") if name.strip()
    )
    return Extracted(
        text=_plain(document.text),
        title=(document.title or "").strip(),
        authors=authors,
        published_at=_published_at(html),
        language=_language_of(tree),
        url=page_url(html),
        site_name=(document.sitename or "").strip(),
    )


def _fill(source: Source, url: str, extracted: Extracted, publisher: Publisher | None) -> None:
    """Put what was ingested on the source; metadata the new input lacks is kept."""
    source.url = url
    source.text = extracted.text
    source.retrieved_at = timezone.now()
    if publisher is not None:
        source.publisher = publisher
    if extracted.title:
        source.title = extracted.title[:500]
    if extracted.authors:
        source.authors = extracted.authors
    if extracted.language:
        source.language = extracted.language
    if extracted.published_at:
        source.published_at = extracted.published_at


def _validated(source: Source) -> Source:
    try:
        # Uniqueness is the database's to decide (see ingest); everything else is checked here.
        source.full_clean(validate_unique=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise IngestError(field, " ".join(messages)) from None
    return source


def ingest(
    url: str,
    *,
    html: str | bytes | None = None,
    text: str | None = None,
    publisher: Publisher | None = None,
    user=None,
) -> tuple[Source, bool]:
    """Store the article at `url` from its page (`html`) or its plain `text`: (source, created).

    A source with the same canonical URL is updated, not duplicated: its text is replaced
    (history keeps the old one; the citations re-anchor) and metadata the new input has
    replaces the old. The publisher, when not given, is found or created from the domain.
    Raises IngestError (IngestTooLarge for oversized input); then nothing is stored.
    """
    if not isinstance(url, str) or len(url) > 2000:
        raise IngestError("url", "Give the article's URL (at most 2000 characters).")
    url = url.strip()
    try:
        canonical = canonicalize_url(url)
    except ValueError as error:
        raise IngestError("url", str(error)) from None
    if (html is None) == (text is None):
        raise IngestError("html", "Give either the page's html or its plain text (one of them).")
    if html is not None:
        extracted = extract_article(checked_text("html", html), url)
        if not extracted.text:
            raise IngestError("html", "No article text was found in the page.")
    else:
        extracted = Extracted(text=_plain(checked_text("text", text)))
        if not extracted.text:
            raise IngestError("text", "The text is empty.")

    with transaction.atomic():
        if publisher is None:
            publisher = Publisher.objects.for_url(canonical, extracted.site_name)
        source = Source.objects.select_for_update().filter(canonical_url=canonical).first()
        created = source is None
        if created:
            source = Source(created_by=user)
        _fill(source, url, extracted, publisher)
        source.canonical_url = canonical
        _validated(source)
        try:
            # A savepoint, so that losing a race leaves the transaction usable.
            with transaction.atomic():
                source.save()
        except IntegrityError:
            if not created:
                raise
            # Another request created this article between our look-up and our insert: the
            # unique constraint decided, and this ingest becomes an update of that record.
            source = Source.objects.select_for_update().get(canonical_url=canonical)
            created = False
            _fill(source, url, extracted, publisher)
            source.save()
    return source, created


def ingest_url(url: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, user=None):
    """Download the article at `url` with the safe fetcher and store it: (source, created).

    An HTML page is extracted, a text/plain one stored as it is; redirects are followed and
    the article is stored under the URL they ended at. Raises FetchError or IngestError.
    """
    fetched = fetch_url(
        url, timeout=timeout, max_bytes=max_ingest_bytes(), content_types=HTML_TYPES | TEXT_TYPES
    )
    field = "text" if fetched.content_type in TEXT_TYPES else "html"
    body = decode_body(fetched.body, charset=fetched.charset, field=field)
    return ingest(fetched.url, user=user, **{field: body})
