"""Every Failure the client can end a stream with, each with a user-facing sentence.

A message says what happened and what to do next. It never contains the API key: only the
provider's name, the host, the model id, the key's environment variable name and the provider's
own (already truncated, plain-text) message.

A failure during a stream says what had arrived before it (`received`, as the normaliser saw it):
it mentions a partial answer only when answer text arrived, and the reasoning only when reasoning
did; otherwise it says that nothing arrived. The app keeps whatever did arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from playground.providers.errors import ProviderError, plain_text
from playground.providers.types import Failure, FailureKind, Limits, UpstreamRequest

IN_MESSAGE_LIMIT = 200  # how much of the provider's message is repeated inside our sentence
# What had arrived when the stream failed: answer text (maybe with reasoning), only reasoning, or
# nothing at all.
Received = Literal["text", "reasoning", "nothing"]
AFTER = {
    "text": "The partial answer is kept; retry to get a full one.",
    "reasoning": "Only reasoning had arrived, no answer text; retry to get an answer.",
    "nothing": "No answer had arrived; try again.",
}


@dataclass(frozen=True)
class Where:
    """Who we were talking to, for messages."""

    provider: str
    host: str
    model: str
    key_env: str

    @classmethod
    def of(cls, request: UpstreamRequest) -> Where:
        endpoint = request.endpoint
        host = urlsplit(endpoint.url).hostname or endpoint.base_url or "the upstream"
        return cls(endpoint.provider_name or host, host, request.model, endpoint.key_env)

    @property
    def check_key(self) -> str:
        return f"Check {self.key_env}." if self.key_env else "Check the API key."


def seconds(value: float) -> str:
    return f"{value:g}" if value < 10 else str(round(value))


def _quoted(error: ProviderError) -> str:
    """ ": <the provider's message>", ready to be followed by our own full stop."""
    if not error.message:
        return ""
    return f": {plain_text(error.message, limit=IN_MESSAGE_LIMIT).rstrip('. ')}"


# --- Before or instead of an answer -----------------------------------------------------------


def refused(where: Where) -> Failure:
    return unreachable(where, "connection refused")


def dns(where: Where) -> Failure:
    return unreachable(where, "the host name could not be resolved", kind="dns")


def unreachable(where: Where, reason: str, *, kind: FailureKind = "connect") -> Failure:
    return Failure(
        kind=kind,
        retryable=True,
        message=f"Cannot reach {where.host}: {reason}. Check the base URL or your network.",
    )


def tls(where: Where, reason: str) -> Failure:
    return Failure(
        kind="tls",
        message=f"TLS verification failed for {where.host} ({reason}). "
        "Check the base URL; the server's certificate is not trusted.",
    )


def bad_url(url: str) -> Failure:
    return Failure(
        kind="connect",
        message=f"The base URL {plain_text(url, limit=100)!r} is not "
        "a valid http(s) URL. Fix it in the provider settings.",
    )


def unsupported_input(reason: str) -> Failure:
    return Failure(kind="bad_request", message=f"{reason} Remove it or choose another API dialect.")


def connect_timeout(where: Where, limits: Limits) -> Failure:
    return Failure(
        kind="timeout_connect",
        retryable=True,
        message=f"Timed out connecting to "
        f"{where.host} after {seconds(limits.connect)} s. Check the base URL or your "
        "network.",
    )


def first_token_timeout(where: Where, limits: Limits) -> Failure:
    return Failure(
        kind="timeout_first_token",
        retryable=True,
        message=f"{where.provider} sent no "
        f"answer within {seconds(limits.first_token)} s. Try again; long thinking may "
        "need a larger first-token timeout.",
    )


def idle_timeout(where: Where, limits: Limits, *, received: Received) -> Failure:
    return Failure(
        kind="timeout_idle",
        retryable=True,
        message=f"{where.provider} stopped sending "
        f"the answer for {seconds(limits.idle)} s. {AFTER[received]}",
    )


def total_timeout(where: Where, limits: Limits, *, received: Received) -> Failure:
    return Failure(
        kind="timeout_total",
        retryable=True,
        message=f"The answer from "
        f"{where.provider} took longer than the {seconds(limits.total)} s limit and was "
        f"stopped. {AFTER[received]}",
    )


def disconnected(where: Where, *, received: Received, reason: str) -> Failure:
    if received == "nothing":
        message = f"The connection to {where.host} was lost before answering ({reason}). Try again."
    else:
        message = f"The connection to {where.host} was lost while answering ({reason}). "
        message += AFTER[received]
    return Failure(kind="disconnected", retryable=True, message=message)


# --- HTTP error statuses ------------------------------------------------------------------------


def http_status(
    where: Where, *, status: int, error: ProviderError, retry_after: float | None, sent_bytes: int
) -> Failure:
    """The Failure for a non-2xx response, by status (and for 429, by quota vs rate limit)."""
    failure = _status_failure(where, status, error, retry_after, sent_bytes)
    return Failure(
        kind=failure.kind,
        message=failure.message,
        status=status,
        provider_message=error.message,
        retryable=failure.retryable,
        retry_after=retry_after if status in (429, 503, 529) else None,
    )


def _status_failure(
    where: Where, status: int, error: ProviderError, retry_after: float | None, sent_bytes: int
) -> Failure:
    name, code = where.provider, f"(HTTP {status})"
    if status == 401:
        return Failure("auth", f"The API key was rejected by {name} {code}. {where.check_key}")
    if status == 403:
        return Failure(
            "auth",
            f"{name} refused access with this API key {code}{_quoted(error)}. {where.check_key}",
        )
    if status == 404:
        return Failure(
            "not_found",
            f"{name} does not offer model {where.model!r} at this address "
            f"{code}{_quoted(error)}. Check the model id and the base URL.",
        )
    if status == 413:
        return Failure(
            "too_large",
            f"The request is too large for {name} {code}; {sent_bytes:,} "
            "bytes were sent. Remove attachments or shorten the conversation.",
        )
    if status == 429:
        return _too_many(name, code, error, retry_after)
    if status in (400, 422):
        return Failure(
            "bad_request",
            f"{name} rejected the request {code}{_quoted(error)}. "
            "Check the parameters and attachments.",
        )
    if status >= 500:
        return Failure(
            "server",
            f"{name} had a server error {code}{_quoted(error)}. Try again in a moment.",
            retryable=True,
        )
    return Failure(
        "http",
        f"{name} answered {code}{_quoted(error)}. Try again later.",
        retryable=status in (408, 409),
    )


def _too_many(name: str, code: str, error: ProviderError, retry_after: float | None) -> Failure:
    # insufficient_quota is also a 429 but waiting does not help: it needs billing, not a retry.
    if "quota" in error.code.lower() or "quota" in error.type.lower():
        return Failure(
            "quota",
            f"{name} says the account is out of quota {code}{_quoted(error)}. "
            "Check the plan and billing.",
        )
    when = f"Retry after {seconds(retry_after)} s." if retry_after else "Wait a moment and retry."
    return Failure("rate_limited", f"Rate limited by {name} {code}. {when}", retryable=True)


# --- Problems inside a 2xx stream -----------------------------------------------------------------


def stream_error(where: Where, error: ProviderError, *, received: Received) -> Failure:
    transient = any(
        word in f"{error.type} {error.code}".lower()
        for word in ("overloaded", "server", "api_error", "rate", "timeout")
    )
    quoted = _quoted(error) or ": no details given"
    when = "before answering" if received == "nothing" else "during the answer"
    return Failure(
        kind="stream_error",
        provider_message=error.message,
        retryable=transient,
        message=f"{where.provider} reported an error {when}{quoted}. {AFTER[received]}",
    )


def busy(where: Where, limits: Limits) -> Failure:
    return Failure(
        kind="timeout_connect",
        retryable=True,
        message=f"Too many requests to "
        f"{where.host} are in flight; no connection became free within "
        f"{seconds(limits.connect)} s. Try again in a moment.",
    )


def malformed(where: Where, *, count: int, received: Received) -> Failure:
    return Failure(
        kind="malformed",
        retryable=True,
        message=f"Upstream sent malformed data: "
        f"{count} events from {where.provider} could not be read. {AFTER[received]}",
    )


def undecodable(where: Where, *, received: Received) -> Failure:
    return Failure(
        kind="malformed",
        retryable=True,
        message="Upstream sent malformed data: the "
        f"response from {where.provider} could not be decoded. {AFTER[received]}",
    )


def non_sse(where: Where, *, content_type: str, body: bytes) -> Failure:
    sample = plain_text(body.decode("utf-8", errors="replace"), limit=200)
    return Failure(
        kind="malformed",
        provider_message=sample,
        message=f"Upstream returned non-SSE "
        f"content ({plain_text(content_type, limit=60)}) instead of an answer stream: "
        f"{sample!r}. Check the base URL.",
    )


def too_big(where: Where, *, what: str, limit: int, received: Received) -> Failure:
    return Failure(
        kind="too_big",
        message=f"{where.provider} sent {what} larger than the "
        f"{limit:,}-byte limit, so the answer was stopped. {AFTER[received]}",
    )


def truncated(where: Where, *, received: Received) -> Failure:
    return Failure(
        kind="truncated",
        retryable=True,
        message=f"The answer from {where.provider} "
        f"ended early, without a finish marker. {AFTER[received]}",
    )
