"""Which API key a call uses, and who may run which model.

A signed-in owner's own key for a provider wins; the server's environment variable
(EMPIRIOLABS_API_KEY, …) is the fallback for everyone. The picker and the submit path both ask
`model_available`, so a model that is greyed out cannot be run by sending its id either.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from playground.catalog import ModelSpec, ProviderSpec, get_catalog

from .crypto import KeyConfigError, KeyUnreadable, seal, unseal
from .models import ProviderKey

USER_PREFIX = "user:"
MIN_KEY_CHARS, MAX_KEY_CHARS = 8, 500


class KeyUnavailable(Exception):
    """A stored key cannot be used; the message says what to do (and never holds the key)."""


@dataclass(frozen=True)
class ResolvedKey:
    value: str = field(repr=False)
    source: str  # "user", "environment", or "" (no key)


def user_id_of(owner_key: str) -> int | None:
    if not owner_key.startswith(USER_PREFIX):
        return None
    try:
        return int(owner_key.removeprefix(USER_PREFIX))
    except ValueError:
        return None


def keyable_providers() -> list[ProviderSpec]:
    """Providers a user can bring a key for: every real one (the simulator needs none)."""
    return [p for p in get_catalog().providers.values() if not p.simulated]


def provider_key_for(*, provider: ProviderSpec, owner_key: str, environ=os.environ) -> ResolvedKey:
    """The key a call of `owner_key`'s session sends to `provider`; KeyUnavailable when the
    owner's stored key cannot be opened (then nothing may be sent: never the ciphertext, and
    not silently the server's key either)."""
    if provider.simulated:
        return ResolvedKey("", "")
    user_id = user_id_of(owner_key)
    row = None
    if user_id is not None:
        row = ProviderKey.objects.filter(user_id=user_id, provider=provider.id).first()
    if row is not None:
        return ResolvedKey(key_open(row=row, provider=provider), "user")
    value = get_catalog().provider_key(provider, environ)
    return ResolvedKey(value, "environment" if value else "")


def key_open(*, row: ProviderKey, provider: ProviderSpec) -> str:
    try:
        return unseal(token=row.ciphertext, user_id=row.user_id, provider=row.provider)
    except KeyUnreadable:
        raise KeyUnavailable(
            f"Your stored {provider.name} key can't be decrypted (the server's encryption keys "
            "changed). Nothing was sent: enter the key again under API keys."
        ) from None
    except KeyConfigError as error:
        raise KeyUnavailable(f"{error} Nothing was sent; ask the administrator.") from None


def keyed_providers(*, owner_key: str) -> frozenset[str]:
    user_id = user_id_of(owner_key)
    if user_id is None:
        return frozenset()
    return frozenset(ProviderKey.objects.filter(user_id=user_id).values_list("provider", flat=True))


def model_available(
    *, model: ModelSpec, owner_key: str, keyed: frozenset[str] | None = None, environ=os.environ
) -> bool:
    """The model can be called for this owner: simulated, keyless, or a key is at hand."""
    catalog = get_catalog()
    provider = catalog.provider_of(model)
    if catalog.is_available(provider, environ):
        return True
    keyed = keyed_providers(owner_key=owner_key) if keyed is None else keyed
    return provider.id in keyed


def missing_key_text(*, provider: ProviderSpec, owner_key: str) -> str:
    """What to do to enable a provider's models, for the picker and the refusal."""
    if user_id_of(owner_key) is None:
        return f"log in and add your {provider.name} key, or set {provider.key_env}"
    return f"add your {provider.name} key under API keys"


def model_refusal(*, model: ModelSpec, owner_key: str) -> str:
    provider = get_catalog().provider_of(model)
    hint = missing_key_text(provider=provider, owner_key=owner_key)
    return f"{model.name} has no API key for {provider.name}: {hint}. Nothing was sent."


# --- Storing and deleting ------------------------------------------------------------------------


def clean_key(raw: str) -> str:
    key = (raw or "").strip()
    if not MIN_KEY_CHARS <= len(key) <= MAX_KEY_CHARS or any(c.isspace() for c in key):
        raise ValidationError(
            f"An API key is {MIN_KEY_CHARS}–{MAX_KEY_CHARS} characters without spaces."
        )
    return key


def provider_get(provider_id: str) -> ProviderSpec:
    provider = get_catalog().providers.get(provider_id)
    if provider is None or provider.simulated:
        raise ProviderKey.DoesNotExist(f"no keyable provider {provider_id[:40]!r}")
    return provider


def key_store(*, user, provider_id: str, raw_key: str) -> ProviderKey:
    """Encrypt and store (or replace) the user's key for a provider."""
    provider = provider_get(provider_id)
    key = clean_key(raw_key)
    try:
        token = seal(user_id=user.pk, provider=provider.id, key=key)
    except KeyConfigError as error:
        raise ValidationError(str(error)) from None
    fields = {"ciphertext": token, "last4": key[-4:], "checked_at": None, "check_ok": None}
    with transaction.atomic():
        row, _ = ProviderKey.objects.update_or_create(
            user=user, provider=provider.id, defaults=fields | {"check_message": ""}
        )
    return row


def key_delete(*, user, provider_id: str) -> int:
    """Gone for good: the row and its ciphertext, not a flag."""
    return ProviderKey.objects.filter(user=user, provider=provider_id).delete()[0]


@dataclass(frozen=True)
class KeyRow:
    provider: ProviderSpec
    stored: ProviderKey | None
    environment: bool  # the server has a key for everyone


def key_rows(*, user, environ=os.environ) -> list[KeyRow]:
    stored = {row.provider: row for row in ProviderKey.objects.filter(user=user)}
    catalog = get_catalog()
    return [
        KeyRow(p, stored.get(p.id), bool(catalog.provider_key(p, environ)))
        for p in keyable_providers()
    ]
