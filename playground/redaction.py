"""Key values never leave the server in a share, a shared frame or an export.

Keys are replaced at the source (recorded requests hold the variable's name), so this is the
second line: anything that goes to someone else passes through `scrub`, which blanks every key
value the server knows, wherever it turned up (a provider that echoed it in an error, a model
that repeated it).
"""

from __future__ import annotations

import os

from .catalog import get_catalog

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 8  # shorter values are not keys, and blanking them would mangle text


def known_secrets(environ=os.environ) -> list[str]:
    catalog = get_catalog()
    values = {catalog.provider_key(provider, environ) for provider in catalog.providers.values()}
    return sorted((v for v in values if len(v) >= MIN_SECRET_CHARS), key=len, reverse=True)


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
