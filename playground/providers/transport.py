"""One attempt at the upstream call: send, check the status, then stream (or read) the answer.

An attempt yields normalised events, ending in Finished or Failure, or instead ends with a
RetryCandidate when the problem happened before any answer and the retry policy allows another
try (the client decides whether one is left).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from dataclasses import dataclass, field

import httpx

from playground.providers import errors, failures
from playground.providers.clock import Clock, Expired
from playground.providers.dialects import events_from_body, new_normaliser
from playground.providers.failures import Where
from playground.providers.normalise import Normaliser, json_object
from playground.providers.retry import retry_after, should_retry_status
from playground.providers.sse import LineTooLong, SseDecoder
from playground.providers.types import (
    Event,
    Failure,
    HttpCall,
    Limits,
    ReasoningDelta,
    TextDelta,
    UpstreamRequest,
)

DRAIN_MAX_BYTES = 16 * 1024
DRAIN_MAX_SECONDS = 0.25
ERROR_BODY_CAP = 64 * 1024  # enough for any JSON error envelope; HTML error pages get cut
TIMEOUT_FAILURES = {
    "timeout_first_token": failures.first_token_timeout,
    "timeout_idle": failures.idle_timeout,
    "timeout_total": failures.total_timeout,
}


@dataclass(frozen=True)
class RetryCandidate:
    """A failure before any answer that the policy would retry; `failure` if it will not be."""

    failure: Failure
    reason: str  # short, for the Retrying event: "HTTP 503", "connection refused" …
    server_hint: float | None = None  # Retry-After, in seconds


class BodyTooBig(Exception):
    pass


@dataclass
class Attempt:
    client: httpx.AsyncClient
    call: HttpCall
    where: Where
    request: UpstreamRequest
    clock: Clock
    normaliser: Normaliser = field(init=False)
    # Set instead of yielding the Failure when the policy would retry it; the client decides.
    retry_candidate: RetryCandidate | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.normaliser = new_normaliser(dialect=self.request.endpoint.dialect, where=self.where)
        self.clock.start_attempt()

    @property
    def limits(self) -> Limits:
        return self.clock.limits

    async def events(self) -> AsyncIterator[Event]:
        response = await self._send()
        if not isinstance(response, httpx.Response):
            for event in self._unless_retried(response):
                yield event
            return
        try:
            async with aclosing(self._answer_or_failure(response)) as answer:
                async for event in answer:
                    for item in self._unless_retried(event):
                        yield item
        finally:
            await response.aclose()  # also runs on cancellation: the upstream connection closes

    def _unless_retried(self, item: Event | RetryCandidate) -> list[Event]:
        if isinstance(item, RetryCandidate):
            self.retry_candidate = item
            return []
        return [item]

    async def _send(self) -> httpx.Response | Failure | RetryCandidate:
        """The response with its headers read, or what went wrong before that."""
        timeout = httpx.Timeout(None, connect=self.limits.connect, pool=self.limits.connect)
        try:
            http_request = self.client.build_request(
                self.call.method,
                self.call.url,
                headers=self.call.headers,
                json=self.call.json,
                timeout=timeout,
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            return failures.bad_url(self.call.url)
        try:
            return await self.clock.within(lambda: self.client.send(http_request, stream=True))
        except Expired as expired:
            return TIMEOUT_FAILURES[expired.kind](self.where, self.limits)
        except httpx.HTTPError as exc:
            return before_response(self.where, exc, limits=self.limits, url=self.call.url)

    async def _answer_or_failure(
        self, response: httpx.Response
    ) -> AsyncIterator[Event | RetryCandidate]:
        try:
            async with aclosing(self._answer(response)) as answer:
                async for event in answer:
                    yield event
        except (Expired, LineTooLong, BodyTooBig, httpx.HTTPError) as exc:
            for event in self.normaliser.fail(self._failure_while_reading(exc)):
                yield event

    async def _answer(self, response: httpx.Response) -> AsyncIterator[Event | RetryCandidate]:
        if not response.is_success:
            yield await self._status_failure(response)
            return
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type == "text/html":  # a proxy's or login page, not an answer
            body = await self._read(response, cap=ERROR_BODY_CAP, strict=False)
            yield failures.non_sse(self.where, content_type=media_type, body=body)
        elif media_type == "application/json" or (
            media_type != "text/event-stream" and not self.request.stream
        ):
            # A whole JSON body: asked for, or the upstream ignored "stream": true.
            for event in await self._whole_body(response):
                yield event
        else:  # SSE, also when the upstream mislabels it (text/plain, no content type)
            async for event in self._stream(response):
                yield event

    async def _stream(self, response: httpx.Response) -> AsyncIterator[Event]:
        decoder = SseDecoder(max_line_bytes=self.limits.max_line_bytes)
        received = 0
        async with aclosing(response.aiter_bytes()) as chunks:
            while not self.normaliser.done:
                chunk = await self.clock.within(lambda: anext(chunks, None))
                if chunk is None:
                    events = self.normaliser.end_of_stream()
                else:
                    received = self._count(received, chunk)
                    events = [e for sse in decoder.feed(chunk) for e in self.normaliser.feed(sse)]
                for event in events:
                    yield event
                    # Measured after the consumer took the event, so its own pace is not counted.
                    if isinstance(event, TextDelta | ReasoningDelta):
                        self.clock.content_seen()
            await _drain(chunks)

    def _count(self, received: int, chunk: bytes) -> int:
        received += len(chunk)
        if received > self.limits.max_body_bytes:
            raise BodyTooBig
        return received

    async def _read(self, response: httpx.Response, *, cap: int, strict: bool) -> bytes:
        """The body up to `cap` bytes; beyond it, raise (strict) or keep only the start."""
        body = bytearray()
        async with aclosing(response.aiter_bytes()) as chunks:
            while (chunk := await self.clock.within(lambda: anext(chunks, None))) is not None:
                body += chunk
                if len(body) > cap:
                    if strict:
                        raise BodyTooBig
                    return bytes(body[:cap])
        return bytes(body)

    async def _whole_body(self, response: httpx.Response) -> list[Event]:
        body = await self._read(response, cap=self.limits.max_body_bytes, strict=True)
        payload = json_object(body)
        if payload is None:
            return [failures.undecodable(self.where)]
        if payload.get("error"):
            return [failures.stream_error(self.where, errors.from_object(payload))]
        return events_from_body(dialect=self.request.endpoint.dialect, body=payload)

    async def _status_failure(self, response: httpx.Response) -> Failure | RetryCandidate:
        try:
            body = await self._read(response, cap=ERROR_BODY_CAP, strict=False)
        except (Expired, httpx.HTTPError):
            body = b""  # the status alone still says what happened
        status, hint = response.status_code, retry_after(response.headers)
        failure = failures.http_status(
            self.where,
            status=status,
            error=errors.from_body(body),
            retry_after=hint,
            sent_bytes=len(response.request.content),
        )
        if failure.kind != "quota" and should_retry_status(status, response.headers):
            return RetryCandidate(failure, reason=f"HTTP {status}", server_hint=hint)
        return failure

    def _failure_while_reading(self, exc: Exception) -> Failure:
        if isinstance(exc, Expired):
            return TIMEOUT_FAILURES[exc.kind](self.where, self.limits)
        if isinstance(exc, LineTooLong):
            return failures.too_big(self.where, what="a line", limit=self.limits.max_line_bytes)
        if isinstance(exc, BodyTooBig):
            return failures.too_big(self.where, what="a response", limit=self.limits.max_body_bytes)
        if isinstance(exc, httpx.DecodingError):
            return failures.undecodable(self.where)
        return failures.disconnected(
            self.where, answering=self.clock.answering, reason=_reason(exc)
        )


def before_response(
    where: Where, exc: httpx.HTTPError, *, limits: Limits, url: str
) -> Failure | RetryCandidate:
    """A transport error before the response headers arrived."""
    if isinstance(exc, httpx.ConnectTimeout):
        return RetryCandidate(failures.connect_timeout(where, limits), reason="connect timeout")
    if isinstance(exc, httpx.PoolTimeout):  # our own pool is full: retrying adds to the queue
        return failures.busy(where, limits)
    if isinstance(exc, httpx.ConnectError):
        return _connect_failure(where, exc)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        failure = failures.disconnected(where, answering=False, reason=_reason(exc))
        return RetryCandidate(failure, reason="connection dropped")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return failures.bad_url(url)
    return failures.disconnected(where, answering=False, reason=_reason(exc))


def _connect_failure(where: Where, exc: httpx.ConnectError) -> Failure | RetryCandidate:
    causes = list(_causes(exc))
    if any(isinstance(c, ssl.SSLError) for c in causes) or "CERTIFICATE_VERIFY" in str(exc):
        return failures.tls(where, _reason(exc))  # retrying cannot fix a certificate
    if any(isinstance(c, socket.gaierror) for c in causes):
        return RetryCandidate(failures.dns(where), reason="host name not resolved")
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return RetryCandidate(failures.refused(where), reason="connection refused")
    return RetryCandidate(failures.unreachable(where, _reason(exc)), reason="cannot connect")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    current: BaseException | None = exc
    for _ in range(10):  # chains are short; the bound only guards against cycles
        if current is None:
            return
        yield current
        current = current.__cause__ or current.__context__


def _reason(exc: BaseException) -> str:
    # httpx's ReadError usually has an empty message (reliability-security.md §6.1).
    text = errors.plain_text(str(exc), limit=120)
    if text:
        return text
    return "connection reset" if isinstance(exc, httpx.ReadError) else type(exc).__name__


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    """Read what follows the terminal event (normally just the end of the chunked body) so the
    connection returns to the pool instead of being dropped; bytes after [DONE] are ignored,
    and a peer that keeps sending is cut off after a few KiB or a moment."""
    left = DRAIN_MAX_BYTES
    try:
        async with asyncio.timeout(DRAIN_MAX_SECONDS):
            async for chunk in chunks:
                left -= len(chunk)
                if left < 0:
                    return
    except TimeoutError:
        return
