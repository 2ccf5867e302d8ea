"""Settings for Seed Playground.

Embedded defaults (SQLite, in-memory channel layer, the built-in simulator) need no environment at
all; every knob below can be set from the environment for a real deployment.
"""

import os
import sys
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(int(default))).strip().lower() in {"1", "true", "yes", "on"}


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_money(name: str) -> Decimal | None:
    """A dollar amount, or None when unset or empty."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        refuse(f"{name}={raw!r} is not an amount in dollars, e.g. {name}=25 or {name}=7.50")
    if not amount.is_finite() or amount < 0:
        refuse(f"{name}={raw!r} must be zero or more dollars")
    return amount


def refuse(message: str) -> NoReturn:
    # One line and exit status 2, like a bad catalog: a traceback would bury the fix.
    sys.stderr.write(f"Configuration error: {message}\n")
    raise SystemExit(2)


# The deployment signal. Off, the embedded defaults serve `make run` and `make test` with no
# environment at all; on, the app refuses unsafe secrets and hosts, and the cookie, redirect and
# proxy settings below default to "behind a TLS-terminating proxy".
PRODUCTION = env_bool("PLAYGROUND_PRODUCTION", False)
DEBUG = env_bool("PLAYGROUND_DEBUG", False)
# A fixed development key keeps `make run` free of setup; production must set its own.
LOCAL_SECRET_KEY = "django-insecure-seed-playground-local-only"  # noqa: S105 (public on purpose)
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or LOCAL_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

if PRODUCTION and SECRET_KEY == LOCAL_SECRET_KEY:
    refuse(
        "SECRET_KEY is unset or the built-in development key, and PLAYGROUND_PRODUCTION=1: "
        "set SECRET_KEY to a long random value, e.g. the output of "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`"
    )
if PRODUCTION and ("*" in ALLOWED_HOSTS or not os.environ.get("ALLOWED_HOSTS", "").strip()):
    refuse(
        f"ALLOWED_HOSTS is {os.environ.get('ALLOWED_HOSTS', '').strip() or 'unset'} and "
        "PLAYGROUND_PRODUCTION=1: set it to the host names the site is served under, "
        "comma-separated, e.g. ALLOWED_HOSTS=playground.example.com"
    )

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "channels",
    "playground.apps.PlaygroundConfig",
    "playground.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "playground.accounts.middleware.RequireLogin",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "playground.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "playground.urls"
ASGI_APPLICATION = "playground.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "playground.middleware.csp_nonce",
            ],
        },
    }
]

_sqlite_options = {
    # WAL + IMMEDIATE: concurrent streams finishing together must not hit "database is locked".
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}
if os.environ.get("DATABASE_URL"):
    # A connection pool (psycopg's, through Django), not persistent connections: under ASGI every
    # request runs in a thread of its own, and each kept its own connection until PostgreSQL
    # refused more ("too many clients") at a few hundred streams. The pool caps what a worker
    # holds; a thread waits for a free connection instead.
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)}
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": int(os.environ.get("DATABASE_POOL_SIZE", 20)),
        "timeout": 20,
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"),
            "OPTIONS": _sqlite_options,
            # Reopening the file and rerunning the PRAGMAs on every database hop cost ~5 ms a run.
            "CONN_MAX_AGE": 600,
            # Tests use a file too (one per process, so parallel suites never share it): runs are
            # written from their own threads, and SQLite's shared-cache memory database answers
            # concurrent writers with "table is locked" instead of waiting like a file does.
            "TEST": {
                "NAME": str(Path(tempfile.gettempdir()) / f"playground-test-{os.getpid()}.db")
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 times out reads after 5 s, the very time channels-redis's blocking
                # receive waits: a busy Redis then killed consumers mid-run (close 1011). Its pool
                # of 100 connections, raising when full, also killed runs at a few hundred streams.
                "hosts": [
                    {
                        "address": os.environ["REDIS_URL"],
                        "socket_timeout": 30,
                        # A worker busy with hundreds of streams can take seconds to finish
                        # a connect: 5 s failed sends at N=400 on a loaded machine.
                        "socket_connect_timeout": 15,
                        "max_connections": int(os.environ.get("REDIS_MAX_CONNECTIONS", 1000)),
                    }
                ],
                # Keys start with this: two installs (or test suites) can share one Redis.
                "prefix": os.environ.get("REDIS_PREFIX", "playground"),
                # All sockets of one worker share one Redis list, and a full list drops frames
                # silently (a hole in a live answer, or a lost snapshot): an overloaded worker
                # reading seconds behind at 200 streams x 12 frames/s needs tens of thousands of
                # slots. 100,000 frames are some 30 MB of Redis at worst.
                "capacity": 100_000,
                # A frame still unread after a minute belongs to a stuck worker: drop it then.
                "expiry": 60,
                # Group membership outlives any run (PLAYGROUND_TOTAL_TIMEOUT) and daphne's own
                # 24 h websocket limit, so a watcher never silently drops out of a live run.
                "group_expiry": 86_400,
            },
        }
    }
else:
    # One worker: in-process fan-out without expiry scans (see playground/layers.py). A queue
    # fills only while its socket's consumer waits on something (a database hop), and a full one
    # drops frames, a run's final frame too: 80 runs of one compare session send ~960 frames/s.
    # Queued frames are shared with the group, so 10,000 slots cost references, not copies.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "playground.layers.LocalChannelLayer",
            "CONFIG": {"capacity": 10_000},
        }
    }

# Log-in attempt counters (accounts/throttle.py) must be shared by every worker: Redis when the
# deployment has it, the process's memory in the one-process embedded profile.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": os.environ.get("REDIS_PREFIX", "playground"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve the collected (and pre-compressed) files when `collectstatic` has run, as `make run`
# does; fall back to the app directories otherwise (tests, a fresh checkout).
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.is_dir()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
# Behind TLS (production's default) cookies never travel over plain http, http is redirected
# to https, and the proxy's X-Forwarded-Proto says which one the browser used.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
_proxy_ssl_header = os.environ.get(
    "SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto" if PRODUCTION else ""
).strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
# HSTS is opt-in even in production: browsers remember it for the whole max-age, so a mistake
# (or a later move back to http) locks visitors out.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Request bodies: a form's fields (files aside) and the part of an upload kept in memory; larger
# files stream to a temporary file. The first handler stops a file as it passes its cap (the
# limits below); every body's declared and received length is capped before Django parses it
# (playground/bodies.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "playground.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Every handler masks keys (playground.redaction.RedactSecrets), and Django's own loggers use
# these handlers instead of its defaults (which would write unmasked). PLAYGROUND_LOG_FILE adds
# a file (reopened when logrotate moves it).
PLAYGROUND_LOG_FILE = os.environ.get("PLAYGROUND_LOG_FILE", "")
_LOG_HANDLERS = {"console": {"class": "logging.StreamHandler"}}
if PLAYGROUND_LOG_FILE:
    _LOG_HANDLERS["file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": PLAYGROUND_LOG_FILE,
        "formatter": "timed",
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"timed": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"redact": {"()": "playground.redaction.RedactSecrets"}},
    "handlers": {name: spec | {"filters": ["redact"]} for name, spec in _LOG_HANDLERS.items()},
    "root": {"handlers": list(_LOG_HANDLERS), "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "propagate": True},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# --- Seed Playground -------------------------------------------------------------------------
# Extra catalog file (TOML) merged over the built-in one: add or override providers and models.
PLAYGROUND_CATALOG = os.environ.get("PLAYGROUND_CATALOG", "")
# Base URL the app uses to reach its own simulator. Empty: derived from the address the
# server is listening on (so `daphne -p 9000` or a proxy in front needs no change).
PLAYGROUND_SIMULATOR_URL = os.environ.get("PLAYGROUND_SIMULATOR_URL", "")
# Upstream time limits, in seconds.
PLAYGROUND_CONNECT_TIMEOUT = env_float("PLAYGROUND_CONNECT_TIMEOUT", 10)
PLAYGROUND_FIRST_TOKEN_TIMEOUT = env_float("PLAYGROUND_FIRST_TOKEN_TIMEOUT", 120)
PLAYGROUND_IDLE_TIMEOUT = env_float("PLAYGROUND_IDLE_TIMEOUT", 60)
# How long an idle upstream connection is kept for the next run. httpx's default (5 s) is shorter
# than the pause between two sends, so each run paid a new TCP connect (and a TLS handshake: a
# few round trips to the provider) before its request could leave. A connection the provider
# closed meanwhile is noticed before reuse; one dropped on the way counts as retryable.
PLAYGROUND_UPSTREAM_KEEPALIVE = env_float("PLAYGROUND_UPSTREAM_KEEPALIVE", 90)
PLAYGROUND_TOTAL_TIMEOUT = env_float("PLAYGROUND_TOTAL_TIMEOUT", 600)
PLAYGROUND_MAX_RETRIES = int(os.environ.get("PLAYGROUND_MAX_RETRIES", 2))
PLAYGROUND_MAX_RETRY_AFTER = env_float("PLAYGROUND_MAX_RETRY_AFTER", 60)
# Simulator speed defaults (each request can override them, see README "Simulator").
PLAYGROUND_SIMULATOR_TOKENS_PER_SECOND = env_float("PLAYGROUND_SIMULATOR_TOKENS_PER_SECOND", 80)
PLAYGROUND_SIMULATOR_TTFT = env_float("PLAYGROUND_SIMULATOR_TTFT", 0.3)
# Frames per second the server pushes to a browser per run (deltas are coalesced in between).
PLAYGROUND_FRAMES_PER_SECOND = env_float("PLAYGROUND_FRAMES_PER_SECOND", 12)
# Once an answer flows, the upstream is read at most this often (0: as each event comes): one
# read then carries several events (one per token from most providers), which halves a lone
# stream's CPU; frames go out at the rate above anyway. The first token is never held back.
PLAYGROUND_UPSTREAM_READS_PER_SECOND = env_float(
    "PLAYGROUND_UPSTREAM_READS_PER_SECOND", PLAYGROUND_FRAMES_PER_SECOND
)
# How often the live metrics (tokens, cost, tokens/s) ride along with those frames.
PLAYGROUND_METRICS_PER_SECOND = env_float("PLAYGROUND_METRICS_PER_SECOND", 2)
# A browser whose socket has this many bytes not yet sent is behind: it skips frames and gets one
# snapshot once it catches up, so a stalled tab cannot grow the worker's memory.
PLAYGROUND_SOCKET_BACKLOG_BYTES = int(os.environ.get("PLAYGROUND_SOCKET_BACKLOG_BYTES", 1 << 20))
# Frames of this worker's runs waiting for one socket's consumer (it waits on a database hop
# meanwhile); a full inbox drops a frame, and the socket repairs the gap with a snapshot.
PLAYGROUND_SOCKET_INBOX_FRAMES = int(os.environ.get("PLAYGROUND_SOCKET_INBOX_FRAMES", 10_000))
# Runs one worker process streams at once; a send over the cap is answered "busy, retry".
PLAYGROUND_MAX_ACTIVE_RUNS = int(os.environ.get("PLAYGROUND_MAX_ACTIVE_RUNS", 400))
# A streaming run's worker renews its lease every third of this; another worker marks a run whose
# lease ran out (its worker died) interrupted, so a crash shows within a few seconds.
PLAYGROUND_RUN_LEASE_SECONDS = env_float("PLAYGROUND_RUN_LEASE_SECONDS", 6)
# Checkpoints (a streaming run's text stored, so a crash keeps it) a worker writes per second at
# most: each run once a second while few stream, less often when many do (200 runs: every 4 s).
PLAYGROUND_CHECKPOINTS_PER_SECOND = env_float("PLAYGROUND_CHECKPOINTS_PER_SECOND", 50)
# Database threads: for streaming runs (checkpoints, results, leases) and for websocket work
# (connects, sends), apart from each other and from the page views' threads.
PLAYGROUND_RUN_DB_THREADS = int(os.environ.get("PLAYGROUND_RUN_DB_THREADS", 2))
PLAYGROUND_SOCKET_DB_THREADS = int(os.environ.get("PLAYGROUND_SOCKET_DB_THREADS", 3))
# One worker process (the embedded profile): at its start no run can still be streaming, so
# runs left "streaming" by the previous process are interrupted at once, not after their lease.
PLAYGROUND_SINGLE_WORKER = not os.environ.get("REDIS_URL")
# Panes per session (compare mode).
PLAYGROUND_MAX_PANES = int(os.environ.get("PLAYGROUND_MAX_PANES", 8))
# Fair use (playground/limits.py, runs/watchers.py); 0 switches any of these three off.
# Runs one person (signed-in user, else browser) may stream at once, across every worker;
# default 3 per pane at the most panes (24 with 8 panes), so a full compare round with repeat x3
# fits, while 8 panes x repeat x10 (80 streams) needs a higher cap.
PLAYGROUND_MAX_RUNS_PER_PERSON = int(
    os.environ.get("PLAYGROUND_MAX_RUNS_PER_PERSON", 3 * PLAYGROUND_MAX_PANES)
)
# Sends (and regenerates) one person may make per minute; more are answered "retry in N s".
PLAYGROUND_SENDS_PER_MINUTE = int(os.environ.get("PLAYGROUND_SENDS_PER_MINUTE", 30))
# A run no socket (owner's tab or share viewer, on any worker) has watched for this long is
# stopped, so an abandoned tab does not bill forever. Sockets note it on their session.
PLAYGROUND_UNWATCHED_STOP_SECONDS = env_float("PLAYGROUND_UNWATCHED_STOP_SECONDS", 600)
# Attachment limits in bytes, per kind (the catalog's input kinds carry no sizes).
PLAYGROUND_MAX_ATTACHMENT_BYTES = {
    "image": int(os.environ.get("PLAYGROUND_MAX_IMAGE_BYTES", 10 * 1024 * 1024)),
    "video": int(os.environ.get("PLAYGROUND_MAX_VIDEO_BYTES", 50 * 1024 * 1024)),
    "document": int(os.environ.get("PLAYGROUND_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024)),
}
# One send: how many attachments (each counted once, however often it is named) and their
# total size. Every run of the send carries them upstream, base64-encoded.
PLAYGROUND_MAX_ATTACHMENTS_PER_SEND = int(os.environ.get("PLAYGROUND_MAX_ATTACHMENTS_PER_SEND", 20))
PLAYGROUND_MAX_SEND_ATTACHMENT_BYTES = int(
    os.environ.get("PLAYGROUND_MAX_SEND_ATTACHMENT_BYTES", 64 * 1024 * 1024)
)
# Session imports (JSON exports): the largest file, and the most runs in one.
PLAYGROUND_MAX_IMPORT_BYTES = int(os.environ.get("PLAYGROUND_MAX_IMPORT_BYTES", 20 * 1024 * 1024))
PLAYGROUND_MAX_IMPORT_RUNS = int(os.environ.get("PLAYGROUND_MAX_IMPORT_RUNS", 10_000))

# --- Accounts, keys, budgets (playground/accounts) ---------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "index"
LOGOUT_REDIRECT_URL = "index"
# "open": anyone can create an account from the log-in page; "closed": only the admin adds people
# (createsuperuser, then /admin/).
PLAYGROUND_SIGNUP = os.environ.get("PLAYGROUND_SIGNUP", "open").strip().lower()
if PLAYGROUND_SIGNUP not in {"open", "closed"}:
    refuse(f"PLAYGROUND_SIGNUP={PLAYGROUND_SIGNUP!r}: use open or closed")
# On: every page and the websocket need a signed-in user. Off: anonymous browsers can play too.
PLAYGROUND_REQUIRE_LOGIN = env_bool("PLAYGROUND_REQUIRE_LOGIN", False)
# Fernet keys (comma-separated) encrypting stored provider keys; the first encrypts, all decrypt.
# Empty: derived from SECRET_KEY (and SECRET_KEY_FALLBACKS); see accounts/crypto.py.
PLAYGROUND_KEY_ENCRYPTION_KEYS = env_list("PLAYGROUND_KEY_ENCRYPTION_KEYS", "")
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")
# Failed log-ins allowed per account and per client address in each window (seconds).
PLAYGROUND_LOGIN_ATTEMPTS_PER_ACCOUNT = int(
    os.environ.get("PLAYGROUND_LOGIN_ATTEMPTS_PER_ACCOUNT", 5)
)
PLAYGROUND_LOGIN_ATTEMPTS_PER_ADDRESS = int(
    os.environ.get("PLAYGROUND_LOGIN_ATTEMPTS_PER_ADDRESS", 20)
)
PLAYGROUND_LOGIN_WINDOW = int(os.environ.get("PLAYGROUND_LOGIN_WINDOW", 900))
# Monthly budgets in USD: the cap of a user who has none of their own (empty: no cap), and a cap
# on all runs of the server together (empty: none; anonymous runs only ever meet this one).
PLAYGROUND_DEFAULT_MONTHLY_BUDGET = env_money("PLAYGROUND_DEFAULT_MONTHLY_BUDGET")
PLAYGROUND_SERVER_MONTHLY_BUDGET = env_money("PLAYGROUND_SERVER_MONTHLY_BUDGET")
# On: only staff set budgets (in the admin or on a user's usage page); users see theirs.
PLAYGROUND_BUDGETS_ADMIN_ONLY = env_bool("PLAYGROUND_BUDGETS_ADMIN_ONLY", False)
# Password-reset mail: printed to the console unless an SMTP host is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 587))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Seed Playground <playground@localhost>")
