"""Counts of claims for a dashboard (`GET /api/v1/claims/stats/`): how many claims, by status,
by kind and by the countries they concern, under the list's filters.

Counting at read time reads every matching claim and every country row of them: 0.8 s for
Morocco's 120,000 claims at 1M, seconds with no filter. So the database keeps running totals,
`ClaimTally` rows, written by triggers in the same transaction as the write they count:

- every claim adds a row (`''`, `''`, status, kind, +1);
- every pair (A, B) of the distinct countries a claim concerns, A = B included, adds a row
  (A, B, status, kind, +1): Morocco's total is the sum of (MA, MA, …), the countries its claims
  also concern are (MA, B, …) grouped by B.

Deleting, moving a country row or changing a claim's status or kind adds the opposite rows. The
rows are changes, never updated in place: two writers never wait for one another on a shared
total, and a reader sums the rows its snapshot sees, which equal the claims that snapshot sees.
`compact()` folds the changes into one row per key now and then (`compact_tallies`, and a
read that summed many rows).

Because triggers write them, every way of writing a claim counts: the API, the admin, the
workflow, `QuerySet.update()`, bulk imports, restores and the benchmark generator. The totals
answer the filters `status`, `kind` and one country; anything else (text, actors, dates, two
countries…) is counted from the claims themselves, as before.
"""

import logging

from django.db import DatabaseError, connections, router, transaction
from django.db.models import Count, F, Sum

from claims.models import Claim, ClaimCountry, ClaimTally

logger = logging.getLogger(__name__)

TALLY = ClaimTally._meta.db_table
CLAIM = Claim._meta.db_table
COUNTRY = ClaimCountry._meta.db_table

# The filters the totals can answer (with at most one country); any other filter given means
# counting the matching claims.
TALLIED_FILTERS = frozenset({"country", "country_all", "status", "kind"})

# A read that summed more rows than this beyond one per key compacts what it read.
COMPACT_AFTER = 1000


# --- the triggers ----------------------------------------------------------------------------
# One statement per kind of change, written once and wrapped for each database. `row` is NEW or
# OLD, `sign` 1 or -1. Each reads the claim's other country rows as they are when its row
# changes: SQLite runs a row trigger as each row is written; on PostgreSQL that takes a BEFORE
# trigger (an AFTER trigger of a statement that writes several rows of one claim sees them all,
# and would count their pairs twice). So on PostgreSQL no writer of these two tables may use
# INSERT … ON CONFLICT DO NOTHING (`bulk_create(ignore_conflicts=True)`): the trigger would
# count a row the conflict then skips. None does.


def country_row_change(row: str, sign: int) -> str:
    """What a country row adds (sign 1) or takes away (-1): its country's pairs with the claim's
    other countries, unless another row of the claim (in another role) names that country too."""
    others = (
        f"SELECT DISTINCT country FROM {COUNTRY} WHERE claim_id = {row}.claim_id "
        f"AND id <> {row}.id AND country <> {row}.country"
    )
    return f"""INSERT INTO {TALLY} (country, other, status, kind, n)
        SELECT p.country, p.other, c.status, c.kind, {sign}
        FROM {CLAIM} c, (
            SELECT {row}.country AS country, {row}.country AS other
            UNION ALL SELECT {row}.country, d.country FROM ({others}) d
            UNION ALL SELECT d.country, {row}.country FROM ({others}) d
        ) p
        WHERE c.id = {row}.claim_id AND NOT EXISTS (
            SELECT 1 FROM {COUNTRY} WHERE claim_id = {row}.claim_id
            AND id <> {row}.id AND country = {row}.country
        )"""


def claim_change(row: str, sign: int) -> str:
    """What a claim adds (sign 1) or takes away (-1) with its status and kind: itself, and every
    pair of the countries it concerns (none yet when it is inserted; none left when Django has
    deleted its country rows first)."""
    countries = f"SELECT DISTINCT country FROM {COUNTRY} WHERE claim_id = {row}.id"
    return f"""INSERT INTO {TALLY} (country, other, status, kind, n)
        SELECT '', '', {row}.status, {row}.kind, {sign}
        UNION ALL
        SELECT a.country, b.country, {row}.status, {row}.kind, {sign}
        FROM ({countries}) a, ({countries}) b"""


def _lock_claim(row: str) -> str:
    # Two transactions adding countries to one claim would each miss the other's pairs: the
    # second waits for the first here, then reads its rows (a new snapshot per statement).
    return f"PERFORM 1 FROM {CLAIM} WHERE id = {row}.claim_id FOR NO KEY UPDATE;"


def _postgresql_triggers() -> list[str]:
    return [
        f"""CREATE FUNCTION claims_tally_country() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                {_lock_claim("OLD")}
                {country_row_change("OLD", -1)};
            END IF;
            IF TG_OP <> 'DELETE' THEN
                {_lock_claim("NEW")}
                {country_row_change("NEW", 1)};
            END IF;
            RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
        END $$""",
        f"""CREATE FUNCTION claims_tally_claim() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN {claim_change("OLD", -1)}; END IF;
            IF TG_OP <> 'DELETE' THEN {claim_change("NEW", 1)}; END IF;
            RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
        END $$""",
        f"""CREATE TRIGGER claims_tally_country BEFORE INSERT OR DELETE ON {COUNTRY}
        FOR EACH ROW EXECUTE FUNCTION claims_tally_country()""",
        f"""CREATE TRIGGER claims_tally_country_moved BEFORE UPDATE OF claim_id, country
        ON {COUNTRY} FOR EACH ROW
        WHEN (OLD.claim_id IS DISTINCT FROM NEW.claim_id
              OR OLD.country IS DISTINCT FROM NEW.country)
        EXECUTE FUNCTION claims_tally_country()""",
        f"""CREATE TRIGGER claims_tally_claim BEFORE INSERT OR DELETE ON {CLAIM}
        FOR EACH ROW EXECUTE FUNCTION claims_tally_claim()""",
        f"""CREATE TRIGGER claims_tally_claim_judged BEFORE UPDATE OF status, kind ON {CLAIM}
        FOR EACH ROW
        WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.kind IS DISTINCT FROM NEW.kind)
        EXECUTE FUNCTION claims_tally_claim()""",
    ]


def _sqlite_triggers() -> list[str]:
    # SQLite has one writer at a time: no lock needed.
    moved = "OLD.claim_id IS NOT NEW.claim_id OR OLD.country IS NOT NEW.country"
    judged = "OLD.status IS NOT NEW.status OR OLD.kind IS NOT NEW.kind"
    return [
        f"""CREATE TRIGGER claims_tally_country_added AFTER INSERT ON {COUNTRY}
        BEGIN {country_row_change("NEW", 1)}; END""",
        f"""CREATE TRIGGER claims_tally_country_removed AFTER DELETE ON {COUNTRY}
        BEGIN {country_row_change("OLD", -1)}; END""",
        f"""CREATE TRIGGER claims_tally_country_moved AFTER UPDATE OF claim_id, country
        ON {COUNTRY} WHEN {moved}
        BEGIN {country_row_change("OLD", -1)}; {country_row_change("NEW", 1)}; END""",
        f"""CREATE TRIGGER claims_tally_claim_added AFTER INSERT ON {CLAIM}
        BEGIN {claim_change("NEW", 1)}; END""",
        f"""CREATE TRIGGER claims_tally_claim_removed AFTER DELETE ON {CLAIM}
        BEGIN {claim_change("OLD", -1)}; END""",
        f"""CREATE TRIGGER claims_tally_claim_judged AFTER UPDATE OF status, kind ON {CLAIM}
        WHEN {judged}
        BEGIN {claim_change("OLD", -1)}; {claim_change("NEW", 1)}; END""",
    ]


_TRIGGERS = {"postgresql": _postgresql_triggers, "sqlite": _sqlite_triggers}


def install_triggers(connection) -> None:
    """Create the triggers that keep the totals (a migration calls this)."""
    if connection.vendor not in _TRIGGERS:
        raise NotImplementedError(f"claim totals: no triggers for {connection.vendor}")
    with connection.cursor() as cursor:
        for statement in _TRIGGERS[connection.vendor]():
            cursor.execute(statement)


def drop_triggers(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS claims_tally_country() CASCADE")
            cursor.execute("DROP FUNCTION IF EXISTS claims_tally_claim() CASCADE")
        else:
            for name in ("country_added", "country_removed", "country_moved"):
                cursor.execute(f"DROP TRIGGER IF EXISTS claims_tally_{name}")
            for name in ("claim_added", "claim_removed", "claim_judged"):
                cursor.execute(f"DROP TRIGGER IF EXISTS claims_tally_{name}")


# --- keeping the totals ----------------------------------------------------------------------

# The totals counted from the claims, one row per key.
_COUNTED = f"""SELECT '' AS country, '' AS other, status, kind, COUNT(*) AS n
    FROM {CLAIM} GROUP BY status, kind
    UNION ALL
    SELECT a.country, b.country, c.status, c.kind, COUNT(*)
    FROM (SELECT DISTINCT claim_id, country FROM {COUNTRY}) a
    JOIN (SELECT DISTINCT claim_id, country FROM {COUNTRY}) b ON b.claim_id = a.claim_id
    JOIN {CLAIM} c ON c.id = a.claim_id
    GROUP BY a.country, b.country, c.status, c.kind"""


def recount(using: str = "default") -> None:
    """Count the totals again from the claims (after a migration, or to repair totals written
    with the triggers disabled). Writers wait meanwhile."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {CLAIM}, {COUNTRY} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TALLY}")
        # In key order: a country's rows then sit together on the table's pages.
        cursor.execute(
            f"INSERT INTO {TALLY} (country, other, status, kind, n) {_COUNTED} ORDER BY 1, 2, 3, 4"
        )


def differences(using: str = "default") -> list[str]:
    """Each key whose total differs from a count from the claims, in words (none: all equal)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"""SELECT country, other, status, kind, SUM(n) FROM (
                    SELECT country, other, status, kind, n FROM {TALLY}
                    UNION ALL
                    SELECT country, other, status, kind, -n FROM ({_COUNTED}) AS counted
                ) AS both_ GROUP BY country, other, status, kind HAVING SUM(n) <> 0
                ORDER BY 1, 2, 3, 4"""
        )
        return [
            f"{country or '*'}/{other or '*'} {status} {kind}: totals off by {n:+}"
            for country, other, status, kind, n in cursor.fetchall()
        ]


def _scope(scope: str | None) -> tuple[str, list]:
    if scope is None:
        return "", []
    if scope == "":
        return "WHERE country = other", []  # every claim's rows, and each country's own
    return "WHERE country = %s", [scope]


def compact(scope: str | None = None, using: str = "default") -> int:
    """Fold the changes into one row per key: of one country (its code), of the rows that count
    every claim and each country alone (''), or all (None). Returns the number of rows left in
    that scope. Safe beside writers: rows they add meanwhile are left as they are."""
    connection = connections[using]
    where, params = _scope(scope)
    insert = f"INSERT INTO {TALLY} (country, other, status, kind, n) "
    sums = (
        "SELECT country, other, status, kind, SUM(n) FROM {rows} "
        "GROUP BY country, other, status, kind HAVING SUM(n) <> 0 "
        # In key order: a country's rows then sit together on the table's pages.
        "ORDER BY country, other, status, kind"
    )
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement, one snapshot: it deletes exactly the rows it sums.
            cursor.execute(
                f"WITH gone AS (DELETE FROM {TALLY} {where} "
                f"RETURNING country, other, status, kind, n) " + insert + sums.format(rows="gone"),
                params,
            )
        else:
            # One writer at a time: the sums' rows are every row up to the highest id now.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {TALLY}")
            (last,) = cursor.fetchone()
            bounded = f"{where} AND id <= %s" if where else "WHERE id <= %s"
            cursor.execute(insert + sums.format(rows=f"{TALLY} {bounded}"), [*params, last])
            cursor.execute(f"DELETE FROM {TALLY} {bounded}", [*params, last])
        cursor.execute(f"SELECT COUNT(*) FROM {TALLY} {where}", params)
        return cursor.fetchone()[0]


# --- reading ---------------------------------------------------------------------------------


def _ordered(counts: dict) -> dict:
    """Largest first; equal counts by key, so that both ways of counting read the same."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _answer(by_status: dict, by_kind: dict, by_country: dict) -> dict:
    return {
        "total": sum(by_status.values()),
        "by_status": _ordered(by_status),
        "by_kind": _ordered(by_kind),
        "by_country": _ordered(by_country),
    }


def _tally_scope(data: dict) -> str | None:
    """The country ('' for none) whose totals answer these filters, or None if they cannot."""
    given = {name for name, value in data.items() if value not in (None, "", [], ())}
    codes = {*(data.get("country") or []), *(data.get("country_all") or [])}
    if not given <= TALLIED_FILTERS or len(codes) > 1:
        return None
    return codes.pop() if codes else ""


def _from_tally(scope: str, statuses: list, kinds: list, using: str) -> tuple[dict, int]:
    """The answer from the totals, and how many changes it summed beyond one per key."""
    tally = ClaimTally.objects.using(using)
    if scope:
        claims, pairs = tally.filter(country=scope, other=scope), tally.filter(country=scope)
    else:
        claims, pairs = (
            tally.filter(country=""),
            tally.exclude(country="").filter(other=F("country")),
        )
    if statuses:
        claims, pairs = claims.filter(status__in=statuses), pairs.filter(status__in=statuses)
    if kinds:
        claims, pairs = claims.filter(kind__in=kinds), pairs.filter(kind__in=kinds)
    by_status: dict = {}
    by_kind: dict = {}
    pending = 0
    groups = claims.order_by().values_list("status", "kind")
    for status, kind, n, changes in groups.annotate(summed=Sum("n"), changes=Count("n")):
        by_status[status] = by_status.get(status, 0) + n
        by_kind[kind] = by_kind.get(kind, 0) + n
        pending += changes - 1
    by_country = dict(pairs.order_by().values_list("other").annotate(summed=Sum("n")))
    answer = _answer(
        *({key: n for key, n in counts.items() if n} for counts in (by_status, by_kind, by_country))
    )
    return answer, pending


def _counted(claims) -> dict:
    """The answer counted from the matching claims themselves."""
    claims = claims.order_by()

    def counts(field):
        return dict(claims.values_list(field).annotate(n=Count("id")))

    by_country = ClaimCountry.objects.filter(claim__in=claims.values("pk")).claims_per_country()
    return _answer(counts("status"), counts("kind"), by_country)


def claim_stats(filters) -> dict:
    """The counts of the claims a ClaimFilterSet (already validated) selects: from the running
    totals when they can answer, else from the claims."""
    data = filters.form.cleaned_data
    scope = _tally_scope(data)
    claims = filters.qs
    if scope is None:
        return _counted(claims)
    answer, pending = _from_tally(scope, data.get("status"), data.get("kind"), claims.db)
    if pending > COMPACT_AFTER:
        _compact_quietly(scope)
    return answer


def _compact_quietly(scope: str) -> None:
    # The answer is right either way; compacting only keeps the next reads short.
    try:
        compact(scope, using=router.db_for_write(ClaimTally))
    except DatabaseError:
        logger.warning("claim totals: compacting %r failed", scope, exc_info=True)
