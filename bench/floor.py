"""The floor: the claims list page from hand-written SQL, psycopg and orjson, no framework.

A minimal WSGI app (run it under the same gunicorn settings as claimtrack) that answers
`GET /api/v1/claims/?country=MA&page_size=50[&cursor=…]` with the same JSON as the API: same
fields, same order, same keyset cursor links. It is what Python on this stack can do at best;
claimtrack's throughput is measured against it.

One query per page. PostgreSQL finds the page of claims that concern the country (newest first,
after the cursor) and builds each claim's nested object (event, countries, participants,
citations) as JSON; Python only adds the URL and the country names and serialises with orjson.
It uses the application's schema and indexes as they are: no extra index helps the floor.

    DATABASE_URL=postgres://… gunicorn bench.floor:app
"""

import base64
import binascii
import datetime as dt
import json
import os
from urllib.parse import parse_qsl, urlencode

import orjson
import psycopg

PAGE_SIZE, MAX_PAGE_SIZE, MAX_ID = 50, 200, 2**63 - 1
PATH = "/api/v1/claims/"

# The page: claims that concern the country, newest first, after the cursor.
PAGE = """
    SELECT c.id, c.statement, c.kind, c.status, c.needs_rereview, c.event_id, c.occurred_on,
           c.date_precision, c.note, c.version, c.created_by_id, c.created_at, c.updated_at
    FROM claims_claim c
    WHERE c.id IN (
        -- The cursor bound repeated inside: both sides of the merge join start at the cursor.
        SELECT cc.claim_id FROM claims_claimcountry cc
        WHERE cc.country = %(country)s AND cc.claim_id < %(before)s
    )
      AND c.id < %(before)s
    ORDER BY c.id DESC
    LIMIT %(limit)s
"""

# Each claim of a set of claims (`{claims}`) as (id, created_at, updated_at, JSON of the rest).
DOCUMENTS = """
SELECT p.id, p.created_at, p.updated_at, json_build_object(
    'statement', p.statement,
    'kind', p.kind,
    'status', p.status,
    'needs_rereview', p.needs_rereview,
    'note', p.note,
    'event', CASE WHEN e.id IS NULL THEN NULL
                  ELSE json_build_object('id', e.id, 'name', e.name) END,
    'occurred_on', p.occurred_on,
    'date_precision', p.date_precision,
    'countries', COALESCE((
        SELECT json_agg(json_build_object(
            'code', cc.country, 'role', cc.role, 'derived', cc.derived
        ) ORDER BY cc.country, cc.role)
        FROM claims_claimcountry cc WHERE cc.claim_id = p.id), '[]'),
    'participants', COALESCE((
        SELECT json_agg(json_build_object(
            'actor', a.id, 'name', a.name, 'kind', a.kind, 'country', a.country, 'role', ca.role
        ) ORDER BY ca.id)
        FROM claims_claimactor ca JOIN claims_actor a ON a.id = ca.actor_id
        WHERE ca.claim_id = p.id), '[]'),
    'citations', COALESCE((
        SELECT json_agg(json_build_object(
            'id', ci.id, 'source', ci.source_id, 'source_url', s.url, 'source_title', s.title,
            'stance', ci.stance, 'quote', ci.quote, 'anchoring', ci.anchoring,
            'start', ci.start, 'end', ci."end"
        ) ORDER BY ci.id)
        FROM claims_citation ci JOIN sources_source s ON s.id = ci.source_id
        WHERE ci.claim_id = p.id), '[]'),
    'version', p.version,
    'created_by', u.username
)::text
FROM ({claims}) p
LEFT JOIN claims_event e ON e.id = p.event_id
LEFT JOIN auth_user u ON u.id = p.created_by_id
ORDER BY p.id {order}
"""

PAGE_SQL = DOCUMENTS.format(claims=PAGE, order="DESC")

# The order of the API's fields; the SQL object above gives them in another order.
FIELDS = (
    "id", "url", "statement", "kind", "status", "status_label", "needs_rereview", "event",
    "occurred_on", "date_precision", "countries", "participants", "citations", "support_count",
    "refute_count", "consensus", "note", "version", "created_by", "created_at", "updated_at",
)  # fmt: skip
# The API's status labels (claims.workflow.LABEL; the floor loads no application code, and
# tests/bench checks that the two agree).
STATUS_LABEL = {
    "unverified": "Unverified", "in_review": "In review", "confirmed": "True",
    "mostly_true": "Mostly true", "mixed": "Mixed", "misleading": "Misleading",
    "false": "False", "unverifiable": "Unverifiable",
}  # fmt: skip
# What the citations say together (claims.workflow.annotate_consensus): mentions count for neither.
SUPPORTING, REFUTING = {"supports"}, {"refutes", "retracts"}


def _country_names() -> dict[str, str]:
    """ISO code → English name, as django-countries (and so the API) names them."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_I18N=False)  # English names, no app registry needed
    from django_countries import countries

    return {code: str(name) for code, name in countries}


NAMES = _country_names()


def represent(row: tuple, base: str) -> dict:
    """The API's representation of one claim from a (id, created_at, updated_at, JSON) row."""
    pk, created_at, updated_at, doc = row
    data = orjson.loads(doc)
    data["id"], data["url"] = pk, f"{base}{pk}/"
    data["status_label"] = STATUS_LABEL[data["status"]]
    data["created_at"], data["updated_at"] = created_at, updated_at
    data["countries"] = [
        {"code": c["code"], "name": NAMES[c["code"]], "role": c["role"], "derived": c["derived"]}
        for c in data["countries"]
    ]
    support = sum(c["stance"] in SUPPORTING for c in data["citations"])
    refute = sum(c["stance"] in REFUTING for c in data["citations"])
    data["support_count"], data["refute_count"] = support, refute
    data["consensus"] = (
        ("contested" if refute else "uncontested")
        if support
        else ("refuted" if refute else "unsourced")
    )
    return {name: data[name] for name in FIELDS}


class BadRequest(Exception):
    """A query parameter the API would refuse with 400."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.body = {field: [message]}


def encode_cursor(pk: int, reverse: bool) -> str:
    """The API's keyset cursor for ordering by -id (claimtrack.pagination)."""
    raw = json.dumps({"p": [pk, pk], "r": int(reverse)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[int, bool]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        _value, pk = payload["p"]
        if not isinstance(pk, int) or not 0 < pk <= MAX_ID or payload.get("r") not in (0, 1):
            raise ValueError
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(
            "cursor", "Invalid cursor: use the next/previous links as given."
        ) from None
    if payload["r"]:
        raise BadRequest("cursor", "The floor walks forwards only.")
    return pk, False


def _page_size(raw: str | None) -> int:
    if raw in (None, ""):
        return PAGE_SIZE
    try:
        return max(1, min(int(raw), MAX_PAGE_SIZE))
    except ValueError:
        raise BadRequest("page_size", f"Give a whole number from 1 to {MAX_PAGE_SIZE}.") from None


class Floor:
    """The WSGI application; one PostgreSQL connection per worker process, opened lazily."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.conn: psycopg.Connection | None = None
        self.pid = 0

    def connection(self) -> psycopg.Connection:
        # gunicorn forks workers after import: each opens its own connection on first use.
        if self.conn is None or self.conn.closed or self.pid != os.getpid():
            self.conn = psycopg.connect(self.database_url, autocommit=True, prepare_threshold=0)
            self.conn.execute("SET TIME ZONE 'UTC'")
            self.pid = os.getpid()
        return self.conn

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] != PATH:
            return self._respond(start_response, "404 Not Found", {"detail": "Not found."})
        if environ["REQUEST_METHOD"] != "GET":
            return self._respond(start_response, "405 Method Not Allowed", {"detail": "GET only."})
        params = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        try:
            body = self.page(environ, params)
        except BadRequest as error:
            return self._respond(start_response, "400 Bad Request", error.body)
        return self._respond(start_response, "200 OK", body)

    def page(self, environ, params: list[tuple[str, str]]) -> dict:
        query = dict(params)
        country = query.get("country", "").strip().upper()
        if country not in NAMES:
            raise BadRequest("country", "Give an ISO 3166-1 alpha-2 code such as MA.")
        size = _page_size(query.get("page_size"))
        before, _ = decode_cursor(query["cursor"]) if query.get("cursor") else (MAX_ID, False)
        rows = (
            self.connection()
            .execute(PAGE_SQL, {"country": country, "before": before, "limit": size + 1})
            .fetchall()
        )
        more = len(rows) > size
        rows = rows[:size]
        base = f"{environ['wsgi.url_scheme']}://{environ.get('HTTP_HOST', 'localhost')}{PATH}"
        results = [represent(row, base) for row in rows]

        def link(pk: int, reverse: bool) -> str:
            # Like QueryDict: the cursor replaces the old one in place, or comes last.
            token = encode_cursor(pk, reverse)
            keys = dict.fromkeys(k for k, _ in params)
            keys.setdefault("cursor")
            values = {k: [v for key, v in params if key == k] for k in keys}
            values["cursor"] = [token]
            return f"{base}?{urlencode([(k, v) for k in keys for v in values[k]])}"

        return {
            "next": link(rows[-1][0], False) if more and rows else None,
            "previous": link(rows[0][0], True) if "cursor" in query and rows else None,
            "results": results,
        }

    @staticmethod
    def _respond(start_response, status: str, body: dict):
        payload = orjson.dumps(body, option=orjson.OPT_UTC_Z, default=_default)
        start_response(
            status,
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]


def _default(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError


app = Floor(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/ct_bench"))
