"""Check key: one tiny call to the provider with the user's stored key (a one-token answer,
thinking off), so a wrong key shows on the keys page and not in the middle of a comparison."""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass

import httpx
from asgiref.sync import async_to_sync
from django.utils import timezone

from playground.catalog import ProviderSpec, get_catalog
from playground.providers.client import stream_events
from playground.providers.types import (
    Failure,
    Finished,
    Limits,
    ReasoningDelta,
    TextDelta,
    Turn,
    UpstreamRequest,
)
from playground.runs.upstream import endpoint_for

from .keys import KeyUnavailable, key_open, provider_get
from .models import ProviderKey

CHECK_LIMITS = Limits(connect=5, first_token=20, idle=20, total=25, max_retries=0)
PROMPT = "Reply with OK."


@dataclass(frozen=True)
class CheckResult:
    ok: bool | None  # None: the check itself could not be made (network, provider down)
    message: str


def check_request(*, provider: ProviderSpec, key: str) -> UpstreamRequest | None:
    """The smallest call the provider answers: its first model, one output token."""
    model = next((m for m in get_catalog().models.values() if m.provider == provider.id), None)
    if model is None:
        return None
    params = {"max_tokens": 1}
    if any(p.name == "enable_thinking" for p in model.params):
        params["enable_thinking"] = False
    endpoint = endpoint_for(model=model, dialect=model.dialects[0], api_key=key)
    turn = Turn(role="user", text=PROMPT)
    return UpstreamRequest(endpoint=endpoint, model=model.id, turns=(turn,), params=params)


async def check_call(*, request: UpstreamRequest, provider: ProviderSpec) -> CheckResult:
    async with (
        httpx.AsyncClient(follow_redirects=False, timeout=CHECK_LIMITS.total) as client,
        aclosing(stream_events(client=client, request=request, limits=CHECK_LIMITS)) as events,
    ):
        async for event in events:
            if isinstance(event, TextDelta | ReasoningDelta | Finished):
                return CheckResult(True, f"The key works: {provider.name} answered.")
            if isinstance(event, Failure):
                return _failed(event, provider)
    return CheckResult(None, f"{provider.name} ended the check without an answer.")


def _failed(failure: Failure, provider: ProviderSpec) -> CheckResult:
    if failure.kind in ("auth", "quota"):
        status = f" (HTTP {failure.status})" if failure.status else ""
        return CheckResult(
            False, f"{provider.name} refused this key{status}. Check it and store it again."
        )
    return CheckResult(None, f"Could not check the key: {failure.message}")


def _call(*, provider: ProviderSpec, key: str) -> CheckResult:
    request = check_request(provider=provider, key=key)
    if request is None:
        return CheckResult(None, f"The catalog has no {provider.name} model to check with.")
    return async_to_sync(check_call)(request=request, provider=provider)


def key_check(*, user, provider_id: str) -> ProviderKey:
    """Make the call with the stored key and remember the outcome on the row."""
    provider = provider_get(provider_id)
    row = ProviderKey.objects.get(user=user, provider=provider.id)
    try:
        key = key_open(row=row, provider=provider)
    except KeyUnavailable as error:
        result = CheckResult(False, str(error))
    else:
        result = _call(provider=provider, key=key)
    row.check_ok, row.check_message, row.checked_at = result.ok, result.message, timezone.now()
    row.save(update_fields=["check_ok", "check_message", "checked_at"])
    return row
