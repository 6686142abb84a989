"""Hostile bodies against every write endpoint: each answers a 4xx naming the field, and the
database is left exactly as it was (same row count in every table, history included)."""

import json

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def write_endpoints(records) -> list[tuple[str, str, dict, str]]:
    """(method, url, a valid body, a text field of that body) for every write endpoint."""
    claim, actor, event = records["claim"], records["actor"], records["event"]
    publisher, source, citation = records["publisher"], records["source"], records["citation"]
    claim_body = {"statement": "Morocco signed the accord.", "kind": "agreement"}
    actor_body = {"name": "Nasser Bourita", "kind": "person", "country": "MA"}
    event_body = {"name": "African Lion", "kind": "exercise", "starts_on": "2024-05-20"}
    publisher_body = {"name": "Hespress", "domain": "hespress.example", "kind": "news_outlet"}
    source_body = {"url": "https://news.example/a", "title": "A title", "text": "Some text."}
    citation_body = {"claim": claim.pk, "source": source.pk, "quote": "The minister attended"}
    return [
        ("post", "/api/v1/claims/", claim_body, "statement"),
        ("put", f"/api/v1/claims/{claim.pk}/", claim_body, "statement"),
        ("patch", f"/api/v1/claims/{claim.pk}/", claim_body, "statement"),
        ("post", f"/api/v1/claims/{claim.pk}/reviews/", {"status": "in_review"}, "rationale"),
        ("post", "/api/v1/actors/", actor_body, "name"),
        ("put", f"/api/v1/actors/{actor.pk}/", actor_body, "name"),
        ("patch", f"/api/v1/actors/{actor.pk}/", actor_body, "title"),
        ("post", "/api/v1/events/", event_body, "name"),
        ("put", f"/api/v1/events/{event.pk}/", event_body, "location"),
        ("patch", f"/api/v1/events/{event.pk}/", event_body, "name"),
        ("post", "/api/v1/publishers/", publisher_body, "name"),
        ("put", f"/api/v1/publishers/{publisher.pk}/", publisher_body, "name"),
        ("patch", f"/api/v1/publishers/{publisher.pk}/", publisher_body, "name"),
        ("post", "/api/v1/sources/", source_body, "title"),
        ("put", f"/api/v1/sources/{source.pk}/", source_body, "title"),
        ("patch", f"/api/v1/sources/{source.pk}/", source_body, "title"),
        ("post", "/api/v1/citations/", citation_body, "quote"),
        ("put", f"/api/v1/citations/{citation.pk}/", citation_body, "quote"),
        ("patch", f"/api/v1/citations/{citation.pk}/", citation_body, "quote"),
    ]


ENDPOINT_IDS = [
    "post claims", "put claim", "patch claim", "post review",
    "post actors", "put actor", "patch actor",
    "post events", "put event", "patch event",
    "post publishers", "put publisher", "patch publisher",
    "post sources", "put source", "patch source",
    "post citations", "put citation", "patch citation",
]  # fmt: skip


@pytest.fixture(params=range(len(ENDPOINT_IDS)), ids=ENDPOINT_IDS)
def endpoint(request, records):
    return write_endpoints(records)[request.param]


def send(client, method: str, url: str, raw: bytes | str, content_type="application/json"):
    return getattr(client, method)(url, raw, content_type=content_type)


def fields_named(response) -> set:
    return {error["field"] for error in response.json()["errors"]}


def with_value(body: dict, field: str, value) -> str:
    return json.dumps({**body, field: value})


@pytest.mark.parametrize(
    "bad, name",
    [
        ("before\x00after", "a NUL byte"),
        ("\ud800", "a lone surrogate"),
        ("x" * 100_001, "an overlong string"),
        (12345, "a number"),
        (["a", "list"], "a list"),
        ({"an": "object"}, "an object"),
    ],
)
def test_a_bad_value_in_a_text_field_is_refused_naming_the_field(
    staff_client, endpoint, unchanged, bad, name
):
    method, url, body, field = endpoint
    response = send(staff_client, method, url, with_value(body, field, bad))
    assert response.status_code == 400, (name, response.content)
    assert field in fields_named(response)


def test_an_unknown_field_is_refused_naming_it(staff_client, endpoint, unchanged):
    method, url, body, _ = endpoint
    response = send(staff_client, method, url, with_value(body, "is_admin", True))
    assert response.status_code == 400
    assert "is_admin" in fields_named(response)


def test_a_body_over_the_request_limit_answers_413_json(staff_client, endpoint, unchanged):
    method, url, body, field = endpoint
    oversized = "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = send(staff_client, method, url, with_value(body, field, oversized))
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.parametrize("depth", [100, 100_000])
def test_deeply_nested_json_answers_400(staff_client, endpoint, unchanged, depth):
    method, url, body, field = endpoint
    raw = json.dumps(body)[:-1] + f', "{field}": ' + "[" * depth + "]" * depth + "}"
    response = send(staff_client, method, url, raw)
    assert response.status_code == 400
    assert "nested deeper" in response.json()["detail"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_wrong_content_type_answers_415(staff_client, endpoint, unchanged, content_type):
    method, url, body, _ = endpoint
    response = send(staff_client, method, url, json.dumps(body), content_type=content_type)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize("raw", ["{not json", '{"a": 1,}', "[1, 2", '{"a": NaN}', "\xff\xfe"])
def test_invalid_json_answers_400(staff_client, endpoint, unchanged, raw):
    method, url, _, _ = endpoint
    response = send(staff_client, method, url, raw)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("body", [[], "text", 12, None])
def test_a_body_that_is_not_an_object_answers_400(staff_client, endpoint, unchanged, body):
    method, url, _, _ = endpoint
    response = send(staff_client, method, url, json.dumps(body))
    assert response.status_code == 400


@pytest.mark.parametrize("number", [2**63, 2**64, 10**30, -(2**63) - 1])
@pytest.mark.parametrize(
    "url, body, field",
    [
        ("/api/v1/claims/", {"statement": "s", "kind": "other", "event": "N"}, "event"),
        (
            "/api/v1/claims/",
            {"statement": "s", "kind": "other", "participants": [{"actor": "N", "role": "host"}]},
            "participants[0].actor",
        ),
        ("/api/v1/citations/", {"claim": "N", "source": 1, "quote": "q"}, "claim"),
        ("/api/v1/sources/", {"url": "https://x.example/", "publisher": "N"}, "publisher"),
    ],
)
def test_an_id_beyond_64_bits_is_refused_naming_the_field(
    staff_client, unchanged, number, url, body, field
):
    raw = json.dumps(body).replace('"N"', str(number))
    response = send(staff_client, "post", url, raw)
    assert response.status_code == 400
    assert field in fields_named(response)


def test_review_citations_beyond_64_bits_are_refused(staff_client, records, unchanged):
    url = f"/api/v1/claims/{records['claim'].pk}/reviews/"
    raw = json.dumps({"status": "in_review", "citations": [2**64]})
    response = send(staff_client, "post", url, raw)
    assert response.status_code == 400
    assert "citations[0]" in fields_named(response)


@pytest.mark.parametrize("pk", [2**63, 2**64, 10**30])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_a_path_id_beyond_64_bits_answers_404(staff_client, unchanged, pk, method):
    response = getattr(staff_client, method)(f"/api/v1/claims/{pk}/", {}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("date", ["0000-00-00", "99999-01-01", "2024-02-30", "yesterday"])
@pytest.mark.parametrize(
    "url, body, field",
    [
        ("/api/v1/claims/", {"statement": "s", "kind": "other"}, "occurred_on"),
        ("/api/v1/events/", {"name": "e", "kind": "other"}, "starts_on"),
        ("/api/v1/events/", {"name": "e", "kind": "other"}, "ends_on"),
        ("/api/v1/sources/", {"url": "https://d.example/"}, "published_at"),
    ],
)
def test_an_impossible_date_is_refused_naming_the_field(
    staff_client, unchanged, date, url, body, field
):
    response = send(staff_client, "post", url, with_value(body, field, date))
    assert response.status_code == 400
    assert field in fields_named(response)


def test_a_nul_byte_in_a_claimreview_import_is_refused_naming_where(reviewer_client, unchanged):
    record = {"@type": "ClaimReview", "claimReviewed": "bad\x00text", "url": "https://r.example/"}
    response = send(reviewer_client, "post", "/api/v1/claimreview/import/", json.dumps(record))
    assert response.status_code == 400
    assert "claimReviewed" in fields_named(response)


# --- text that must be stored exactly as sent -------------------------------------------------

TRICKY_TEXTS = [
    "محمد السادس، ملك المغرب، استقبل الوزير في الرباط",  # Arabic
    "الصحراء الغربية \u200f(Western Sahara)\u200e mixed RTL/LTR",  # with direction marks
    "Bourita 🇲🇦 met Blinken 🇺🇸 👍🏽 — «très» ‘quoted’",  # emoji, flags, skin tone
    "ⵜⴰⵎⴰⵣⵉⵖⵜ (Tifinagh) and e\u0301 (combining accent) and ﷽",
    "'; DROP TABLE claims_claim; -- \" OR 1=1 /* %_ \\",  # SQL metacharacters
    "<script>alert(1)</script><img src=x onerror=alert(2)>&amp; {{ x }} {% y %}",  # HTML
]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_arabic_rtl_emoji_sql_and_html_text_round_trips_byte_exact(editor_client, db, text):
    body = {"statement": text, "kind": "statement"}
    created = send(editor_client, "post", "/api/v1/claims/", json.dumps(body))
    assert created.status_code == 201, created.content
    fetched = editor_client.get(created.json()["url"])
    assert fetched.json()["statement"].encode("utf-8") == text.encode("utf-8")
    actor = send(
        editor_client, "post", "/api/v1/actors/", json.dumps({"name": text, "kind": "other"})
    )
    assert actor.status_code == 201
    assert editor_client.get(f"/api/v1/actors/{actor.json()['id']}/").json()["name"] == text


@pytest.mark.parametrize("text", TRICKY_TEXTS[:4])
def test_arabic_and_emoji_text_is_found_by_the_free_text_filter(editor_client, db, text):
    send(editor_client, "post", "/api/v1/claims/", json.dumps({"statement": text, "kind": "other"}))
    word = text.split()[0]
    found = editor_client.get("/api/v1/claims/", {"q": word}).json()["results"]
    assert [claim["statement"] for claim in found] == [text]
