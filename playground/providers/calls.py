"""Pieces every dialect's request builder shares: headers, auth placement, redaction, stop lists."""

from __future__ import annotations

import dataclasses
from typing import Any

from playground.providers.types import Endpoint, HttpCall, UpstreamRequest

ANTHROPIC_VERSION = "2023-06-01"


def redacted(request: UpstreamRequest, *, placeholder: str | None) -> UpstreamRequest:
    """The same request with the key swapped for a placeholder (for "View code")."""
    if placeholder is None:
        return request
    key = request.endpoint.api_key
    endpoint = dataclasses.replace(request.endpoint, api_key=placeholder)
    # A caller may have put the key into an extra header too; it must not leak through there.
    headers = {
        name: _scrub(value, key, placeholder) for name, value in request.extra_headers.items()
    }
    return dataclasses.replace(request, endpoint=endpoint, extra_headers=headers)


def _scrub(value: str, key: str, placeholder: str) -> str:
    return value.replace(key, placeholder) if key else value


def http_call(*, request: UpstreamRequest, body: dict[str, Any]) -> HttpCall:
    """Wrap a dialect's JSON body into the POST, placing the key where the endpoint expects it."""
    endpoint = request.endpoint
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/event-stream" if request.stream else "application/json",
    }
    if endpoint.dialect == "messages":
        # Anthropic rejects calls without a version; compatible gateways ignore the header.
        headers["anthropic-version"] = ANTHROPIC_VERSION
    headers, body = _with_key(endpoint, headers, body)
    headers.update(request.extra_headers)
    return HttpCall(method="POST", url=endpoint.url, headers=headers, json=body)


def _with_key(
    endpoint: Endpoint, headers: dict[str, str], body: dict[str, Any]
) -> tuple[dict[str, str], dict[str, Any]]:
    """Endpoint.auth: bearer | x-api-key | body:key | none. No key configured: nothing is sent."""
    key = endpoint.api_key
    if key and endpoint.auth == "bearer":
        headers = {**headers, "Authorization": f"Bearer {key}"}
    elif key and endpoint.auth == "x-api-key":
        headers = {**headers, "x-api-key": key}
    elif key and endpoint.auth == "body:key":
        body = {**body, "key": key}
    return headers, body


def stop_list(value: Any) -> list[str]:
    """Stop sequences as a list; the catalog's "stop" type may arrive as comma-separated text."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item) for item in value]


def passthrough(params: dict[str, Any], *, consumed: frozenset[str]) -> dict[str, Any]:
    """Parameters the dialect has no special mapping for are sent flat under their own name."""
    return {name: value for name, value in params.items() if name not in consumed}
