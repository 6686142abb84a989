"""How a claim reads: the one place that turns a claim into its JSON object.

The API's list and detail, the answers to writes (ClaimSerializer.to_representation), the CSV
export and the public pages all call `claim_representation()` (one claim read through the ORM)
or `claim_representations()` (a page of claims by id). Both fill the same `Parts` and go
through the same `_assemble()`, so a claim cannot read two ways.

On PostgreSQL `claim_representations()` reads a page's parts as one JSON document per claim,
built by the database (`DOCUMENT_SQL`, generated from `DOCUMENT_PARTS` below): one statement
and no model instances, several times faster than the ORM's four (bench/ANALYSIS.md).
Elsewhere it reads them through the ORM.

To add a field: add its name to FIELDS (where it shows), its SQL to DOCUMENT_PARTS (or a
computed entry in _assemble) and its value to `_parts_of_model()`. tests/claims/
test_representation.py compares every path on claims with and without every optional part.
"""

import functools
from typing import Any

import orjson
import psycopg
from django.conf import settings
from django.db import connections
from django_countries import countries as all_countries

from claims.models import Claim, ClaimStatus
from claims.workflow import LABEL, claim_consensus, consensus_counts

# The keys of a claim's JSON object, in order. ClaimSerializer declares the same fields.
FIELDS = [
    "id",
    "url",
    "statement",
    "kind",
    "status",
    "status_label",
    "needs_rereview",
    "event",
    "occurred_on",
    "date_precision",
    "countries",
    "participants",
    "citations",
    "support_count",
    "refute_count",
    "consensus",
    "note",
    "version",
    "created_by",
    "created_at",
    "updated_at",
]

# The claim's stored parts (`Parts`): everything FIELDS shows but what _assemble computes.
# Each as the SQL that reads it for the claim `c` (its event `e`, its creator `u`), in the
# orders of ClaimQuerySet.with_list_relations()'s prefetches.
DOCUMENT_PARTS = {
    "statement": "c.statement",
    "kind": "c.kind",
    "status": "c.status",
    "needs_rereview": "c.needs_rereview",
    "event": "CASE WHEN e.id IS NULL THEN NULL ELSE json_build_object('id', e.id, 'name', e.name) "
    "END",
    "occurred_on": "c.occurred_on",
    "date_precision": "c.date_precision",
    "countries": """COALESCE((
        SELECT json_agg(json_build_object('code', cc.country, 'role', cc.role,
                                          'derived', cc.derived) ORDER BY cc.country, cc.role)
        FROM claims_claimcountry cc WHERE cc.claim_id = c.id), '[]')""",
    "participants": """COALESCE((
        SELECT json_agg(json_build_object('actor', a.id, 'name', a.name, 'kind', a.kind,
                                          'country', a.country, 'role', ca.role) ORDER BY ca.id)
        FROM claims_claimactor ca JOIN claims_actor a ON a.id = ca.actor_id
        WHERE ca.claim_id = c.id), '[]')""",
    "citations": """COALESCE((
        SELECT json_agg(json_build_object(
            'id', ci.id, 'source', ci.source_id, 'source_url', s.canonical_url,
            'source_title', s.title, 'stance', ci.stance, 'quote', ci.quote,
            'anchoring', ci.anchoring, 'start', ci.start, 'end', ci."end") ORDER BY ci.id)
        FROM claims_citation ci JOIN sources_source s ON s.id = ci.source_id
        WHERE ci.claim_id = c.id), '[]')""",
    "note": "c.note",
    "version": "c.version",
    "created_by": "u.username",
}
# Read as columns beside the document: timestamps keep their microseconds and time zone.
COLUMNS = ["id", "created_at", "updated_at"]
COMPUTED = ["url", "status_label", "support_count", "refute_count", "consensus"]
assert sorted([*DOCUMENT_PARTS, *COLUMNS, *COMPUTED]) == sorted(FIELDS), "a field has no source"

Parts = dict[str, Any]  # DOCUMENT_PARTS' and COLUMNS' keys, as JSON values (timestamps aside)

DOCUMENT_SQL = (
    "SELECT c.id, c.created_at, c.updated_at, json_build_object(\n    "
    + ",\n    ".join(f"'{name}', {sql}" for name, sql in DOCUMENT_PARTS.items())
    + """\n)::text
FROM claims_claim c
LEFT JOIN claims_event e ON e.id = c.event_id
LEFT JOIN auth_user u ON u.id = c.created_by_id
WHERE c.id = ANY(%s)"""
)


@functools.cache
def country_name(code: str) -> str:
    """A country's English name, or its code if it has none: the one place names come from
    (the API, the public pages, the positions). django-countries resolves a name through the
    translations on every access (~0.1 ms); cached, a topic page's 350 rows no longer pay it."""
    return str(all_countries.name(code)) or code


def timestamp(value) -> str:
    """A moment as DRF's DateTimeField renders an aware UTC datetime."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _assemble(parts: Parts, claim_url_prefix: str) -> dict:
    """The claim's JSON object from its stored parts: the one place its shape is decided."""
    pk = parts["id"]
    citations = parts["citations"]
    support, refute = consensus_counts(c["stance"] for c in citations)
    computed = {
        "url": f"{claim_url_prefix}{pk}/",
        "status_label": LABEL[ClaimStatus(parts["status"])],
        "countries": [
            {
                "code": c["code"],
                "name": country_name(c["code"]),
                "role": c["role"],
                "derived": c["derived"],
            }
            for c in parts["countries"]
        ],
        "support_count": support,
        "refute_count": refute,
        "consensus": claim_consensus(support, refute).value,
        "created_at": timestamp(parts["created_at"]),
        "updated_at": timestamp(parts["updated_at"]),
    }
    return {name: computed[name] if name in computed else parts[name] for name in FIELDS}


def _parts_of_model(claim: Claim) -> Parts:
    """A claim's parts from its model instance (best with ClaimQuerySet.with_list_relations())."""
    return {
        "id": claim.pk,
        "statement": claim.statement,
        "kind": claim.kind,
        "status": claim.status,
        "needs_rereview": claim.needs_rereview,
        "event": {"id": claim.event.pk, "name": claim.event.name} if claim.event_id else None,
        "occurred_on": claim.occurred_on.isoformat() if claim.occurred_on else None,
        "date_precision": claim.date_precision,
        "countries": [
            {"code": row.__dict__["country"], "role": row.role, "derived": row.derived}
            for row in claim.countries.all()
        ],
        "participants": [
            {
                "actor": row.actor_id,
                "name": row.actor.name,
                "kind": row.actor.kind,
                "country": row.actor.__dict__["country"],
                "role": row.role,
            }
            for row in claim.participants.all()
        ],
        "citations": [
            {
                "id": row.pk,
                "source": row.source_id,
                "source_url": row.source.canonical_url,
                "source_title": row.source.title,
                "stance": row.stance,
                "quote": row.quote,
                "anchoring": row.anchoring,
                "start": row.start,
                "end": row.end,
            }
            for row in claim.citations.all()
        ],
        "note": claim.note,
        "version": claim.version,
        "created_by": claim.created_by.username if claim.created_by_id else None,
        "created_at": claim.created_at,
        "updated_at": claim.updated_at,
    }


def claim_representation(claim: Claim, claim_url_prefix: str) -> dict:
    """The claim's JSON object; `claim_url_prefix` is the claims list's absolute URL."""
    return _assemble(_parts_of_model(claim), claim_url_prefix)


def _documents_cursor(connection):
    """A cursor for DOCUMENT_SQL: a prepared statement (planned once per database connection,
    ~1.7 ms less per page, bench/ANALYSIS.md) unless CLAIMTRACK_PREPARED_READS is off (behind
    a pooler that cannot keep prepared statements). Django's own cursors bind on the client,
    which cannot prepare; this one goes through Django's wrapper all the same (query logging,
    execute wrappers, the time budget)."""
    if not settings.CLAIMTRACK_PREPARED_READS:
        return connection.cursor()
    connection.ensure_connection()
    return connection._prepare_cursor(_PreparedCursor(connection.connection))


class _PreparedCursor(psycopg.Cursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def claim_representations(ids: list[int], claim_url_prefix: str, using: str = "default") -> list:
    """The JSON objects of the claims `ids`, in that order (ids that no longer exist are left
    out): one statement on PostgreSQL, the ORM's prefetches elsewhere."""
    if not ids:
        return []
    if connections[using].vendor == "postgresql":
        with _documents_cursor(connections[using]) as cursor:
            cursor.execute(DOCUMENT_SQL, [list(ids)])
            found = {
                pk: {**orjson.loads(doc), "id": pk, "created_at": made, "updated_at": changed}
                for pk, made, changed, doc in cursor.fetchall()
            }
    else:
        claims = Claim.objects.using(using).with_list_relations().select_related("created_by")
        found = {claim.pk: _parts_of_model(claim) for claim in claims.filter(pk__in=ids)}
    return [_assemble(found[pk], claim_url_prefix) for pk in ids if pk in found]


# --- the CSV export: one row per claim, from its JSON object -----------------------------

CSV_COLUMNS = [
    "id",
    "statement",
    "kind",
    "status",
    "status_label",
    "needs_rereview",
    "occurred_on",
    "date_precision",
    "event",
    "countries",
    "participants",
    "sources",
    "version",
    "created_at",
    "updated_at",
]


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_moment(text: str) -> str:
    return text[:-1] + "+00:00" if text.endswith("Z") else text


def claim_csv_row(claim: dict) -> list[str]:
    """The CSV row (CSV_COLUMNS) of a claim's JSON object."""
    cells = {
        **claim,
        "needs_rereview": "yes" if claim["needs_rereview"] else "no",
        "event": claim["event"]["name"] if claim["event"] else "",
        "countries": "; ".join(f"{c['code']}:{c['role']}" for c in claim["countries"]),
        "participants": "; ".join(f"{p['name']} ({p['role']})" for p in claim["participants"]),
        "sources": " ".join(dict.fromkeys(c["source_url"] for c in claim["citations"])),
        # As the CSV has always written them (ISO 8601 with "+00:00", not JSON's "Z").
        "created_at": _csv_moment(claim["created_at"]),
        "updated_at": _csv_moment(claim["updated_at"]),
    }
    return [_cell(cells[column]) for column in CSV_COLUMNS]
