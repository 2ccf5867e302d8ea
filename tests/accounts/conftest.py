"""Accounts fixtures: people, and a real provider that needs a key (pointed at a loopback
upstream: the live app's simulator, or a scripted server)."""

from __future__ import annotations

import pytest

from playground.catalog import get_catalog
from tests.catalogs import KEYED

PASSWORD = "a-Long-enough-passphrase-42"
CANARY = "sk-canary-7Qx9Lm2Vb8Nw4Rt6Yz1K"


@pytest.fixture
def keyed_provider(tmp_path, settings, monkeypatch):
    """Call with a base URL: the catalog then has provider "keyed" (key variable unset)."""
    monkeypatch.delenv("KEYED_ENDPOINT_API_KEY", raising=False)
    original = settings.PLAYGROUND_CATALOG

    def use(base: str) -> str:
        path = tmp_path / "keyed.toml"
        path.write_text(KEYED.format(base=base))
        settings.PLAYGROUND_CATALOG = str(path)
        get_catalog.cache_clear()
        return "keyed/seed-2-0-mini"

    yield use
    settings.PLAYGROUND_CATALOG = original
    get_catalog.cache_clear()


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", PASSWORD)


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", PASSWORD)


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """PBKDF2 at full strength costs ~0.3 s a password; these tests are not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Log-in counters live in the cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
