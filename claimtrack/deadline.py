"""A per-request time budget that the expensive loops check (a cooperative deadline).

gunicorn's `timeout` with gthread workers only restarts a worker whose main loop stopped
answering; it never ends one slow request. So RequestLogMiddleware sets a deadline for each
request (CLAIMTRACK_REQUEST_BUDGET_SECONDS) in a context variable, and the loops whose cost
grows with the input (mention scanning, sentence rules, quote anchoring, re-anchoring) call
`check_deadline()` as they go. Past the deadline it raises DeadlineExceeded, which the API
answers with 503 and Retry-After, after the transaction around the work rolled back.

Outside a request (management commands, tests calling functions directly) no deadline is set
and `check_deadline()` does nothing. Only the standard library is imported here, so that the
pure text modules can use it.
"""

import contextlib
import contextvars
import time

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "claimtrack_deadline", default=None
)


class DeadlineExceeded(Exception):
    """The request used up its time budget; nothing it started was kept."""


def check_deadline() -> None:
    """Raise DeadlineExceeded if the current request is past its deadline."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise DeadlineExceeded()


def remaining_seconds() -> float | None:
    """Seconds left before the current request's deadline (None: no deadline is set)."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline - time.monotonic())


@contextlib.contextmanager
def time_budget(seconds: float | None):
    """Within the block, check_deadline() raises once `seconds` have passed (None or 0: never)."""
    token = _deadline.set(time.monotonic() + seconds if seconds else None)
    try:
        yield
    finally:
        _deadline.reset(token)
