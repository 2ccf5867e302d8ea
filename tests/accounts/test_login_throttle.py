"""Log-in is rate-limited per account and per address: over the limit even the right password
is refused with 429, Retry-After and the wait in words; the counts live in the shared cache."""

import os
import subprocess
import sys
import uuid

import pytest
from django.test import Client

from playground.accounts import throttle
from tests.live import ROOT

from .conftest import PASSWORD

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"

pytestmark = pytest.mark.django_db


def attempt(client, username, password="wrong-password", address="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_failed_log_ins_lock_the_account_with_the_wait_in_the_message(client, alice, settings):
    settings.PLAYGROUND_LOGIN_ATTEMPTS_PER_ACCOUNT = 3
    for _ in range(3):
        assert attempt(client, "alice").status_code == 200
    locked = attempt(client, "alice", PASSWORD)
    assert locked.status_code == 429
    wait = int(locked["Retry-After"])
    assert 0 < wait <= settings.PLAYGROUND_LOGIN_WINDOW
    text = locked.content.decode()
    # The wait is said in words (minutes, or seconds near the end of the window).
    assert "Too many failed log-ins for this account" in text
    assert ("minute" in text) or ("second" in text)
    assert "_auth_user_id" not in client.session
    # The lock is on the account, wherever the next attempt comes from.
    assert attempt(Client(), "ALICE", PASSWORD, address="10.9.9.9").status_code == 429


def test_failed_log_ins_from_one_address_lock_that_address(client, alice, bob, settings):
    settings.PLAYGROUND_LOGIN_ATTEMPTS_PER_ACCOUNT = 100
    settings.PLAYGROUND_LOGIN_ATTEMPTS_PER_ADDRESS = 4
    for name in ("nobody", "somebody", "anybody", "bob"):
        attempt(client, name, address="10.0.0.7")
    refused = attempt(client, "alice", PASSWORD, address="10.0.0.7")
    assert refused.status_code == 429 and "this address" in refused.content.decode()
    assert attempt(Client(), "alice", PASSWORD, address="10.0.0.8").status_code == 302


def test_a_good_log_in_clears_the_account_count(client, alice, settings):
    settings.PLAYGROUND_LOGIN_ATTEMPTS_PER_ACCOUNT = 3
    attempt(client, "alice")
    attempt(client, "alice")
    assert attempt(client, "alice", PASSWORD).status_code == 302
    fresh = Client()
    attempt(fresh, "alice")
    attempt(fresh, "alice")
    assert attempt(fresh, "alice", PASSWORD).status_code == 302


def test_the_lock_ends_with_its_window(client, alice, settings, monkeypatch):
    settings.PLAYGROUND_LOGIN_ATTEMPTS_PER_ACCOUNT = 2
    now = [1_000_000.0]
    monkeypatch.setattr(throttle.time, "time", lambda: now[0])
    attempt(client, "alice")
    attempt(client, "alice")
    assert attempt(client, "alice", PASSWORD).status_code == 429
    now[0] += settings.PLAYGROUND_LOGIN_WINDOW
    assert attempt(client, "alice", PASSWORD).status_code == 302


def test_the_admin_log_in_has_the_same_limit(client, admin_user, settings):
    settings.PLAYGROUND_LOGIN_ATTEMPTS_PER_ACCOUNT = 2
    for _ in range(2):
        client.post("/admin/login/", {"username": "admin", "password": "nope"})
    page = client.post("/admin/login/", {"username": "admin", "password": "password"})
    assert "Too many failed log-ins" in page.content.decode()


def test_sign_ups_are_limited_per_address(client, monkeypatch):
    monkeypatch.setattr(throttle, "SIGNUP", throttle.Limit("signup", 2, 3600))
    for number in range(2):
        data = {"username": f"user{number}", "email": f"u{number}@example.com"}
        data |= {"password1": PASSWORD, "password2": PASSWORD}
        Client().post("/signup/", data, REMOTE_ADDR="10.1.1.1")
    data = {"username": "user9", "email": "u9@example.com", "password1": PASSWORD}
    refused = client.post("/signup/", data | {"password2": PASSWORD}, REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429 and "Too many sign-ups" in refused.content.decode()


def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI: {error}")
        pytest.skip(f"Redis is not running: {error}")
    return url


def test_with_redis_the_count_holds_across_workers(client, alice, settings):
    """Failures counted by another process (a second worker) lock the account here: the
    counts live in Redis when REDIS_URL is set, not in one process's memory."""
    url, prefix = redis_url(), f"throttle-test-{uuid.uuid4().hex[:8]}"
    env = os.environ | {
        "REDIS_URL": url,
        "REDIS_PREFIX": prefix,
        "DJANGO_SETTINGS_MODULE": "playground.settings",
        "PLAYGROUND_LOGIN_ATTEMPTS_PER_ACCOUNT": "3",
    }
    other_worker = (
        "import django; django.setup(); from playground.accounts import throttle; "
        "limit, _ = throttle.login_limits(); [throttle.hit(limit, 'alice') for _ in range(3)]"
    )
    subprocess.run([sys.executable, "-c", other_worker], env=env, cwd=ROOT, check=True, timeout=60)
    settings.PLAYGROUND_LOGIN_ATTEMPTS_PER_ACCOUNT = 3
    settings.CACHES = {"default": {"BACKEND": REDIS_BACKEND, "LOCATION": url, "KEY_PREFIX": prefix}}
    assert attempt(client, "alice", PASSWORD).status_code == 429
    assert attempt(client, "bob", PASSWORD).status_code == 200  # bob has no account here
