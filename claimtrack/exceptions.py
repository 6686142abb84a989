"""One JSON error shape for every error the API answers (claimtrack/schema.py documents it).

    {"status": 400, "code": "invalid", "detail": "…",
     "errors": [{"field": "participants[1].role", "message": "…", "code": "invalid_choice"}]}

`errors` lists field problems with their path (nested fields as `a[1].b`); it is empty when the
error concerns the request as a whole.
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from claimtrack.deadline import DeadlineExceeded

logger = logging.getLogger("claimtrack.api")


# --- Domain errors: raised below the API (models, workflow), mapped to HTTP here ----------


class ConflictError(Exception):
    """A change refused because of the data's current state (→ 409 with `code` and `extra`).

    Apps subclass it (claimtrack imports no app): e.g. claims.integrity.VerdictLocked.
    """

    code = "conflict"

    def __init__(self, message: str, **extra):
        super().__init__(message)
        self.extra = extra


class StaleVersionError(Exception):
    """The row changed since the caller read it (→ 412 with `current_version`)."""

    def __init__(self, message: str, *, current_version: int):
        super().__init__(message)
        self.current_version = current_version


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the data."
    default_code = "conflict"

    def __init__(self, detail=None, code=None, **extra):
        super().__init__(detail, code)
        self.extra = extra


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource changed since you read it."
    default_code = "precondition_failed"

    def __init__(self, detail=None, code=None, **extra):
        super().__init__(detail, code)
        self.extra = extra


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "This server requires an If-Match header on writes."
    default_code = "precondition_required"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is temporarily unavailable; try again shortly."
    default_code = "service_unavailable"
    # Seconds a client should wait before retrying (sent as Retry-After).
    wait = 5


class TimeBudgetExceeded(ServiceUnavailable):
    """The request's work went past CLAIMTRACK_REQUEST_BUDGET_SECONDS (claimtrack.deadline)."""

    default_detail = (
        "The request needed more work than one request may do and was stopped; nothing was "
        "changed. Try again later, or with a smaller input."
    )
    default_code = "time_budget_exceeded"
    wait = 30


def time_budget_response() -> JsonResponse:
    """The 503 for a request stopped by its time budget outside an API view (the admin)."""
    body = error_body(503, TimeBudgetExceeded.default_code, TimeBudgetExceeded.default_detail)
    response = JsonResponse(body, status=503)
    response["Retry-After"] = str(TimeBudgetExceeded.wait)
    return response


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class LockedOut(exceptions.APIException):
    """Too many failed logins for this username from this address (django-axes)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many failed login attempts; try again later."
    default_code = "locked_out"


def flatten_errors(detail, path: str = "") -> list[dict]:
    """Turn DRF's nested error detail into a flat list of {field, message, code}."""
    if isinstance(detail, dict):
        found = []
        for key, value in detail.items():
            if key in ("non_field_errors", "__all__"):
                found += flatten_errors(value, path)
            elif isinstance(key, int):  # DRF reports list items by index
                found += flatten_errors(value, f"{path}[{key}]")
            else:
                found += flatten_errors(value, f"{path}.{key}" if path else str(key))
        return found
    if isinstance(detail, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail):
            return [item for value in detail for item in flatten_errors(value, path)]
        found = []
        for index, value in enumerate(detail):
            if value:
                found += flatten_errors(value, f"{path}[{index}]")
        return found
    code = getattr(detail, "code", None) or "invalid"
    return [{"field": path or None, "message": str(detail), "code": code}]


def validation_messages(error: DjangoValidationError) -> list[str]:
    """A model's ValidationError as lines a person reads: `field: message`, or the message
    alone when it concerns no one field."""
    if hasattr(error, "error_dict"):
        return [
            f"{field}: {message}" if field != "__all__" else message
            for field, field_messages in error.message_dict.items()
            for message in field_messages
        ]
    return list(error.messages)


def error_body(status_code: int, code: str, detail: str, errors: list[dict] | None = None) -> dict:
    return {"status": status_code, "code": code, "detail": detail, "errors": errors or []}


def _as_api_exception(exc):
    """Django and database exceptions raised below a view, as the API error they mean."""
    if isinstance(exc, DjangoValidationError):
        error = exceptions.ValidationError(as_serializer_error(exc))
        if getattr(exc, "allowed", None) is not None:  # a refused transition lists its targets
            error.extra = {"allowed": [str(target) for target in exc.allowed]}
        return error
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or None)
    if isinstance(exc, StaleVersionError):
        return PreconditionFailed(str(exc), current_version=exc.current_version)
    if isinstance(exc, ConflictError):
        return Conflict(str(exc), code=exc.code, **exc.extra)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        used_by = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        detail = f"It is still referenced by {', '.join(used_by)}; remove those first."
        return Conflict(detail, code="protected")
    if isinstance(exc, IntegrityError):
        return Conflict("This would duplicate or break a rule of existing data.", code="integrity")
    if isinstance(exc, DataError):
        return exceptions.ValidationError({"detail": "A value is out of range or not storable."})
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, DeadlineExceeded):
        logger.warning("request stopped: its time budget was used up")
        return TimeBudgetExceeded()
    if isinstance(exc, (OperationalError, InterfaceError)):
        return _database_unavailable(exc)
    return exc


def _database_unavailable(exc) -> ServiceUnavailable:
    # The database is down, restarting, unreachable, or cancelled a statement that ran too
    # long: the same request may succeed if repeated, so 503 with Retry-After, not 500.
    logger.warning("database unavailable: %s", (str(exc).strip().splitlines() or [""])[0])
    return ServiceUnavailable("The database is unavailable; try again in a few seconds.")


def api_exception_handler(exc, context):
    exc = _as_api_exception(exc)
    request = context.get("request")
    # axes marks the DRF request it was given (not the Django one its middleware sees).
    if getattr(request, "axes_locked_out", False):
        exc = LockedOut()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: Django logs it and server_error() answers JSON
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(detail)
        named = [e["field"] for e in errors if e["field"] and e["field"] != "detail"]
        message = "Invalid input" + (f": {', '.join(dict.fromkeys(named))}" if named else "")
        if not named and errors:
            message = errors[0]["message"]
        errors = [e for e in errors if e["field"] != "detail"] if named else errors
        body = error_body(response.status_code, "invalid", message, errors)
        body.update(getattr(exc, "extra", {}))
    else:
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = error_body(response.status_code, code, str(detail))
        body.update(getattr(exc, "extra", {}))
    response.data = body
    if isinstance(exc, LockedOut):
        response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


# Exempt: a write to an unknown API path is a 404, whatever its cookies (else CSRF answers 403).
@csrf_exempt
def not_found(request, exception=None):
    if _is_api(request):
        body = error_body(404, "not_found", f"No API resource at {request.path}.")
        return JsonResponse(body, status=404)
    return defaults.page_not_found(request, exception)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: JSON under /api/, Django's page elsewhere (admin forms)."""
    if _is_api(request):
        body = error_body(403, "csrf_failed", f"CSRF check failed: {reason}")
        return JsonResponse(body, status=403)
    return csrf.csrf_failure(request, reason=reason)


def server_error(request):
    exc = sys.exc_info()[1]  # Django calls this handler while handling the exception
    if isinstance(exc, (OperationalError, InterfaceError)):
        # Raised outside an API view (a middleware, the admin): still a 503, not a 500.
        unavailable = _database_unavailable(exc)
        body = error_body(503, unavailable.default_code, str(unavailable.detail))
        response = JsonResponse(body, status=503)
        response["Retry-After"] = str(ServiceUnavailable.wait)
        return response
    if _is_api(request):
        body = error_body(500, "server_error", "An unexpected error occurred; it was logged.")
        # The id under which the traceback was logged (claimtrack.middleware), for support.
        body["request_id"] = getattr(request, "request_id", None)
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
