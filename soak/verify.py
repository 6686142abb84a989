"""After a soak run: is every acknowledged write in the database exactly as acknowledged, with
its history, and nothing duplicated? Reads the tables directly (SQL), not through the app."""

from collections import defaultdict

import psycopg

from soak.run import Ledger


def verify(dsn: str, ledger: Ledger, run_id: str) -> tuple[dict, list[str]]:
    """(figures, problems): problems is empty when everything checks out."""
    problems: list[str] = []
    doubted_claims = {claim_id for _kind, claim_id, _text in ledger.doubts if claim_id}
    doubted_texts = {text for _kind, _claim_id, text in ledger.doubts}
    like = f"soak {run_id} %"
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, count(*) FROM claims_historicalclaim "
            "WHERE history_type = '+' AND statement LIKE %s GROUP BY statement",
            [like],
        )
        created = dict(cursor.fetchall())
        cursor.execute(
            "SELECT rationale, count(*) FROM claims_review WHERE rationale LIKE %s "
            "GROUP BY rationale",
            [like],
        )
        reviewed = dict(cursor.fetchall())
        claim_ids = sorted({ack.claim_id for ack in ledger.acks})
        cursor.execute(
            "SELECT id, version, statement, status FROM claims_claim WHERE id = ANY(%s)",
            [claim_ids],
        )
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT id, statement, history_type, history_change_reason "
            "FROM claims_historicalclaim WHERE id = ANY(%s)",
            [claim_ids],
        )
        history = defaultdict(list)
        for claim_id, statement, kind, reason in cursor.fetchall():
            history[claim_id].append((statement, kind, reason or ""))
        cursor.execute(
            "SELECT id, claim_id, status_after, rationale FROM claims_review "
            "WHERE claim_id = ANY(%s)",
            [claim_ids],
        )
        reviews = {row[0]: row[1:] for row in cursor.fetchall()}

    # Nothing duplicated: each create and each review carried a unique text.
    for statement, n in created.items():
        if n > 1:
            problems.append(f"claim created {n} times: {statement!r}")
    for rationale, n in reviewed.items():
        if n > 1:
            problems.append(f"review recorded {n} times: {rationale!r}")
    # Nothing appeared that the server refused (a 4xx must leave no trace).
    acked_texts = {a.statement for a in ledger.acks} | {a.rationale for a in ledger.acks}
    for statement in created:
        if statement not in acked_texts and statement not in doubted_texts:
            problems.append(f"a refused create is in the database: {statement!r}")

    by_claim = defaultdict(list)
    for ack in ledger.acks:
        by_claim[ack.claim_id].append(ack)
        changes = history[ack.claim_id]
        if ack.kind == "create":
            found = [s for s, kind, _r in changes if kind == "+"]
            if found != [ack.statement]:
                problems.append(f"claim {ack.claim_id}: creation history {found!r} is not the ack")
        elif ack.kind == "edit":
            # Reviews after the edit write history rows with the same statement; not edits.
            n = sum(
                1
                for s, kind, r in changes
                if kind == "~" and s == ack.statement and not r.startswith("review")
            )
            if n != 1:
                problems.append(f"claim {ack.claim_id}: acknowledged edit in history {n} times")
        elif ack.kind == "review":
            row = reviews.get(ack.review_id)
            if row != (ack.claim_id, ack.status, ack.rationale):
                problems.append(f"review {ack.review_id}: stored {row!r}, acknowledged otherwise")

    for claim_id, acks in by_claim.items():
        versions = [ack.version for ack in acks]
        if len(set(versions)) != len(versions):
            problems.append(
                f"claim {claim_id}: two writes acknowledged at one version (lost update)"
            )
        row = rows.get(claim_id)
        if row is None:
            problems.append(f"claim {claim_id}: acknowledged but missing")
            continue
        last = max(acks, key=lambda ack: ack.version)
        version, statement, status = row
        if version < last.version:
            problems.append(
                f"claim {claim_id}: at version {version}, below acknowledged {last.version}"
            )
        elif version == last.version and (statement, status) != (last.statement, last.status):
            problems.append(f"claim {claim_id}: not as acknowledged at version {version}")
        elif version > last.version and claim_id not in doubted_claims:
            problems.append(f"claim {claim_id}: changed beyond every acknowledged write")
        reasons = sum(
            1 for _s, kind, r in history[claim_id] if kind == "~" and r.startswith("review")
        )
        stored_reviews = sum(1 for review in reviews.values() if review[0] == claim_id)
        if reasons != stored_reviews:
            problems.append(
                f"claim {claim_id}: {stored_reviews} reviews but {reasons} review history records"
            )

    figures = {
        "writes_acknowledged": len(ledger.acks),
        "writes_verified": len(ledger.acks) if not problems else None,
        "writes_in_doubt": len(ledger.doubts),
        "claims_checked": len(by_claim),
        "creates_acknowledged": sum(1 for a in ledger.acks if a.kind == "create"),
        "edits_acknowledged": sum(1 for a in ledger.acks if a.kind == "edit"),
        "reviews_acknowledged": sum(1 for a in ledger.acks if a.kind == "review"),
    }
    return figures, problems
