"""Key values never leave the server in a share, a shared frame or an export.

Keys are replaced at the source (recorded requests hold the variable's name; a provider's error
that echoes the key is scrubbed where it arrives), so this is the second line: a run's text is
stored, and anything that goes to someone else is sent, without any key value the server knows,
wherever it turned up (a model that repeated it, a prompt it was pasted into).
"""

from __future__ import annotations

import os

from .catalog import get_catalog

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 8  # shorter values are not keys, and blanking them would mangle text


def known_secrets(environ=os.environ, *, owner_key: str = "") -> list[str]:
    """The server's keys (its environment), and with `owner_key` that owner's stored keys,
    opened for the caller's request only."""
    catalog = get_catalog()
    values = {catalog.provider_key(provider, environ) for provider in catalog.providers.values()}
    values |= _stored_keys(owner_key) if owner_key else set()
    return sorted((v for v in values if len(v) >= MIN_SECRET_CHARS), key=len, reverse=True)


def _stored_keys(owner_key: str) -> set[str]:
    from .accounts.keys import KeyUnavailable, key_open, user_id_of
    from .accounts.models import ProviderKey

    user_id, providers = user_id_of(owner_key), get_catalog().providers
    if user_id is None:
        return set()
    opened = set()
    for row in ProviderKey.objects.filter(user_id=user_id):
        try:
            opened.add(key_open(row=row, provider=providers[row.provider]))
        except (KeyUnavailable, KeyError):  # a key that cannot be opened was never sent
            continue
    return opened


def scrub(text: str, secrets: list[str] | None = None) -> str:
    for secret in known_secrets() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def scrub_data(value, secrets: list[str] | None = None):
    """Every string in a JSON-like value, scrubbed."""
    secrets = known_secrets() if secrets is None else secrets
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {key: scrub_data(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_data(item, secrets) for item in value]
    return value
