"""The retry policy (reliability-security.md §6.2-6.3, same knobs as openai-python/anthropic).

Retries happen only before the first token: connect errors (not TLS verification), connect
timeouts, a connection dropped before the response headers, and the statuses below.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from playground.providers.types import Failure, Limits

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


@dataclass(frozen=True)
class RetryCandidate:
    """A failure before any answer that the policy would retry; `failure` if it will not be."""

    failure: Failure
    reason: str  # short, for the Retrying event: "HTTP 503", "connection refused" …
    server_hint: float | None = None  # Retry-After, in seconds


def should_retry_status(status: int, headers: Mapping[str, str]) -> bool:
    # Like the official SDKs, an explicit x-should-retry from the server wins over our list.
    hint = headers.get("x-should-retry", "").strip().lower()
    if hint in ("true", "false"):
        return hint == "true"
    return status in RETRY_STATUSES


def retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: retry-after-ms, Retry-After seconds, or an HTTP-date."""
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    return seconds if seconds is not None else _seconds_until(value, now=now)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _seconds_until(http_date: str, *, now: float | None) -> float | None:
    try:
        moment = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    return moment.timestamp() - (time.time() if now is None else now)


def backoff(*, retry_number: int, limits: Limits) -> float:
    """Jittered exponential backoff for the n-th retry (0-based): 0.5 s, 1 s, 2 s ... up to max."""
    ceiling = min(limits.backoff_base * 2**retry_number, limits.backoff_max)
    return ceiling * random.uniform(0.75, 1.0)


def delay_before_retry(
    *, retry_number: int, server_hint: float | None, limits: Limits
) -> float | None:
    """How long to wait before retrying, or None when the server's wait is too long to honour."""
    if server_hint is not None and server_hint > limits.max_retry_after:
        return None
    if server_hint is not None and server_hint > 0:
        return server_hint
    return backoff(retry_number=retry_number, limits=limits)
