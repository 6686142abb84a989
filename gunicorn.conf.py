"""gunicorn settings for production: `gunicorn claimtrack.wsgi` reads this file from the cwd.

Every value can be overridden with the environment variable named beside it.
"""

import json
import multiprocessing
import os

import gunicorn.util

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers with a few threads each: Django requests mostly wait on the database.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
# With gthread workers `timeout` is a heartbeat: it restarts a worker whose main loop stopped
# answering, never one slow request. The request time budget does that
# (CLAIMTRACK_REQUEST_BUDGET_SECONDS, default 20 s; docs/security.md), so keep this above it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 5
# Recycle workers now and then so that no slow leak can grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# %(p)s: which worker served the request, as <pid>.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %(p)s'
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Request size limits: what the app accepts must reach the app, which refuses what is too long
# with a JSON 400 naming the parameter (a `q` at its 500-character limit takes up to 6,000 bytes
# percent-encoded; gunicorn's default request line, 4,094 bytes, cut it off). 8,190 bytes is the
# largest bounded request line gunicorn has; headers keep gunicorn's bounds (100 fields of at
# most 8,190 bytes). Beyond these gunicorn answers itself, in JSON too (below).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# gunicorn's own refusals (a request line or headers beyond the limits, a malformed request)
# are HTML pages; clients of this API read the one JSON error shape (claimtrack/exceptions.py).
_ERROR_CODES = {400: "bad_request", 403: "forbidden", 414: "uri_too_long", 431: "headers_too_large"}


def _write_json_error(sock, status_int, reason, mesg):
    body = json.dumps(
        {
            "status": status_int,
            "code": _ERROR_CODES.get(status_int, "server_error"),
            "detail": mesg or reason,
            "errors": [],
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    gunicorn.util.write_nonblock(sock, head.encode("latin-1") + body)


gunicorn.util.write_error = _write_json_error
