"""The benchmark's rival arms answer the same rows as claimtrack would, from the same data."""

import json
import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from bench.generate import Command as GenerateData
from bench.run import check_same_rows, cursor_token, parse_wrk
from claims.models import Claim
from claims.serializers import ClaimSerializer
from claims.workflow import claim_consensus

METADATA = Path(__file__).resolve().parents[2] / "bench/datasette/metadata.json"

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:18101/api/v1/claims/?country=MA
  1 threads and 8 connections
  Latency Distribution
     50%   36.86ms
     75%   42.20ms
     90%   48.12ms
     99%    1.06s
  1037 requests in 5.03s, 60.05MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    206.16
"""


def test_the_floor_labels_the_statuses_as_the_api_does():
    from bench.floor import STATUS_LABEL
    from claims.workflow import LABEL

    assert {status.value: label for status, label in LABEL.items()} == STATUS_LABEL


def test_wrk_output_gives_throughput_percentiles_and_errors():
    m = parse_wrk(WRK_OUTPUT)

    assert (m.rps, m.p50_ms, m.p99_ms, m.requests) == (206.16, 36.86, 1060.0, 1037)
    assert m.errors == 6  # 4 non-2xx answers and 2 timeouts


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgresql://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def floor_app(transactional_db):
    """Generated data committed (the floor reads over its own connection) and the floor app."""
    from bench.floor import Floor

    call_command(GenerateData(), claims=800, seed=5, quiet=True, stdout=StringIO())
    app = Floor(_database_url())
    yield app
    if app.conn is not None:
        app.conn.close()


def get(app, query: str) -> tuple[str, dict]:
    answer = {}

    def start_response(status, headers):
        answer["status"] = status

    environ = {
        "PATH_INFO": "/api/v1/claims/",
        "REQUEST_METHOD": "GET",
        "QUERY_STRING": query,
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "testserver",
    }
    body = b"".join(app(environ, start_response))
    return answer["status"], json.loads(body)


def newest_ids(count: int, before: int | None = None) -> list[int]:
    claims = Claim.objects.for_country("MA").order_by("-id")
    if before:
        claims = claims.filter(id__lt=before)
    return list(claims.values_list("id", flat=True)[:count])


@pytest.mark.postgres
def test_the_floor_answers_the_newest_claims_of_the_country_and_pages_on(floor_app):
    status, body = get(floor_app, "country=ma&page_size=50")

    assert status == "200 OK"
    assert [row["id"] for row in body["results"]] == newest_ids(50)
    assert body["previous"] is None
    status, second = get(floor_app, body["next"].split("?", 1)[1])
    assert [row["id"] for row in second["results"]] == newest_ids(50, before=newest_ids(50)[-1])
    assert second["previous"]


@pytest.mark.postgres
def test_the_floor_shows_a_claim_with_all_its_nested_parts(floor_app):
    _status, body = get(floor_app, "country=MA&page_size=1")
    row = body["results"][0]
    claim = Claim.objects.with_list_relations().get(pk=row["id"])

    assert list(row) == ClaimSerializer.Meta.fields
    assert row["url"] == f"http://testserver/api/v1/claims/{claim.pk}/"
    assert row["statement"] == claim.statement
    assert {(c["code"], c["role"]) for c in row["countries"]} == {
        (c.country.code, c.role) for c in claim.countries.all()
    }
    assert "Morocco" in {c["name"] for c in row["countries"]}
    assert [p["actor"] for p in row["participants"]] == [
        p.actor_id for p in claim.participants.all()
    ]
    assert [c["quote"] for c in row["citations"]] == [c.quote for c in claim.citations.all()]
    assert row["created_at"].endswith("Z")
    stances = [c.stance for c in claim.citations.all()]
    support, refute = (
        stances.count("supports"),
        stances.count("refutes") + stances.count("retracts"),
    )
    assert (row["support_count"], row["refute_count"]) == (support, refute)
    assert row["consensus"] == claim_consensus(support, refute)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "field"),
    [("country=XX", "country"), ("country=MA&cursor=not-a-cursor", "cursor"),
     ("country=MA&page_size=many", "page_size")],
)  # fmt: skip
def test_the_floor_refuses_bad_parameters_with_400_naming_the_field(floor_app, query, field):
    status, body = get(floor_app, query)

    assert status == "400 Bad Request"
    assert field in body


@pytest.mark.postgres
def test_the_datasette_export_answers_the_same_page_with_its_canned_query(floor_app, tmp_path):
    from bench.datasette.export import export

    path = tmp_path / "claims.db"
    counts = export(_database_url(), str(path))
    sql = json.loads(METADATA.read_text())["databases"]["claims"]["queries"]["by_country"]["sql"]
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row

    rows = db.execute(sql, {"country": "MA", "before": str(2**63 - 1)}).fetchall()
    deeper = db.execute(sql, {"country": "MA", "before": str(rows[-1]["id"])}).fetchall()

    assert counts["claims"] == 800
    assert [row["id"] for row in rows] == newest_ids(50)
    assert [row["id"] for row in deeper] == newest_ids(50, before=rows[-1]["id"])
    _status, body = get(floor_app, "country=MA&page_size=1")
    floor_row = body["results"][0]
    for column in ("statement", "event", "countries", "participants", "citations"):
        stored = rows[0][column]
        value = json.loads(stored) if column != "statement" and stored else stored
        assert value == floor_row[column], column


def test_the_runner_reports_an_arm_whose_ids_differ_from_the_database(monkeypatch):
    class Wrong:
        label, kind = "wrong", "floor"

        def url(self):
            return "http://127.0.0.1/page"

        def page(self, url):
            return [{"id": 1, "url": "http://x/api/v1/claims/1/"}], None

    monkeypatch.setattr("bench.run.expected_ids", lambda url, pages: [2])

    problems = check_same_rows([Wrong()], type("Args", (), {"database_url": "postgres://"})())

    assert problems and "wrong" in problems[0]


def test_the_runner_asks_for_deep_pages_with_cursors_the_api_accepts():
    from claimtrack.pagination import _decode

    assert _decode(cursor_token(1234)) == {"value": 1234, "pk": 1234, "reverse": False}
