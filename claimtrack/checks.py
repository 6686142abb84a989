"""System checks of the deployment."""

from django.conf import settings
from django.core import checks

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def shared_cache(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: rate-limit counters must be shared by every worker (W001)."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        checks.Warning(
            f"The default cache ({backend.rsplit('.', 1)[-1]}) lives in each process: every "
            "gunicorn worker and app server counts rate limits on its own, so each allows the "
            "full rate.",
            hint="Set REDIS_URL, or leave CLAIMTRACK_DATABASE_CACHE unset (the database cache "
            "table is the default with DJANGO_DEBUG off).",
            id="claimtrack.W001",
        )
    ]
