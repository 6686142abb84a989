"""`manage.py ingest_source URL_OR_FILE [...]`: store articles from the web or from saved pages."""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sources.fetch import DEFAULT_TIMEOUT_SECONDS, FetchError
from sources.ingest import (
    IngestError,
    decode_body,
    ingest,
    ingest_url,
    max_ingest_bytes,
    page_url,
)

_HTTP = re.compile(r"^https?://", re.IGNORECASE)
_TEXT_SUFFIXES = {".txt", ".text", ".md"}


class Command(BaseCommand):
    help = (
        "Ingest articles: each input is an http(s) URL (downloaded) or a local file (a saved "
        "HTML page, or a .txt file read as plain text). A saved page is stored under the URL it "
        "names in <link rel=canonical> or og:url; --url gives it when it names none, and is "
        "required for a text file. URLs are fetched only from public internet addresses (see "
        "CLAIMTRACK_FETCH_ALLOWED_HOSTS). Prints one line per input; exits non-zero if any failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("inputs", nargs="+", metavar="URL_OR_FILE")
        parser.add_argument(
            "--url", help="The article's URL, for a single local file (overrides the page's own)."
        )
        parser.add_argument(
            "--text", action="store_true", help="Read the files as plain text, not HTML."
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_TIMEOUT_SECONDS,
            help="Seconds one download may take in all, redirects included "
            f"(default {DEFAULT_TIMEOUT_SECONDS}).",
        )

    def handle(self, *args, inputs, url, text, timeout, **options):
        if not timeout > 0:
            raise CommandError("--timeout is the seconds a download may take: more than 0.")
        if url and len(inputs) != 1:
            raise CommandError("--url names the URL of one file: give a single input with it.")
        failed = 0
        for given in inputs:
            try:
                line = self._ingest_one(given, url=url, as_text=text, timeout=timeout)
            except (IngestError, FetchError) as error:
                failed += 1
                self.stderr.write(f"error: {given}: {error.message}")
            else:
                self.stdout.write(line)
        if failed:
            raise CommandError(f"{failed} of {len(inputs)} inputs failed.")

    def _ingest_one(self, given: str, *, url: str | None, as_text: bool, timeout: float) -> str:
        if _HTTP.match(given):
            if url:
                raise IngestError("url", "--url is for local files; a URL input is its own URL.")
            source, created = ingest_url(given, timeout=timeout)
        else:
            source, created = self._ingest_file(given, url=url, as_text=as_text)
        return self._describe(source, created)

    def _ingest_file(self, given: str, *, url: str | None, as_text: bool):
        path = Path(given)
        if not path.is_file():
            raise IngestError("url", "neither an http(s) URL nor a readable file.")
        if path.stat().st_size > max_ingest_bytes():
            raise IngestError("file", f"larger than the limit of {max_ingest_bytes():,} bytes.")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise IngestError("file", f"cannot be read ({error.strerror}).") from None
        if as_text or path.suffix.lower() in _TEXT_SUFFIXES:
            if not url:
                raise IngestError("url", "give the article's URL with --url for a text file.")
            return ingest(url, text=decode_body(data, field="text"))
        html = decode_body(data, field="html")
        url = url or page_url(html)
        if not url:
            raise IngestError(
                "url", "the page names no URL (no canonical link or og:url): give it with --url."
            )
        return ingest(url, html=html)

    def _describe(self, source, created: bool) -> str:
        if created:
            done = "created"
        elif source.text_changed:
            done = f"updated (new text; {source.citations.count()} citations re-anchored)"
        else:
            done = "unchanged text"
        title = f" “{source.title}”" if source.title else ""
        size = f"{len(source.text):,} characters"
        return f"source {source.pk} {done}: {source.canonical_url}{title}, {size}"
