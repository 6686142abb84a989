"""Read replicas: reads go to a replica, writes to the primary, and a client reads its own writes.

Installed by settings only when `DATABASE_REPLICA_URLS` names replicas (aliases `replica_1`, …,
listed in `CLAIMTRACK_READ_REPLICAS`). The rules, in order:

- Writes always go to the primary (`default`).
- Tables that authentication and sessions use (users, tokens, sessions, lockouts, the cache
  table) are always read from the primary: a token just issued must work on the next request.
- Inside a transaction on the primary, reads stay on the primary: they must see the
  transaction's own writes, and `select_for_update` cannot lock rows on a standby.
- Once a request has written, the rest of that request reads from the primary.
- A client that wrote within `CLAIMTRACK_READ_YOUR_WRITES_SECONDS` reads from the primary
  (ReadYourWritesMiddleware remembers the write in a signed cookie and, for clients sending an
  `Authorization` header, in the shared cache).
- Everything else reads from a replica picked at random.
"""

import contextvars
import hashlib
import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connections

logger = logging.getLogger("claimtrack.routers")

PRIMARY = "default"
# Apps whose tables are read right after they are written by another request (a new token, a
# new session, a lockout counter), and that are small: always on the primary.
PRIMARY_ONLY_APPS = frozenset(
    {"auth", "knox", "sessions", "axes", "admin", "contenttypes", "django_cache"}
)
COOKIE_NAME = "claimtrack_wrote"
COOKIE_SALT = "claimtrack.routers.read-your-writes"


@dataclass
class RoutingState:
    """What the router knows about the current request (or the current unit of work)."""

    primary_only: bool = False
    wrote: bool = False


_state: contextvars.ContextVar[RoutingState | None] = contextvars.ContextVar(
    "claimtrack_routing_state", default=None
)


@contextmanager
def routing_scope(*, primary_only: bool = False) -> Iterator[RoutingState]:
    """One unit of work (a request): its own read-your-writes state, forgotten afterwards."""
    state = RoutingState(primary_only=primary_only)
    token = _state.set(state)
    try:
        yield state
    finally:
        _state.reset(token)


def replicas() -> list[str]:
    return list(getattr(settings, "CLAIMTRACK_READ_REPLICAS", []))


class PrimaryReplicaRouter:
    """Sends reads to a replica and writes to the primary (see the module docstring)."""

    def db_for_read(self, model, **hints):
        available = replicas()
        if not available or model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY
        state = _state.get()
        if state is not None and state.primary_only:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return random.choice(available)

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None and model._meta.app_label not in PRIMARY_ONLY_APPS:
            # From here on this request reads what it wrote.
            state.wrote = True
            state.primary_only = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replicas hold the same data as the primary: relations across them are fine.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replicas replay the primary's schema changes; they are never migrated themselves.
        return db == PRIMARY


def _cache_key(request) -> str | None:
    header = request.headers.get("Authorization")
    if not header:
        return None
    # A digest, not the credential: the cache must not hold working tokens.
    return "claimtrack:wrote:" + hashlib.sha256(header.encode()).hexdigest()


class ReadYourWritesMiddleware:
    """Pins a client's reads to the primary for a few seconds after it wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        window = settings.CLAIMTRACK_READ_YOUR_WRITES_SECONDS
        with routing_scope(primary_only=self._wrote_recently(request, window)) as state:
            response = self.get_response(request)
            wrote = state.wrote
        if wrote and window:
            self._remember(request, response, window)
        return response

    def _wrote_recently(self, request, window: int) -> bool:
        if not window:
            return False
        if request.get_signed_cookie(COOKIE_NAME, default=None, salt=COOKIE_SALT, max_age=window):
            return True
        key = _cache_key(request)
        if key is None:
            return False
        try:
            return bool(cache.get(key))
        except Exception:  # the cache is down: the primary is always right, only busier
            logger.warning("read-your-writes: cache unavailable, reading from the primary")
            return True

    def _remember(self, request, response, window: int) -> None:
        response.set_signed_cookie(
            COOKIE_NAME,
            "1",
            salt=COOKIE_SALT,
            max_age=window,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        key = _cache_key(request)
        if key is not None:
            try:
                cache.set(key, 1, timeout=window)
            except Exception:
                logger.warning("read-your-writes: cache unavailable, could not remember a write")
