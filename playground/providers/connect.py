"""Transport errors before the response headers arrived, as a Failure or a RetryCandidate."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import httpx

from playground.providers import errors, failures
from playground.providers.failures import Where
from playground.providers.retry import RetryCandidate
from playground.providers.types import Failure, Limits


def before_response(
    where: Where, exc: httpx.HTTPError, *, limits: Limits, url: str
) -> Failure | RetryCandidate:
    """A transport error before the response headers arrived."""
    if isinstance(exc, httpx.ConnectTimeout):
        return RetryCandidate(failures.connect_timeout(where, limits), reason="connect timeout")
    if isinstance(exc, httpx.PoolTimeout):  # our own pool is full: retrying adds to the queue
        return failures.busy(where, limits)
    if isinstance(exc, httpx.ConnectError):
        return connect_failure(where, exc)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        failure = failures.disconnected(where, received="nothing", reason=reason_of(exc))
        return RetryCandidate(failure, reason="connection dropped")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return failures.bad_url(url)
    return failures.disconnected(where, received="nothing", reason=reason_of(exc))


def connect_failure(where: Where, exc: httpx.ConnectError) -> Failure | RetryCandidate:
    chain = list(causes(exc))
    if any(isinstance(c, ssl.SSLError) for c in chain) or "CERTIFICATE_VERIFY" in str(exc):
        return failures.tls(where, reason_of(exc))  # retrying cannot fix a certificate
    if any(isinstance(c, socket.gaierror) for c in chain):
        return RetryCandidate(failures.dns(where), reason="host name not resolved")
    if any(isinstance(c, ConnectionRefusedError) for c in chain):
        return RetryCandidate(failures.refused(where), reason="connection refused")
    return RetryCandidate(failures.unreachable(where, reason_of(exc)), reason="cannot connect")


def causes(exc: BaseException) -> Iterator[BaseException]:
    current: BaseException | None = exc
    for _ in range(10):  # chains are short; the bound only guards against cycles
        if current is None:
            return
        yield current
        current = current.__cause__ or current.__context__


def reason_of(exc: BaseException) -> str:
    """A short, printable reason for a transport error."""
    # httpx's ReadError usually has an empty message (reliability-security.md §6.1).
    text = errors.plain_text(str(exc), limit=120)
    if text:
        return text
    return "connection reset" if isinstance(exc, httpx.ReadError) else type(exc).__name__
