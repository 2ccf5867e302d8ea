"""The production profile of the settings, each case in a fresh interpreter (settings are read
once per process): what `check --deploy` says, what refuses to start, what stays local."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.live import ROOT

# The environment the README documents for a deployment behind a TLS-terminating nginx.
PRODUCTION_ENV = {
    "PLAYGROUND_PRODUCTION": "1",
    "SECRET_KEY": "x5N0m2Wq-7rLk9Vt3Yc8Hb1Jd6Fg4Ps0Ua2Ze5Xi7Ro9Tn3Mq8Kw1Ey6Bv4Cz",
    "ALLOWED_HOSTS": "playground.example.com",
    "DATABASE_URL": "postgres://playground@127.0.0.1:5432/playground",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}
# Variables the settings read that a developer's shell might carry into a test.
SETTINGS_VARIABLES = {
    "PLAYGROUND_PRODUCTION", "PLAYGROUND_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL",
    "DATABASE_POOL_SIZE", "REDIS_URL", "REDIS_PREFIX", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "CSRF_TRUSTED_ORIGINS", "USE_X_FORWARDED_HOST",
}  # fmt: skip


def clean_env(**variables: str) -> dict:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_VARIABLES and not name.startswith("SECURE_")
    }
    return env | {"DJANGO_SETTINGS_MODULE": "playground.settings"} | variables


def production_env(**change: str | None) -> dict:
    """The documented environment with some variables changed (None: removed)."""
    env = clean_env(**PRODUCTION_ENV) | change
    return {name: value for name, value in env.items() if value is not None}


def run(command: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return run([sys.executable, "manage.py", *args], env)


def settings_of(env: dict, *names: str) -> dict:
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_passes_with_the_documented_production_env():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_no_environment_at_all_still_configures_a_local_app():
    result = manage("check", env=clean_env())
    assert result.returncode == 0, result.stderr


REFUSALS = {
    "secret key unset": ({"SECRET_KEY": None}, "SECRET_KEY"),
    "secret key empty": ({"SECRET_KEY": ""}, "SECRET_KEY"),
    "development secret key": (
        {"SECRET_KEY": "django-insecure-seed-playground-local-only"},
        "SECRET_KEY",
    ),
    "any host": ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
    "any host among others": ({"ALLOWED_HOSTS": "playground.example.com,*"}, "ALLOWED_HOSTS"),
    "hosts unset": ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
    "hosts empty": ({"ALLOWED_HOSTS": " "}, "ALLOWED_HOSTS"),
}


@pytest.mark.parametrize(("change", "variable"), REFUSALS.values(), ids=REFUSALS.keys())
def test_production_refuses_unsafe_settings_with_one_line(change, variable):
    result = manage("check", env=production_env(**change))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"Configuration error: {variable} ")
    assert "PLAYGROUND_PRODUCTION=1" in result.stderr


def test_a_daphne_worker_refuses_the_same_way():
    env = production_env(SECRET_KEY=None)
    result = run([sys.executable, "-m", "playground.serve", "playground.asgi:application"], env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("Configuration error: SECRET_KEY ")


SECURE = (
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
)


def test_production_defaults_to_tls_behind_a_proxy_but_leaves_hsts_opt_in():
    env = production_env(SECURE_HSTS_SECONDS=None)
    assert settings_of(env, *SECURE) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_HSTS_SECONDS": 0,
    }


def test_each_tls_setting_can_be_switched_off_for_a_plain_http_install():
    off = {"SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0", "SECURE_SSL_REDIRECT": "0"}
    env = production_env(**off, SECURE_PROXY_SSL_HEADER="")
    values = settings_of(env, *SECURE[:4])
    assert values == dict.fromkeys(SECURE[:3], False) | {"SECURE_PROXY_SSL_HEADER": None}


def test_local_defaults_trust_no_proxy_and_need_no_tls():
    values = settings_of(clean_env(), *SECURE)
    assert values == dict.fromkeys(SECURE[:3], False) | {
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_HSTS_SECONDS": 0,
    }


def test_postgres_connections_come_from_a_bounded_pool():
    env = production_env(DATABASE_POOL_SIZE="12")
    database = settings_of(env, "DATABASES")["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] == 0  # a thread per request under ASGI: pooled, not kept
    assert database["OPTIONS"]["pool"]["max_size"] == 12


def test_redis_reads_outlast_the_blocking_receive_and_the_pool_is_sized():
    env = production_env()
    (host,) = settings_of(env, "CHANNEL_LAYERS")["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"]
    assert host["socket_timeout"] > 5  # channels-redis blocks 5 s in BZPOPMIN
    assert host["max_connections"] >= 500


def test_redis_layer_keeps_live_runs_groups_and_takes_a_prefix():
    env = production_env(REDIS_PREFIX="suite42")
    values = settings_of(env, "CHANNEL_LAYERS", "PLAYGROUND_TOTAL_TIMEOUT")
    config = values["CHANNEL_LAYERS"]["default"]["CONFIG"]
    assert config["prefix"] == "suite42"
    assert config["group_expiry"] > values["PLAYGROUND_TOTAL_TIMEOUT"]
    assert config["capacity"] >= 1000
