"""Request middleware: request ids, one structured log line per request, request size limit,
the request's time budget."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

from claimtrack.clients import client_address
from claimtrack.deadline import DeadlineExceeded, time_budget
from claimtrack.exceptions import RequestTooLarge, error_body, time_budget_response
from claimtrack.logging import request_id_var

logger = logging.getLogger("claimtrack.request")

# An incoming id is kept only if it cannot smuggle anything into logs or headers.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")


def request_id_from(request) -> str:
    """The client's (or the load balancer's) X-Request-ID if sane, else a fresh one."""
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex


def too_large_response(limit: int) -> JsonResponse:
    """The 413 of a body above DATA_UPLOAD_MAX_MEMORY_SIZE, as the API's RequestTooLarge."""
    body = error_body(
        RequestTooLarge.status_code,
        RequestTooLarge.default_code,
        f"The request body is larger than {limit} bytes.",
        [{"field": None, "message": f"At most {limit} bytes.", "code": "too_large"}],
    )
    return JsonResponse(body, status=RequestTooLarge.status_code)


class RequestLogMiddleware:
    """Gives each request an id (echoed in `X-Request-ID`), logs one JSON line when it is
    answered, refuses bodies above DATA_UPLOAD_MAX_MEMORY_SIZE with 413 before reading them, and
    gives the request its time budget (claimtrack.deadline): 503 when the work runs past it.

    It comes first in MIDDLEWARE so that the line and the header cover every response,
    including redirects and errors produced by the middleware below it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            with time_budget(settings.CLAIMTRACK_REQUEST_BUDGET_SECONDS):
                response = self._refuse_large_body(request) or self.get_response(request)
            response["X-Request-ID"] = request_id
            self._log(request, response.status_code, started)
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def _refuse_large_body(request):
        # DRF reads the body from the stream, past Django's own size check: check it here.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return too_large_response(limit)
        return None

    def process_exception(self, request, exception):
        # Django's own reads (request.body, request.POST) raise this; answer 413, not 400.
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        # API views answer it themselves (claimtrack.exceptions); this is for the admin.
        if isinstance(exception, DeadlineExceeded):
            logger.warning("request stopped: its time budget was used up")
            return time_budget_response()
        return None

    @staticmethod
    def _log(request, status: int, started: float) -> None:
        user = getattr(request, "user", None)
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "client": client_address(request),
            },
        )
