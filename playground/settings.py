"""Settings for Seed Playground.

Embedded defaults (SQLite, in-memory channel layer, the built-in simulator) need no environment at
all; every knob below can be set from the environment for a real deployment.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(int(default))).strip().lower() in {"1", "true", "yes", "on"}


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


DEBUG = env_bool("PLAYGROUND_DEBUG", False)
# A fixed development key keeps `make run` free of setup; production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-seed-playground-local-only")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "daphne",
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
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
            "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "capacity": 1000, "expiry": 30},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}
    }

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
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
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
PLAYGROUND_TOTAL_TIMEOUT = env_float("PLAYGROUND_TOTAL_TIMEOUT", 600)
PLAYGROUND_MAX_RETRIES = int(os.environ.get("PLAYGROUND_MAX_RETRIES", 2))
PLAYGROUND_MAX_RETRY_AFTER = env_float("PLAYGROUND_MAX_RETRY_AFTER", 60)
# Simulator speed defaults (each request can override them, see README "Simulator").
PLAYGROUND_SIMULATOR_TOKENS_PER_SECOND = env_float("PLAYGROUND_SIMULATOR_TOKENS_PER_SECOND", 80)
PLAYGROUND_SIMULATOR_TTFT = env_float("PLAYGROUND_SIMULATOR_TTFT", 0.3)
# Frames per second the server pushes to a browser per run (deltas are coalesced in between).
PLAYGROUND_FRAMES_PER_SECOND = env_float("PLAYGROUND_FRAMES_PER_SECOND", 25)
# How often the live metrics (tokens, cost, tokens/s) ride along with those frames.
PLAYGROUND_METRICS_PER_SECOND = env_float("PLAYGROUND_METRICS_PER_SECOND", 4)
# Runs one worker process streams at once; a send over the cap is answered "busy, retry".
PLAYGROUND_MAX_ACTIVE_RUNS = int(os.environ.get("PLAYGROUND_MAX_ACTIVE_RUNS", 400))
# A streaming run's worker renews its lease every third of this; another worker marks a run whose
# lease ran out (its worker died) interrupted, so a crash shows within a few seconds.
PLAYGROUND_RUN_LEASE_SECONDS = env_float("PLAYGROUND_RUN_LEASE_SECONDS", 6)
# Threads writing streaming runs (checkpoints, results, leases), apart from the request thread.
PLAYGROUND_RUN_DB_THREADS = int(os.environ.get("PLAYGROUND_RUN_DB_THREADS", 2))
# One worker process (the embedded profile): at its start no run can still be streaming, so
# runs left "streaming" by the previous process are interrupted at once, not after their lease.
PLAYGROUND_SINGLE_WORKER = not os.environ.get("REDIS_URL")
# Panes per session (compare mode).
PLAYGROUND_MAX_PANES = int(os.environ.get("PLAYGROUND_MAX_PANES", 8))
# Attachment limits in bytes, per kind.
PLAYGROUND_MAX_ATTACHMENT_BYTES = {
    "image": 10 * 1024 * 1024,
    "video": 50 * 1024 * 1024,
    "document": 20 * 1024 * 1024,
}
