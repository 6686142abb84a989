"""Export a claimtrack PostgreSQL database to SQLite for Datasette, its best fair set-up.

Two tables, written with sqlite-utils:
- `claims`: one row per claim with the API's fields; `event`, `countries`, `participants` and
  `citations` are JSON text built by the same SQL as the floor (bench/floor.py), so Datasette
  serves the same nested data without joins at read time; `url` is the API path.
- `claim_countries`: the distinct (country, claim_id) pairs, primary key (country, claim_id), so
  "claims concerning MA, newest first, below a cursor" is one backward range scan of that index.

The canned query `by_country` in metadata.json asks for the page; Datasette serves the file
immutable (`-i`), which skips locking and lets it cache what it can.

    python -m bench.datasette.export postgres://…/ct_bench bench/datasette/claims.db
"""

import argparse
import sys
import time

import orjson
import psycopg
import sqlite_utils

from bench.floor import DOCUMENTS, PATH, represent

BATCH = 5000
JSON_COLUMNS = ("event", "countries", "participants", "citations")
NEXT_CLAIMS = "SELECT * FROM claims_claim WHERE id > %(after)s ORDER BY id LIMIT %(limit)s"
EXPORT_SQL = DOCUMENTS.format(claims=NEXT_CLAIMS, order="ASC")


def _rows(conn: psycopg.Connection):
    """Claims in id order as flat rows for the `claims` table, a batch at a time."""
    after = 0
    while True:
        batch = conn.execute(EXPORT_SQL, {"after": after, "limit": BATCH}).fetchall()
        if not batch:
            return
        for row in batch:
            claim = represent(row, PATH)
            for column in JSON_COLUMNS:
                claim[column] = orjson.dumps(claim[column]).decode()
            for column in ("created_at", "updated_at"):
                # As the API writes them: RFC 3339 with a Z.
                claim[column] = orjson.dumps(claim[column], option=orjson.OPT_UTC_Z).decode()[1:-1]
            yield claim
        after = batch[-1][0]


def _pairs(conn: psycopg.Connection):
    with conn.cursor(name="claim_countries") as cursor:
        cursor.execute(
            "SELECT DISTINCT country, claim_id FROM claims_claimcountry ORDER BY country, claim_id"
        )
        for country, claim_id in cursor:
            yield {"country": country, "claim_id": claim_id}


def export(database_url: str, path: str) -> dict[str, int]:
    """Write the SQLite file at `path` (replacing it); returns row counts."""
    db = sqlite_utils.Database(path, recreate=True)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    with psycopg.connect(database_url) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        db["claims"].insert_all(_rows(conn), pk="id", batch_size=1000)
        db["claim_countries"].insert_all(_pairs(conn), pk=("country", "claim_id"), batch_size=5000)
    db.execute("ANALYZE")
    counts = {name: db[name].count for name in ("claims", "claim_countries")}
    db.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("path")
    args = parser.parse_args(argv)
    started = time.monotonic()
    counts = export(args.database_url, args.path)
    print(f"exported {counts} to {args.path} in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
