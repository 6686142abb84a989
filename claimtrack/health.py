"""Liveness and readiness probes for load balancers and orchestrators."""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse


def healthz(request):
    """The process answers (no database needed)."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """The database answers and every migration is applied; 503 with the reason otherwise."""
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return JsonResponse({"status": "unavailable", "reason": f"database: {reason}"}, status=503)
    if pending:
        names = [f"{m.app_label}.{m.name}" for m, _ in pending]
        return JsonResponse(
            {"status": "unavailable", "reason": "migrations not applied", "pending": names},
            status=503,
        )
    return JsonResponse({"status": "ok"})
