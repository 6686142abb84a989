import socket
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sources.ingest import (
    IngestError,
    IngestTooLarge,
    decode_body,
    extract_article,
    ingest,
)
from sources.models import Publisher, Source
from tests.conftest import run_at_once
from tests.factories import CitationFactory, PublisherFactory, SourceFactory

FIXTURES = Path(__file__).parents[1] / "fixtures"
SEED_HTML = (FIXTURES / "seed-article.html").read_text("utf-8")
SEED_TEXT = (Path(__file__).parents[2] / "claims" / "data" / "seed-article.txt").read_text("utf-8")
ARTICLE_URL = (
    "https://www.atalayar.com/en/articulo/politics/morocco-key-participant-us-regional-safety/"
    "20230523130000185000.html"
)
ARTICLE_PARAGRAPHS = [
    p
    for p in SEED_TEXT.split("\n\n")[1:]
    if not p.startswith(("PHOTO/", "United States and Morocco military", "The United States and"))
    and p != "Leave a Comment"
]
BOILERPLATE = [
    "cookies",
    "Accept all",
    "Subscribe to our newsletter",
    "Share on Facebook",
    "Leave a Comment",
    "Your email address will not be published",
    "Post Comment",
    "Related articles",
    "Algeria tightens its grip",
    "All rights reserved",
    "Privacy policy",
]


def test_extraction_keeps_every_article_paragraph_and_no_boilerplate():
    extracted = extract_article(SEED_HTML, ARTICLE_URL)

    assert len(ARTICLE_PARAGRAPHS) == 11
    for paragraph in ARTICLE_PARAGRAPHS:
        assert paragraph in extracted.text
    for words in BOILERPLATE:
        assert words not in extracted.text


def test_extraction_reads_the_metadata_of_the_page():
    extracted = extract_article(SEED_HTML, ARTICLE_URL)

    assert extracted.title == "Morocco, key participant in US regional safety | watch"
    assert extracted.authors == "Atalayar Editorial Staff"
    assert extracted.published_at == datetime(2023, 5, 23, 11, 0, tzinfo=UTC)
    assert extracted.language == "en"
    assert extracted.url == ARTICLE_URL
    assert extracted.site_name == "Atalayar"


@pytest.mark.django_db
def test_ingesting_a_page_stores_the_article_and_finds_or_creates_its_publisher():
    source, created = ingest(ARTICLE_URL + "?utm_source=twitter#top", html=SEED_HTML)

    assert created
    source.refresh_from_db()
    assert source.canonical_url == ARTICLE_URL
    assert source.title.startswith("Morocco, key participant")
    assert source.language == "en"
    assert source.published_at == datetime(2023, 5, 23, 11, 0, tzinfo=UTC)
    assert "Leave a Comment" not in source.text
    assert len(source.text_sha256) == 64
    assert (source.publisher.domain, source.publisher.name) == ("atalayar.com", "Atalayar")

    other, _ = ingest("https://atalayar.com/en/another-story", text="Another article text.")
    assert other.publisher == source.publisher
    assert Publisher.objects.count() == 1


@pytest.mark.django_db
def test_a_given_publisher_is_used_as_it_is():
    publisher = PublisherFactory(domain="wire.example")
    source, _ = ingest(ARTICLE_URL, html=SEED_HTML, publisher=publisher)
    assert source.publisher == publisher
    assert not Publisher.objects.filter(domain="atalayar.com").exists()


@pytest.mark.django_db
def test_re_ingesting_an_updated_article_replaces_the_text_and_re_anchors_citations():
    source, _ = ingest(ARTICLE_URL, html=SEED_HTML)
    quote = "These working sessions, which lasted several days"
    citation = CitationFactory(source=source, quote=quote)
    assert citation.anchoring == "exact"
    old_text = source.text

    again, created = ingest(
        ARTICLE_URL.replace("https://", "http://"),
        html=SEED_HTML.replace("lasted several days", "lasted three days"),
    )

    assert (again.pk, created) == (source.pk, False)
    assert Source.objects.count() == 1
    citation.refresh_from_db()
    assert citation.anchoring == "fuzzy"
    assert (
        again.text[citation.start : citation.end]
        == "These working sessions, which lasted three days"
    )
    assert [h.text for h in again.history.order_by("history_date")] == [old_text, again.text]


@pytest.mark.django_db
def test_plain_text_is_stored_as_given_with_uniform_line_ends():
    source, created = ingest(
        "https://example.org/statement", text="First line.\r\nSecond line.\r\n"
    )
    assert created
    assert source.text == "First line.\nSecond line."
    assert source.publisher.domain == "example.org"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"url": "ftp://example.org/a", "text": "x"}, "url", "http:// or https://"),
        ({"url": "https://example.org/a"}, "html", "html or its plain text"),
        ({"url": "https://example.org/a", "html": "<p>x</p>", "text": "x"}, "html", "one of"),
        ({"url": "https://example.org/a", "text": "   "}, "text", "empty"),
        (
            {"url": "https://example.org/a", "html": "<html><body></body></html>"},
            "html",
            "No article",
        ),
        ({"url": "https://example.org/a", "text": "bad \x00 byte"}, "text", "NUL"),
        (
            {"url": "https://example.org/a", "text": "lone \ud800 surrogate"},
            "text",
            "invalid Unicode",
        ),
        ({"url": "https://example.org/a", "html": b"%PDF-1.7\n..."}, "html", "binary"),
        ({"url": "https://example.org/a", "html": b"<p>caf\xe9</p>"}, "html", "not valid utf-8"),
        ({"url": "https://example.org/" + "a" * 2000, "text": "x"}, "url", "2000"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_is_stored(arguments, field, message):
    url = arguments.pop("url")
    with pytest.raises(IngestError, match=message) as raised:
        ingest(url, **arguments)
    assert raised.value.field == field
    assert not Source.objects.exists()
    assert not Publisher.objects.exists()


@pytest.mark.django_db
def test_oversized_input_is_refused_as_too_large(settings):
    settings.CLAIMTRACK_MAX_INGEST_BYTES = 1000
    with pytest.raises(IngestTooLarge, match="limit of 1,000 bytes") as raised:
        ingest("https://example.org/a", text="word " * 300)
    assert raised.value.field == "text"
    assert not Source.objects.exists()


def test_a_declared_encoding_is_honoured():
    page = '<html><head><meta charset="iso-8859-1"></head><body>café</body></html>'
    assert "café" in decode_body(page.encode("iso-8859-1"))
    assert decode_body("abc".encode("utf-16"), field="text") == "abc"


# --- the ingest_source command, against a local server (tests/sources/conftest.py) ----------


@pytest.fixture
def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_the_command_ingests_a_url_after_a_redirect(local_server, allow_local, capsys):
    server = local_server.url
    call_command("ingest_source", server + "/old-address")

    out = capsys.readouterr().out
    source = Source.objects.get()
    assert source.canonical_url == server.replace("http://", "https://") + "/article"
    assert f"source {source.pk} created" in out
    assert "Hammouchi held working sessions" in source.text


@pytest.mark.django_db
def test_the_command_reports_each_failure_in_one_line_and_exits_non_zero(
    local_server, allow_local, closed_port, settings, capsys
):
    server = local_server.url
    settings.CLAIMTRACK_MAX_INGEST_BYTES = 1000
    inputs = [
        server + "/plain",
        server + "/missing",
        f"http://127.0.0.1:{closed_port}/article",
        server + "/huge",
        "/no/such/file.html",
    ]

    with pytest.raises(CommandError, match="4 of 5 inputs failed"):
        call_command("ingest_source", *inputs)

    captured = capsys.readouterr()
    errors = captured.err.strip().splitlines()
    assert len(errors) == 4
    assert "404 Not Found" in errors[0]
    assert "could not connect (Connection refused)" in errors[1]
    assert "larger than the limit of 1,000 bytes" in errors[2]
    assert "neither an http(s) URL nor a readable file" in errors[3]
    assert "Traceback" not in captured.err
    assert Source.objects.get().text == "A plain statement from Rabat."


@pytest.mark.django_db
def test_the_command_stores_a_saved_page_under_the_url_it_names(capsys):
    call_command("ingest_source", str(FIXTURES / "seed-article.html"))
    assert Source.objects.get().canonical_url == ARTICLE_URL
    assert "created" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_command_needs_a_url_for_a_text_file(tmp_path, capsys):
    path = tmp_path / "statement.txt"
    path.write_text("Morocco and Spain agreed.", "utf-8")

    with pytest.raises(CommandError):
        call_command("ingest_source", str(path))
    assert "--url" in capsys.readouterr().err

    call_command("ingest_source", str(path), "--url", "https://example.org/statement")
    assert Source.objects.get().text == "Morocco and Spain agreed."


@pytest.mark.django_db
def test_re_running_the_command_updates_the_same_source(capsys):
    SourceFactory(url=ARTICLE_URL, text="An older version of the article.")
    call_command("ingest_source", str(FIXTURES / "seed-article.html"))
    assert Source.objects.count() == 1
    assert "updated (new text; 0 citations re-anchored)" in capsys.readouterr().out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_ingests_of_one_article_make_one_source():
    barrier = threading.Barrier(2)
    outcomes = []

    def run(text):
        barrier.wait()
        outcomes.append(ingest(ARTICLE_URL, text=text)[1])

    run_at_once(run, [f"Version {n}." for n in range(2)])

    assert sorted(outcomes) == [False, True]
    assert Source.objects.count() == 1
