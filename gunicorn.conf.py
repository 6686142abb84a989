"""gunicorn settings for production: `gunicorn claimtrack.wsgi` reads this file from the cwd.

Every value can be overridden with the environment variable named beside it.
"""

import multiprocessing
import os

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
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
