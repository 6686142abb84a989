"""Settings for claimtrack, read from environment variables (see .env.example)."""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or networks (`10.0.0.5`, `10.0.0.0/16`, `fd00::/8`)."""
    networks = []
    for item in env_list(name):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/16)"
            ) from None
    return tuple(networks)


# --- core ---

DEBUG = env_bool("DJANGO_DEBUG", default=False)

if not DEBUG and not env_str("DJANGO_SECRET_KEY"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
        "(set DJANGO_DEBUG=1 for local development, or give a long random DJANGO_SECRET_KEY)"
    )
SECRET_KEY = (
    env_str("DJANGO_SECRET_KEY") or "insecure-development-key-only-used-with-DJANGO_DEBUG-on"
)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

# --- databases ---
# docs/deploy.md and docs/scaling.md explain each variable: timeouts, read replicas, pgbouncer.

# Every SQL statement is cancelled after this long, so that no request holds the database
# forever (0: not set by the app, e.g. behind pgbouncer, where the role's setting applies).
CLAIMTRACK_STATEMENT_TIMEOUT_MS = env_int("CLAIMTRACK_STATEMENT_TIMEOUT_MS", 30_000)
# Seconds to wait for a database connection before the request answers 503.
DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
# pgbouncer in transaction mode: no server-side cursors and no per-connection settings.
DATABASE_PGBOUNCER = env_bool("DATABASE_PGBOUNCER", default=False)

_DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    _primary = dj_database_url.parse(
        env_str("DATABASE_URL") or _DEFAULT_DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None

# Read replicas, comma-separated URLs: aliases replica_1, replica_2, … in that order.
_replicas = {}
for _index, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    try:
        _replica = dj_database_url.parse(
            _url, conn_max_age=_primary["CONN_MAX_AGE"], conn_health_checks=True
        )
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS: entry {_index} is not a valid database URL: {exc}"
        ) from None
    if _replica["ENGINE"] != _primary["ENGINE"]:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URLS: entry {_index} is not the same kind of database as "
            "DATABASE_URL (a replica must be a copy of the primary)"
        )
    # The test runner must not create databases on a read-only replica.
    _replica["TEST"] = {"MIRROR": "default"}
    _replicas[f"replica_{_index}"] = _replica

for _database in [_primary, *_replicas.values()]:
    if _database["ENGINE"] != "django.db.backends.postgresql":
        continue
    _options = _database.setdefault("OPTIONS", {})
    _options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    if DATABASE_PGBOUNCER:
        # A server-side cursor lives in one server session; pgbouncer may switch it mid-way.
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
    elif CLAIMTRACK_STATEMENT_TIMEOUT_MS:
        _options["options"] = f"-c statement_timeout={CLAIMTRACK_STATEMENT_TIMEOUT_MS}"

DATABASES = {"default": _primary, **_replicas}
# The claims list's documents statement as a PostgreSQL prepared statement (planned once per
# connection). Off behind a pooler in transaction mode that cannot keep prepared statements.
CLAIMTRACK_PREPARED_READS = env_bool("CLAIMTRACK_PREPARED_READS", default=True)
CLAIMTRACK_READ_REPLICAS = list(_replicas)

# A client that wrote reads from the primary for this many seconds (replicas lag behind).
CLAIMTRACK_READ_YOUR_WRITES_SECONDS = env_int("CLAIMTRACK_READ_YOUR_WRITES_SECONDS", 5)
DATABASE_ROUTERS = ["claimtrack.routers.PrimaryReplicaRouter"] if CLAIMTRACK_READ_REPLICAS else []

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ---
# The cache holds rate-limit counters, read-your-writes marks and (with Redis) sessions. Every
# gunicorn worker and app server must see the same counters, or each one allows the full rate:
# Redis when REDIS_URL is set; else, with DEBUG off, the database's cache table (`migrate`
# creates it); else the memory of one process, which is right only for one process (development;
# `check --deploy` warns about it with DEBUG off).
REDIS_URL = env_str("REDIS_URL") or ""
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CLAIMTRACK_CACHE_PREFIX", "claimtrack"),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
        }
    }
    # Sessions read from Redis and written through to the database: losing Redis logs no one out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    # Redis down: throttling lets requests through instead of failing them (and logs it).
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
elif env_bool("CLAIMTRACK_DATABASE_CACHE", default=not DEBUG):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "claimtrack_cache",  # created by migration claimtrack 0001
            # A counter per client and scope for the last minute or so. Past this many rows a
            # write deletes the expired ones, then a third of the rest (counters lost): far
            # above Django's 300, and a COUNT(*) over it (at every write) stays cheap.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Anonymous reads of the claims API answered from the cache, keyed by the database snapshot
# they were read in (claimtrack.response_cache: never stale). On by default with Redis, the cache
# every worker shares; only on PostgreSQL without read replicas.
CLAIMTRACK_RESPONSE_CACHE = env_bool("CLAIMTRACK_RESPONSE_CACHE", default=bool(REDIS_URL))
# How long an answer is kept (unread answers of older snapshots expire with it).
CLAIMTRACK_RESPONSE_CACHE_SECONDS = env_int("CLAIMTRACK_RESPONSE_CACHE_SECONDS", 60, minimum=1)

# --- applications and request handling ---

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "corsheaders",
    "axes",
    "django_filters",
    "django_countries",
    "simple_history",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "claimtrack",
    "sources",
    "claims",
]

MIDDLEWARE = [
    "claimtrack.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Before sessions, CSRF and authentication: an anonymous read answered from the cache
    # needs none of them (it keeps the headers of the middleware above).
    "claimtrack.response_cache.ResponseCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    *(["claimtrack.routers.ReadYourWritesMiddleware"] if CLAIMTRACK_READ_REPLICAS else []),
]

ROOT_URLCONF = "claimtrack.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "claimtrack" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "claimtrack.wsgi.application"
ASGI_APPLICATION = "claimtrack.asgi.application"

# Largest article (HTML or text) that ingestion accepts.
CLAIMTRACK_MAX_INGEST_BYTES = env_int("CLAIMTRACK_MAX_INGEST_BYTES", 5 * 1024 * 1024, minimum=1024)
# Request bodies above this answer 413 JSON (claimtrack.middleware) before they are read. The
# default leaves room for an article at the ingestion cap sent as a JSON string, where escaping
# (\", \n, \uXXXX for non-ASCII text) makes it up to three times longer, plus its envelope.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int(
    "CLAIMTRACK_MAX_REQUEST_BYTES", 3 * CLAIMTRACK_MAX_INGEST_BYTES + 1024 * 1024, minimum=1024
)
# JSON nested deeper than this answers 400 (claimtrack.api.BoundedJSONParser).
CLAIMTRACK_MAX_JSON_DEPTH = env_int("CLAIMTRACK_MAX_JSON_DEPTH", 32, minimum=4)

# --- accounts, logins and tokens ---

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The reverse proxies (addresses or networks) whose X-Forwarded-For is believed; default none.
# The client address that rate limits, login lockouts and request logs use is the nearest
# address in X-Forwarded-For that is not one of them (claimtrack.clients.client_address).
CLAIMTRACK_TRUSTED_PROXIES = env_networks("CLAIMTRACK_TRUSTED_PROXIES")
if env_int("CLAIMTRACK_TRUSTED_PROXY_COUNT", 0):
    raise ImproperlyConfigured(
        "CLAIMTRACK_TRUSTED_PROXY_COUNT is no longer read: a count trusts X-Forwarded-For from "
        "any client that reaches the app directly. List the proxies' addresses or networks in "
        "CLAIMTRACK_TRUSTED_PROXIES instead (e.g. 10.0.0.0/16)."
    )

# Brute-force lockout (django-axes) on every login path: the admin form, the browsable API's
# form (/api-auth/login/) and POST /api/v1/auth/token/. Failures are counted per username and
# client address, in the database (shared by app servers). claimtrack.clients adds a limit per
# address across usernames (CLAIMTRACK_THROTTLE_LOGIN).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("CLAIMTRACK_AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("CLAIMTRACK_AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CLAIMTRACK_AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "claimtrack.clients.client_address"
AXES_USERNAME_CALLABLE = "claimtrack.auth.lockout_username"

REST_KNOX = {
    # Tokens are stored hashed (SHA-512); a stolen database does not give working tokens.
    "TOKEN_TTL": timedelta(hours=env_int("CLAIMTRACK_TOKEN_TTL_HOURS", 24 * 30, minimum=1)),
    # Live tokens per user; a login beyond it revokes that user's oldest (claimtrack.auth).
    "TOKEN_LIMIT_PER_USER": env_int("CLAIMTRACK_TOKEN_LIMIT_PER_USER", 10, minimum=1),
    "AUTH_HEADER_PREFIX": "Token",
}

# --- HTTPS, headers, cookies, CORS, CSP (docs/security.md) ---

# HSTS is sent only over HTTPS; the redirect stays off unless asked for, because behind a
# TLS-terminating proxy it needs DJANGO_SECURE_PROXY_SSL_HEADER too (`check --deploy` warns).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "claimtrack.exceptions.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = env_str("DJANGO_SECURE_REFERRER_POLICY", "same-origin")
X_FRAME_OPTIONS = "DENY"

# CORS: browsers on other origins may call the API only from the origins listed (none by default).
CORS_ALLOWED_ORIGINS = env_list("CLAIMTRACK_CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "if-match",
    "if-none-match",
    "x-request-id",
]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "X-Request-ID"]

# CSP (django-csp): only this site's scripts run. Styles may be inline because ReDoc
# (styled-components) and Swagger UI inject <style> elements; ReDoc's search runs in a blob:
# worker; both show data: images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

SILENCED_SYSTEM_CHECKS: list[str] = []

# --- languages and static files ---

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests and `runserver` serve static files straight from the apps, no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG or env_bool("WHITENOISE_USE_FINDERS", default=False)

# --- REST API ---

_THROTTLE_RATES = {
    "anon": env_str("CLAIMTRACK_THROTTLE_ANON", "120/minute"),
    "user": env_str("CLAIMTRACK_THROTTLE_USER", "1200/minute"),
    "login": env_str("CLAIMTRACK_THROTTLE_LOGIN", "10/minute"),
}
for _scope, _rate in _THROTTLE_RATES.items():
    _count, _, _period = (_rate or "").partition("/")
    # isascii(): "²".isdigit() is true, but int("²") fails.
    if not (_count.isascii() and _count.isdigit()) or _period not in {
        "second",
        "minute",
        "hour",
        "day",
        "s",
        "m",
        "h",
        "d",
    }:
        raise ImproperlyConfigured(
            f"CLAIMTRACK_THROTTLE_{_scope.upper()} must look like 120/minute; got {_rate!r}"
        )

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes anonymous writes answer 401, not 403.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["claimtrack.permissions.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON only, refused when nested too deep or holding unstorable text.
    "DEFAULT_PARSER_CLASSES": ["claimtrack.api.BoundedJSONParser"],
    # An unknown ?format= answers 400 naming the parameter (DRF's default answers 404).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "claimtrack.api.ContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "claimtrack.pagination.KeysetPagination",
    "DEFAULT_SCHEMA_CLASS": "claimtrack.schema.AutoSchema",
    "EXCEPTION_HANDLER": "claimtrack.exceptions.api_exception_handler",
    # Keyed on claimtrack.clients.client_address, never on a client-sent X-Forwarded-For.
    "DEFAULT_THROTTLE_CLASSES": [
        "claimtrack.clients.AnonRateThrottle",
        "claimtrack.clients.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": _THROTTLE_RATES,
    # DRF's own address (any throttle not from claimtrack.clients): the connecting peer only.
    "NUM_PROXIES": 0,
    "PAGE_SIZE": 50,
    "URL_FORMAT_OVERRIDE": "format",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "claimtrack API",
    "DESCRIPTION": (
        "Fact claims in structured form, the sources that make or contest them with anchored "
        "quotes, and their review. Anonymous clients read; editors and reviewers write with a "
        "token from POST /api/v1/auth/token/."
    ),
    "VERSION": "1.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Conventions (tags, operation ids, security, errors): claimtrack/schema.py.
    "TAGS": [
        {"name": "claims", "description": "Fact claims, their review, history and stats."},
        {"name": "sources", "description": "Articles, their text, mentions and suggestions."},
        {"name": "publishers", "description": "Who publishes sources."},
        {"name": "actors", "description": "People, states and bodies that claims are about."},
        {"name": "events", "description": "Meetings, visits and exercises."},
        {"name": "citations", "description": "A source's exact quote for or against a claim."},
        {"name": "countries", "description": "The countries that claims concern, with counts."},
        {
            "name": "claimreview",
            "description": "Our verdicts as schema.org ClaimReview out; other fact-checkers' "
            "ClaimReview in, as external reviews.",
        },
        {
            "name": "external-reviews",
            "description": "Other fact-checkers' published verdicts: evidence, never ours.",
        },
        {"name": "topics", "description": "Countries' positions on a question, as of a date."},
        {"name": "auth", "description": "API tokens: log in, log out."},
    ],
    # Served from this site (drf-spectacular-sidecar), no CDN and no web fonts: the CSP allows
    # nothing else (claimtrack/apidocs.py).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif"},
                "code": {"fontFamily": "ui-monospace, 'SFMono-Regular', Menlo, monospace"},
            }
        },
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "claimtrack.schema.allow_empty_query_values",
        "claimtrack.schema.shared_enums",
        "claimtrack.schema.tag_descriptions",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.models.ClaimStatus",
        "ClaimKindEnum": "claims.models.ClaimKind",
        "CountryRoleEnum": "claims.models.CountryRole",
        "ParticipantRoleEnum": "claims.models.ParticipantRole",
        "StanceEnum": "claims.models.Stance",
        "AnchoringEnum": "claims.models.AnchoringState",
        "DatePrecisionEnum": "claims.models.DatePrecision",
        "ActorKindEnum": "claims.models.ActorKind",
        "EventKindEnum": "claims.models.EventKind",
        "PublisherKindEnum": "sources.models.PublisherKind",
        "HistoryModelEnum": "claims.serializers.HISTORY_MODELS",
        "HistoryActionEnum": "claims.serializers.HISTORY_ACTIONS",
        # JSON-LD `@context` and `@type`s of the ClaimReview answers (claims/serializers.py).
        "JsonLdContextEnum": [("https://schema.org", "https://schema.org")],
        "ClaimReviewTypeEnum": [("ClaimReview", "ClaimReview")],
        "RatingTypeEnum": [("Rating", "Rating")],
        "ClaimTypeEnum": [("Claim", "Claim")],
        "PartyTypeEnum": [("Person", "Person"), ("Organization", "Organization")],
    },
}

# --- claimtrack ---

# How claimtrack introduces itself when it fetches an article.
CLAIMTRACK_USER_AGENT = env_str(
    "CLAIMTRACK_USER_AGENT", "claimtrack/0.1 (fact-claim tracker; +https://claimtrack.invalid/bot)"
)
# How many distinct publishers must support a claim before it can be confirmed.
CLAIMTRACK_CONFIRM_MIN_PUBLISHERS = env_int("CLAIMTRACK_CONFIRM_MIN_PUBLISHERS", 1, minimum=1)
# The organisation that publishes the verdicts, as named in ClaimReview output.
CLAIMTRACK_ORG_NAME = env_str("CLAIMTRACK_ORG_NAME", "claimtrack")
# Its home page; empty: the site root of the request.
CLAIMTRACK_ORG_URL = env_str("CLAIMTRACK_ORG_URL", "")
# Absolute URL of this site, for links built outside a request (commands, exports).
CLAIMTRACK_BASE_URL = env_str("CLAIMTRACK_BASE_URL", "http://localhost:8000")
# When on, API writes without an If-Match header answer 428 (no blind overwrites at all).
CLAIMTRACK_REQUIRE_IF_MATCH = env_bool("CLAIMTRACK_REQUIRE_IF_MATCH", default=False)
# Seconds of work a request may do before it is stopped with 503 and rolled back (0: no limit).
# Below gunicorn's timeout (GUNICORN_TIMEOUT, 30 s), which with gthread workers is a heartbeat.
CLAIMTRACK_REQUEST_BUDGET_SECONDS = env_int("CLAIMTRACK_REQUEST_BUDGET_SECONDS", 20)
# Hosts, addresses or networks (CIDR) that fetching articles may reach although they are private,
# loopback or otherwise not public, e.g. an intranet archive: "archive.lan,10.20.0.0/16".
CLAIMTRACK_FETCH_ALLOWED_HOSTS = env_list("CLAIMTRACK_FETCH_ALLOWED_HOSTS")

# --- logs ---
# One line per record, with the request id (claimtrack.logging): JSON in production, readable
# text in development (CLAIMTRACK_LOG_FORMAT=json|text; default: text when DEBUG is on).

LOG_FORMAT = env_str("CLAIMTRACK_LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"CLAIMTRACK_LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "claimtrack.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "filters": {"request_id": {"()": "claimtrack.logging.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "loggers": {
        # claimtrack.request logs every request once; runserver's access line and Django's
        # "Not Found" warnings would repeat it (errors, with their tracebacks, still show).
        "django.server": {"level": "ERROR"},
        "django.request": {"level": "ERROR"},
        # django-axes announces itself at start-up: on every manage.py call.
        "axes.apps": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}
