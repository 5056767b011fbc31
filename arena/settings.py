"""Settings, read only from the environment.

The launcher (`python -m arena.launcher`) sets DATABASE_URL and REDIS_URL to embedded servers
when none are configured, so every process it starts (web, worker, beat, tests) sees the same
values. Nothing here has a production secret as a default.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from arena.database import deadline_connection_class
from arena.env import database_from_url, envbool, envint, envlist, envnetworks, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("ARENA_VAR_DIR", str(BASE_DIR / ".var")))

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. `make run` sets one for local use; a deployment must set "
        "SECRET_KEY or SECRET_KEY_FILE."
    )

DATABASE_URL = envstr("DATABASE_URL")
REDIS_URL = envstr("REDIS_URL")
if not DATABASE_URL or not REDIS_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL and REDIS_URL must be set. Start through `make run` or "
        "`python -m arena.launcher manage ...`, which provide embedded servers."
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "arena",
    "annotators",
    "battles",
    "moderation",
    "leaderboard",
    "ops",
    "releases",
    "studies",
]

MIDDLEWARE = [
    "arena.health.OpsEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "arena.api_errors.ApiErrorShapeMiddleware",
    "arena.bad_input.BadInputMiddleware",
    "arena.csp.ContentSecurityPolicyMiddleware",
    # Outside every middleware that may touch the database or Redis (arena/outage.py).
    "arena.outage.DependencyOutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "annotators.middleware.AnnotatorMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "arena.urls"
ASGI_APPLICATION = "arena.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "arena" / "templates"],
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

DATABASES = {"default": database_from_url(DATABASE_URL)}
# A dead or frozen database must fail a request (and /readyz) in seconds, not hang it: libpq's
# connect timeout (2 s is its minimum), a statement timeout, and, since a frozen server cancels
# nothing, a client-side deadline one second above it on every pooled query (arena/database.py).
# Web requests get a short statement timeout; Celery tasks (ranking recomputes, release builds),
# beat and management commands (migrations) do long legitimate work and get
# DATABASE_BACKGROUND_STATEMENT_TIMEOUT (0 = none, and no client deadline either).
# arena.launcher.web sets ARENA_WEB_PROCESS in the web server processes.
_STATEMENT_TIMEOUT_S = (
    envint("DATABASE_STATEMENT_TIMEOUT", 2) if envbool("ARENA_WEB_PROCESS", False)
    else envint("DATABASE_BACKGROUND_STATEMENT_TIMEOUT", 0)
)
_DATABASE_OPTIONS: dict[str, object] = {
    "connect_timeout": envint("DATABASE_CONNECT_TIMEOUT", 2),
    "options": f"-c statement_timeout={_STATEMENT_TIMEOUT_S * 1000}",
}
# Connections come from a pool in each web process: opening one costs more than a whole vote's
# queries. Under ASGI every request runs its sync code on a thread of its own, so Django's
# persistent connections (CONN_MAX_AGE) would leak one connection per request; the pool hands
# a connection back when the request ends. Size it so that processes x DATABASE_POOL_MAX_SIZE
# stays under the server's max_connections. DATABASE_POOL_TIMEOUT bounds the wait for a healthy
# connection: past it the request answers 503 "retry". DATABASE_POOL=false: one connection per
# request (e.g. behind PgBouncer in transaction mode; no client-side deadline then).
if envbool("DATABASE_POOL", True):
    _DATABASE_OPTIONS["pool"] = {
        "min_size": envint("DATABASE_POOL_MIN_SIZE", 2),
        "max_size": envint("DATABASE_POOL_MAX_SIZE", 10),
        "timeout": envint("DATABASE_POOL_TIMEOUT", 2),
    }
    if _STATEMENT_TIMEOUT_S:
        _DATABASE_OPTIONS["pool"]["connection_class"] = (  # type: ignore[index]
            deadline_connection_class(_STATEMENT_TIMEOUT_S + 1)
        )
DATABASES["default"].update(OPTIONS=_DATABASE_OPTIONS, CONN_HEALTH_CHECKS=True)
# The password may come apart from the URL, e.g. DATABASE_PASSWORD_FILE=/run/secrets/...
if envstr("DATABASE_PASSWORD"):
    DATABASES["default"]["PASSWORD"] = envstr("DATABASE_PASSWORD")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "arena",
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # channels_redis blocks on BRPOP for 5 s; redis-py 8's default socket timeout is also
        # 5 s, which would cut every listening consumer off. No timeout on this pool.
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None}], "prefix": "arena:ch"},
    }
}

CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
# Ranking recomputes may go to a dedicated (GPU) worker: set ARENA_RANKING_QUEUE=rankings on
# every service and run one worker with `-Q rankings` (docs/deployment.md).
CELERY_TASK_ROUTES = {"leaderboard.recompute*": {"queue": envstr("ARENA_RANKING_QUEUE", "celery")}}
# Images and music tracks are made by Celery tasks on this queue (battles/sides/worker.py); a GPU worker may
# take it alone with `-Q <name>`. Read at queueing time, so tests can route it to their worker.
ARENA_MEDIA_QUEUE = envstr("ARENA_MEDIA_QUEUE", "celery")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "arena" / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# Security. HTTPS=true is the switch for a deployment behind TLS (usually a reverse proxy that
# sets X-Forwarded-Proto): secure cookies, HSTS and the HTTP→HTTPS redirect. Probes and
# Prometheus reach /healthz, /readyz and /metrics over plain HTTP (see arena.health).
HTTPS = envbool("HTTPS", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("TRUST_X_FORWARDED_PROTO", HTTPS) else None
)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Empty means arena.csp.DEFAULT_POLICY (scripts and styles from this origin only).
CONTENT_SECURITY_POLICY = envstr("CONTENT_SECURITY_POLICY")
# Request bodies: JSON/forms above this are refused with 400 before any view parses them.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
# Bodies above this get 413 at the ASGI edge, before Django spools them (arena/body_limit.py).
HTTP_MAX_BODY_BYTES = envint("HTTP_MAX_BODY_BYTES", 10 * 1024 * 1024)
# /metrics answers only with `Authorization: Bearer <token>`, and not at all while this is empty
# (arena/health.py); `make run` writes one to .var/metrics_token.
METRICS_TOKEN = envstr("METRICS_TOKEN")

# Per-IP limits count the client address (annotators/client_ip.py). X-Forwarded-For is believed
# only from a direct peer in FORWARDED_ALLOW_IPS (addresses or networks; '*' is refused), and
# only with WEB_PROXY_HEADERS=true; otherwise the peer itself is the client.
WEB_PROXY_HEADERS = envbool("WEB_PROXY_HEADERS", False)
ARENA_TRUSTED_PROXIES = (
    envnetworks("FORWARDED_ALLOW_IPS", ["127.0.0.1"]) if WEB_PROXY_HEADERS else []
)

# Arena rules that a deployment may tune.
ARENA_ANNOTATOR_COOKIE = "arena_annotator"
ARENA_ANNOTATOR_COOKIE_MAX_AGE = 60 * 60 * 24 * 365 * 2
ARENA_MAX_PROMPT_CHARS = envint("ARENA_MAX_PROMPT_CHARS", 8000)
ARENA_MAX_RATIONALE_CHARS = envint("ARENA_MAX_RATIONALE_CHARS", 4000)
ARENA_MAX_WS_MESSAGE_BYTES = envint("ARENA_MAX_WS_MESSAGE_BYTES", 64 * 1024)
ARENA_STALE_BATTLE_MINUTES = envint("ARENA_STALE_BATTLE_MINUTES", 30)

# Sliding-window limits per action: {rule: (limit, window_seconds)}; "annotator*" rules count
# per annotator, "ip*" per client address; 0 turns a rule off (see annotators/limits.py).
ARENA_RATE_LIMITS = {
    "prompt": {
        "annotator": (envint("ARENA_LIMIT_PROMPTS_PER_MINUTE", 20), 60),
        "ip": (envint("ARENA_LIMIT_PROMPTS_PER_IP_PER_MINUTE", 60), 60),
    },
    "vote": {
        "annotator": (envint("ARENA_LIMIT_VOTES_PER_MINUTE", 20), 60),
        "ip": (envint("ARENA_LIMIT_VOTES_PER_IP_PER_MINUTE", 60), 60),
        "annotator_day": (envint("ARENA_LIMIT_VOTES_PER_DAY", 500), 86400),
    },
    # New annotator identities (the consent page) per client address: a fresh cookie must not
    # be a free way around the per-annotator limits. Raise it for many people behind one NAT.
    "identity": {"ip": (envint("ARENA_LIMIT_IDENTITIES_PER_IP_PER_HOUR", 20), 3600)},
    # Reference images (image-to-3D, …): each one is decoded and re-encoded on the server.
    "upload": {
        "annotator": (envint("ARENA_LIMIT_UPLOADS_PER_MINUTE", 10), 60),
        "ip": (envint("ARENA_LIMIT_UPLOADS_PER_IP_PER_MINUTE", 30), 60),
    },
}

# Open battle WebSockets at once, per annotator and per client address (0 = no cap), counted in
# Redis across web processes; a socket whose process died frees its place after the lease.
ARENA_MAX_WEBSOCKETS_PER_ANNOTATOR = envint("ARENA_MAX_WEBSOCKETS_PER_ANNOTATOR", 8)
ARENA_MAX_WEBSOCKETS_PER_IP = envint("ARENA_MAX_WEBSOCKETS_PER_IP", 64)
ARENA_WEBSOCKET_LEASE_SECONDS = envint("ARENA_WEBSOCKET_LEASE_SECONDS", 90)

# Moderation (see docs/moderation.md). Filters here run in every arena before its own.
MODERATION_DEFAULT_FILTERS: list[dict[str, object]] = []
MODERATION_MIN_SECONDS_TO_VOTE = envint("MODERATION_MIN_SECONDS_TO_VOTE", 1)
MODERATION_ANOMALY_MIN_VOTES = envint("MODERATION_ANOMALY_MIN_VOTES", 20)
MODERATION_ANOMALY_ALPHA = 0.001

# Sign-in throttling (django-axes) for /accounts/login/ and /admin/login/: after this many
# failed passwords for one username from one client address, that pair is locked out for the
# cool-off, with a 429 page that says so. Counted in the cache (Redis), so it holds across web
# processes; the address is the one per-IP limits use (annotators/client_ip.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = envint("ARENA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("ARENA_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "annotators.client_ip.client_ip_from_request"
AXES_LOCKOUT_TEMPLATE = "annotators/locked_out.html"
AXES_VERBOSE = False

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/me/"

# Leaderboards: recompute after every N new valid votes (0 = only on the schedule), one run per
# arena at a time, on ARENA_RANKING_DEVICE (empty = CUDA when present, else CPU).
ARENA_RECOMPUTE_EVERY = envint("ARENA_RECOMPUTE_EVERY", 50)
# ...and this many seconds after a vote, coalescing the votes of that window (0 = off).
ARENA_RECOMPUTE_DEBOUNCE_SECONDS = envint("ARENA_RECOMPUTE_DEBOUNCE_SECONDS", 2)
# The style-controlled boards (the slow part of a recompute) follow a plain run after this
# many seconds, coalescing the plain runs in between: a style fit kept running back to back
# would take the cores the next vote's plain run needs. 0: straight after each plain run.
ARENA_STYLE_RECOMPUTE_DELAY_SECONDS = envint("ARENA_STYLE_RECOMPUTE_DELAY_SECONDS", 30)
# Renewed every third of this while a recompute runs; a killed run frees the arena this soon.
ARENA_RECOMPUTE_LOCK_SECONDS = envint("ARENA_RECOMPUTE_LOCK_SECONDS", 60)
ARENA_SNAPSHOTS_KEPT = envint("ARENA_SNAPSHOTS_KEPT", 20)
ARENA_RANKING_DEVICE = envstr("ARENA_RANKING_DEVICE", "")
# Data releases: one directory per release under RELEASES_ROOT. Annotator pseudonyms are
# HMAC-SHA256 keyed with RELEASE_PSEUDONYM_SECRET (or _FILE); building refuses to run without it.
RELEASES_ROOT = Path(envstr("RELEASES_ROOT", str(VAR_DIR / "releases")))
RELEASE_PSEUDONYM_SECRET = envstr("RELEASE_PSEUDONYM_SECRET")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "arena.logs.JsonFormatter"},
    },
    "filters": {"outage": {"()": "arena.outage.OutageLogFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if envstr("LOG_FORMAT", "plain") == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "django.request": {"filters": ["outage"]},
    },
}

# Provider health: a contender with this many failures among its latest answers is paused,
# and put back after the cooldown by the ops.contenders_resume beat task.
ARENA_PROVIDER_WINDOW = envint("ARENA_PROVIDER_WINDOW", 10)
ARENA_PROVIDER_MAX_FAILURES = envint("ARENA_PROVIDER_MAX_FAILURES", 5)
ARENA_PROVIDER_COOLDOWN_S = envint("ARENA_PROVIDER_COOLDOWN_S", 300)

CELERY_BEAT_SCHEDULE = {
    "battles-fail-stale": {"task": "battles.fail_stale", "schedule": 300.0},
    "moderation-scan-annotators": {"task": "moderation.scan_annotators", "schedule": 3600.0},
    "leaderboard-recompute-active": {"task": "leaderboard.recompute_active", "schedule": 600.0},
    "ops-contenders-resume": {"task": "ops.contenders_resume", "schedule": 60.0},
    "releases-build-due": {"task": "releases.build_due", "schedule": 3600.0},
    "releases-prepare-rows": {"task": "releases.prepare_rows", "schedule": 600.0},
}
