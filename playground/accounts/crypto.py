"""Provider keys at rest: Fernet tokens under a MultiFernet key set from the settings.

PLAYGROUND_KEY_ENCRYPTION_KEYS lists Fernet keys, comma-separated; the first encrypts, all
decrypt, and `manage.py rotate_keys` re-encrypts every stored key with the first. Unset, the key
set is derived from SECRET_KEY (and SECRET_KEY_FALLBACKS) so a local `make run` needs nothing;
the price is that whoever has SECRET_KEY and the database has the keys, and a new SECRET_KEY
without the old one in SECRET_KEY_FALLBACKS makes the stored keys unreadable (users re-enter them).

Every failure is closed: a token that does not open, or opens for another user or provider (a row
copied elsewhere), raises KeyUnreadable; a malformed key set raises KeyConfigError. Neither message
ever contains a key.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

DERIVATION_LABEL = b"seed-playground/provider-keys/v1\0"


class KeyConfigError(Exception):
    """The server's encryption key set is unusable."""


class KeyUnreadable(Exception):
    """A stored key does not decrypt (changed encryption keys, or a tampered row)."""


def derived_key(secret: str) -> bytes:
    digest = hashlib.sha256(DERIVATION_LABEL + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def key_set() -> tuple[bytes, ...]:
    configured = settings.PLAYGROUND_KEY_ENCRYPTION_KEYS
    if configured:
        return tuple(key.encode() for key in configured)
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return tuple(derived_key(secret) for secret in secrets)


@functools.lru_cache(maxsize=4)
def _fernet_for(keys: tuple[bytes, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError):
        raise KeyConfigError(
            "Stored API keys are unavailable: PLAYGROUND_KEY_ENCRYPTION_KEYS must list Fernet "
            "keys (32 url-safe base64-encoded bytes each), comma-separated."
        ) from None


def fernet() -> MultiFernet:
    return _fernet_for(key_set())


def seal(*, user_id: int, provider: str, key: str) -> str:
    plain = json.dumps({"user": user_id, "provider": provider, "key": key})
    return fernet().encrypt(plain.encode()).decode("ascii")


def unseal(*, token: str, user_id: int, provider: str) -> str:
    try:
        content = json.loads(fernet().decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError, UnicodeError):
        raise KeyUnreadable(provider) from None
    if content.get("user") != user_id or content.get("provider") != provider:
        raise KeyUnreadable(provider)
    return content["key"]


def reseal(token: str) -> str:
    """The same key under the first key of the set (for rotate_keys); KeyUnreadable if no key
    of the set opens it."""
    try:
        return fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError, UnicodeError):
        raise KeyUnreadable("") from None
