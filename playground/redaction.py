"""Which key values must never show, and the redactor applied with them.

The text work is providers/redact.py (Django-free, so the provider client uses it too); this
module names the secrets: the server's keys (its environment) and a session owner's stored keys.
They are taken out where provider text enters (a run's failure, deltas, checkpoints and stored
fields), and again wherever anything goes to someone else (share pages and frames, exports,
View code) or to a log line (`RedactSecrets`, on every handler of settings.LOGGING).
"""

from __future__ import annotations

import contextvars
import logging
import os

from .catalog import get_catalog
from .providers.redact import REDACTED, Redactor, redact, redact_credentials, redact_data, usable

__all__ = ["REDACTED", "known_secrets", "scrub", "scrub_data", "context_with_secrets"]

_in_scope: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "secrets_in_scope", default=()
)


def known_secrets(environ=os.environ, *, owner_key: str = "") -> list[str]:
    """The server's keys (its environment), and with `owner_key` that owner's stored keys,
    opened for the caller's request only."""
    catalog = get_catalog()
    values = {catalog.provider_key(provider, environ) for provider in catalog.providers.values()}
    values |= _stored_keys(owner_key) if owner_key else set()
    return usable(values)


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
    return redact(text, known_secrets() if secrets is None else secrets)


def scrub_data(value, secrets: list[str] | None = None):
    """Every string in a JSON-like value, scrubbed."""
    return redact_data(value, known_secrets() if secrets is None else secrets)


def context_with_secrets(secrets) -> contextvars.Context:
    """A context (for a run's task, and the threads it calls) whose log lines also lose these
    values: the log filter could not know whose keys a record might hold."""
    context = contextvars.copy_context()
    context.run(_in_scope.set, tuple(secrets))
    return context


class RedactSecrets(logging.Filter):
    """On every handler: credential shapes, the server's keys and the keys of the run in scope
    are masked in the message and in any traceback (SK-5, SK-8)."""

    def filter(self, record: logging.LogRecord) -> bool:
        clean = _log_redactor()
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record: the handler reports it itself
            return True
        if (cleaned := clean(message)) != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[1] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            if (cleaned := clean(formatted)) != formatted:
                record.exc_info, record.exc_text = None, cleaned
        elif record.exc_text:
            record.exc_text = clean(record.exc_text)
        if record.stack_info:
            record.stack_info = clean(record.stack_info)
        return True


def _log_redactor():
    try:
        secrets = [*known_secrets(), *_in_scope.get()]
    except Exception:  # noqa: BLE001 - a broken catalog must not silence the log that says so
        secrets = list(_in_scope.get())
    redact_secrets = Redactor(secrets)
    return lambda text: redact_secrets(redact_credentials(text))
