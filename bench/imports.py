"""P8: `manage.py import_claims` (JSON Lines, with history) against raw COPY of the same rows.

Both arms write the same claims into the benchmark database itself (so every actor and source
they name exists): `count` claims already there are written out as an import file, then
- **import**: `manage.py import_claims FILE` (validation, actor and source look-ups, quote
  anchoring, derived countries, history rows, search vectors), its own reported rate;
- **COPY**: the rows the import writes (claims, participants, countries with the derived ones,
  citations with their offsets), read beforehand, written with COPY into the four tables with
  keys from the sequences, in one transaction: the physical limit.
After each arm every row it added (claims above the largest id before, their parts and their
history) is deleted again, so the data set stays as generated.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg

# One import line per claim (the format of claims/management/commands/import_claims.py);
# an actor whose name is shared by others is named by id, as the command asks.
EXPORT_SQL = """
SELECT json_build_object(
    'statement', c.statement, 'kind', c.kind, 'occurred_on', c.occurred_on,
    'date_precision', c.date_precision,
    'participants', COALESCE((
        SELECT json_agg(CASE WHEN (SELECT count(*) FROM claims_actor t WHERE t.name = a.name) > 1
                             THEN json_build_object('actor_id', a.id, 'role', ca.role)
                             ELSE json_build_object('actor', a.name, 'role', ca.role) END
                        ORDER BY ca.id)
        FROM claims_claimactor ca JOIN claims_actor a ON a.id = ca.actor_id
        WHERE ca.claim_id = c.id), '[]'),
    'countries', COALESCE((
        SELECT json_agg(json_build_object('code', cc.country, 'role', cc.role) ORDER BY cc.id)
        FROM claims_claimcountry cc WHERE cc.claim_id = c.id AND NOT cc.derived), '[]'),
    'citations', COALESCE((
        SELECT json_agg(json_build_object('source', s.url, 'quote', ci.quote,
                                          'stance', ci.stance) ORDER BY ci.id)
        FROM claims_citation ci JOIN sources_source s ON s.id = ci.source_id
        WHERE ci.claim_id = c.id), '[]')
)::text
FROM claims_claim c WHERE c.id = ANY(%s) ORDER BY c.id
"""

# The rows of the same claims as the import writes them (no event: the import has none).
ROWS_SQL = {
    "claims_claim": (
        "SELECT id, statement, kind, 'unverified', occurred_on, date_precision, now(), now(), 1 "
        "FROM claims_claim WHERE id = ANY(%s) ORDER BY id",
        "id, statement, kind, status, occurred_on, date_precision, created_at, updated_at, version",
    ),
    "claims_claimactor": (
        "SELECT claim_id, actor_id, role FROM claims_claimactor WHERE claim_id = ANY(%s) "
        "ORDER BY id",
        "claim_id, actor_id, role",
    ),
    "claims_claimcountry": (
        "SELECT claim_id, country, role, derived FROM claims_claimcountry "
        "WHERE claim_id = ANY(%s) AND (NOT derived OR role <> 'venue') ORDER BY id",
        "claim_id, country, role, derived",
    ),
    "claims_citation": (
        'SELECT claim_id, source_id, stance, quote, prefix, suffix, start, "end", anchoring, '
        "anchor_score, note, now(), now() FROM claims_citation WHERE claim_id = ANY(%s) "
        "ORDER BY id",
        'claim_id, source_id, stance, quote, prefix, suffix, start, "end", anchoring, '
        "anchor_score, note, created_at, updated_at",
    ),
}
PARTS = ("claims_claimactor", "claims_claimcountry", "claims_citation")


def _sample(conn, count: int) -> list[int]:
    # The oldest claims: a fixed set whatever the data size.
    rows = conn.execute("SELECT id FROM claims_claim ORDER BY id LIMIT %s", [count]).fetchall()
    return [row[0] for row in rows]


def _largest_id(conn) -> int:
    return conn.execute("SELECT COALESCE(max(id), 0) FROM claims_claim").fetchone()[0]


def _clean(conn, above: int) -> None:
    """Delete every claim above `above`, its parts and their history rows."""
    with conn.transaction():
        for table in ("claims_citation", "claims_claimactor", "claims_claimcountry"):
            conn.execute(f"DELETE FROM {table} WHERE claim_id > %s", [above])
            conn.execute(f"DELETE FROM claims_historical{table[7:]} WHERE claim_id > %s", [above])
        conn.execute("DELETE FROM claims_claim WHERE id > %s", [above])
        conn.execute("DELETE FROM claims_historicalclaim WHERE id > %s", [above])


def write_file(conn, ids: list[int], path: Path) -> None:
    with path.open("w") as out:
        for (line,) in conn.execute(EXPORT_SQL, [ids]):
            out.write(line + "\n")


def run_import(database_url: str, path: Path, root: Path) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", "import_claims", str(path)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - started
    if done.returncode:
        raise RuntimeError(f"import_claims failed: {done.stderr.strip()[-2000:]}")
    found = re.search(r"Imported ([\d,]+) claims in ([\d.]+)s", done.stdout)
    claims, seconds = int(found.group(1).replace(",", "")), float(found.group(2))
    return {"claims": claims, "seconds": seconds, "wall_seconds": wall}


def run_copy(conn, ids: list[int]) -> dict:
    """COPY the rows of claims `ids` in again under new keys; returns claims and seconds."""
    rows = {table: conn.execute(sql, [ids]).fetchall() for table, (sql, _) in ROWS_SQL.items()}
    started = time.perf_counter()
    with conn.transaction():
        new_ids = [
            row[0]
            for row in conn.execute(
                "SELECT nextval(pg_get_serial_sequence('claims_claim', 'id')) "
                "FROM generate_series(1, %s)",
                [len(ids)],
            )
        ]
        renumber = dict(zip(ids, new_ids, strict=True))
        with conn.cursor().copy(
            f"COPY claims_claim ({ROWS_SQL['claims_claim'][1]}) FROM STDIN"
        ) as copy:
            for row in rows["claims_claim"]:
                copy.write_row((renumber[row[0]], *row[1:]))
        for table in PARTS:
            with conn.cursor().copy(f"COPY {table} ({ROWS_SQL[table][1]}) FROM STDIN") as copy:
                for row in rows[table]:
                    copy.write_row((renumber[row[0]], *row[1:]))
    return {"claims": len(ids), "seconds": time.perf_counter() - started}


def import_vs_copy(database_url: str, count: int, rounds: int, workdir: Path, root: Path):
    """Per round, the import's and COPY's rates (claims/s); the arms alternate in order."""
    results: dict[str, list[dict]] = {"import_claims": [], "COPY": []}
    path = workdir / "import.jsonl"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        ids = _sample(conn, count)
        write_file(conn, ids, path)
        above = _largest_id(conn)
        try:
            for round_number in range(rounds):
                order = ["import_claims", "COPY"]
                if round_number % 2:
                    order.reverse()
                for arm in order:
                    if arm == "COPY":
                        result = run_copy(conn, ids)
                    else:
                        result = run_import(database_url, path, root)
                    result["rate"] = result["claims"] / result["seconds"]
                    results[arm].append(result)
                    _clean(conn, above)
        finally:
            _clean(conn, above)
            conn.execute(
                "VACUUM ANALYZE claims_claim, claims_claimactor, claims_claimcountry, "
                "claims_citation"
            )
    return results
