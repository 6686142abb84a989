"""A shared cache of anonymous reads of the claims API, never stale.

An answer is stored under the PostgreSQL snapshot it was read in (`pg_current_snapshot()`:
which transactions had committed), with the path, the query and the Accept header. Any commit
that writes anything gives the next request another snapshot, so another key: nothing has to
be invalidated, and a write made by any means (the API, the admin, a command, psql) is seen by
the very next read. A request that started before a commit and stores its answer under the
older snapshot leaves it where no later request looks. The price is one round trip to the
database per request (~0.1 ms) and a cache read.

Only what every anonymous client would be answered the same is cached: GET requests without
credentials (no Authorization header, no session cookie) to a view that says so
(`cache_anonymous_reads = True`, the claims' endpoints), answered 200 with a body under
`MAX_BODY` bytes and no cookie. The middleware sits after the CORS and security middleware, whose
headers a stored answer still gets, and before sessions, CSRF and authentication, which an
anonymous read does not need. Throttling still counts a request answered from the cache.

Every cacheable answer carries an ETag (the key, when the view gave none); a client that sends
it back in If-None-Match is answered 304 while the data has not changed.

Off on SQLite (no snapshots), with read replicas (a replica's snapshot would key data read
from another one), and when CLAIMTRACK_RESPONSE_CACHE=0.
"""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import DatabaseError, connections, router
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
# Headers of the answer that belong to one request, not to what was read.
NOT_STORED = frozenset({"date", "x-request-id", "x-cache", "server"})


def enabled() -> bool:
    """Whether the database can say which snapshot a read sees (CLAIMTRACK_RESPONSE_CACHE on)."""
    from claims.models import Claim

    alias = router.db_for_read(Claim)
    return not settings.CLAIMTRACK_READ_REPLICAS and connections[alias].vendor == "postgresql"


def _view_class(request):
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return getattr(match.func, "cls", None)


def _anonymous(request) -> bool:
    return (
        "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def snapshot(alias: str) -> str | None:
    """The snapshot a read on `alias` sees now, or None if it cannot be trusted: inside a
    transaction, whose own writes a snapshot does not show, or if the database cannot say."""
    if connections[alias].in_atomic_block:
        return None
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_current_snapshot()::text")
            return cursor.fetchone()[0]
    except DatabaseError:
        logger.warning("response cache: no snapshot from %s", alias, exc_info=True)
        return None


def cache_key(request, state: str) -> str:
    # The absolute URL: answers hold links built from the scheme and host asked for.
    parts = [state, request.build_absolute_uri(), request.META.get("HTTP_ACCEPT", "")]
    return "answer:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _throttles_allow(request, view_class) -> bool:
    """The view's throttles, counting this request as the view would have."""
    request.user = AnonymousUser()
    return all(throttle().allow_request(request, None) for throttle in view_class.throttle_classes)


def _stored(response) -> dict:
    headers = [(name, value) for name, value in response.items() if name.lower() not in NOT_STORED]
    return {"status": response.status_code, "content": response.content, "headers": headers}


def _replayed(stored: dict):
    from django.http import HttpResponse

    response = HttpResponse(stored["content"], status=stored["status"])
    for name, value in stored["headers"]:
        response[name] = value
    return response


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and len(response.content) <= MAX_BODY
    )


class ResponseCacheMiddleware:
    """Answers anonymous reads of the claims API from the cache, keyed by database snapshot."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.CLAIMTRACK_RESPONSE_CACHE or request.method != "GET":
            return self.get_response(request)
        if not _anonymous(request):
            return self.get_response(request)
        view_class = _view_class(request)
        if not getattr(view_class, "cache_anonymous_reads", False) or not enabled():
            return self.get_response(request)
        from claims.models import Claim

        state = snapshot(router.db_for_read(Claim))
        if state is None:
            return self.get_response(request)
        key = cache_key(request, state)
        stored = cache.get(key)
        if stored is not None and _throttles_allow(request, view_class):
            response = _replayed(stored)
            response["X-Cache"] = "hit"
        else:
            # A miss, or a hit the throttles refuse: the view answers (and refuses) itself.
            response = self.get_response(request)
            if not _storable(response):
                return response
            if not response.has_header("ETag"):
                response["ETag"] = f'W/"{key.partition(":")[2][:32]}"'
            cache.set(key, _stored(response), settings.CLAIMTRACK_RESPONSE_CACHE_SECONDS)
            response["X-Cache"] = "miss"
        return get_conditional_response(request, etag=response["ETag"], response=response)
