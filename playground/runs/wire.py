"""The provider client as the run task uses it, and the call recorded for "View code"."""

from __future__ import annotations

import dataclasses
from contextlib import aclosing
from typing import Any

from playground.catalog import ModelSpec, get_catalog
from playground.providers.client import stream_events
from playground.providers.dialects import build_call
from playground.providers.types import Endpoint, UpstreamRequest

from .upstream import endpoint_for

DATA_URL_KEEP = 120


async def stream(*, client, request: UpstreamRequest, limits):
    """Events from upstream; leaving the loop early closes the upstream connection at once."""
    async with aclosing(stream_events(client=client, request=request, limits=limits)) as events:
        async for event in events:
            yield event


def real_endpoint(*, model: ModelSpec, dialect: str) -> tuple[Endpoint | None, str]:
    """For "View code": the real provider's endpoint (a simulated model's mirror), with the
    key variable's name as the key. None when there is no real provider to show."""
    catalog = get_catalog()
    source = model
    if model.simulated:
        source = next(
            (m for m in catalog.models.values() if not m.simulated and m.id == model.id), model
        )
    provider = catalog.provider_of(source)
    if dialect not in provider.dialects or not provider.base_url:
        return None, ""
    placeholder = f"${provider.key_env}" if provider.key_env else ""
    return endpoint_for(model=source, dialect=dialect, api_key=placeholder), placeholder


def recorded_call(*, request: UpstreamRequest, model: ModelSpec) -> dict[str, Any]:
    """The call against the real provider, key as `$ENV_NAME`, file contents as placeholders."""
    endpoint, placeholder = real_endpoint(model=model, dialect=request.endpoint.dialect)
    endpoint = endpoint or request.endpoint
    try:
        call = build_call(
            dataclasses.replace(request, endpoint=endpoint), redact_key=placeholder or None
        )
    except ValueError:
        return {}
    return {"url": call.url, "headers": dict(call.headers), "json": _shorten_data(call.json)}


def _shorten_data(value: Any) -> Any:
    """Base64 file data can be megabytes: keep its head and say how long it was."""
    if isinstance(value, dict):
        return {k: _shorten_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten_data(v) for v in value]
    if (
        isinstance(value, str)
        and len(value) > DATA_URL_KEEP
        and (value.startswith("data:") or _looks_base64(value))
    ):
        return f"{value[:48]}…[{len(value):,} characters of base64 file data]"
    return value


def _looks_base64(text: str) -> bool:
    return len(text) > 1000 and " " not in text[:1000]
