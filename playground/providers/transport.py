"""One attempt at the upstream call: send, check the status, then stream (or read) the answer.

An attempt yields normalised events, ending in Finished or Failure, or instead ends with a
RetryCandidate when the problem happened before any answer and the retry policy allows another
try (the client decides whether one is left).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field

import httpx

from playground.providers import errors, failures
from playground.providers.body import EncodedBody
from playground.providers.clock import Clock, Expired
from playground.providers.connect import before_response, reason_of
from playground.providers.dialects import events_from_body, new_normaliser
from playground.providers.failures import Where
from playground.providers.network import pace_reads
from playground.providers.normalise import Normaliser, json_object
from playground.providers.retry import RetryCandidate, retry_after, should_retry_status
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
# After an error event, how long to wait for the terminal event that may carry the usage.
HELD_FAILURE_GRACE = 1.0


class BodyTooBig(Exception):
    pass


@dataclass(frozen=True)
class PreparedCall:
    """A call and its encoded body: encoded once, sent by every attempt. The body is what is
    sent; `call.json` may hold the stand-ins of its files (body.py)."""

    call: HttpCall
    body: EncodedBody


@dataclass
class Attempt:
    client: httpx.AsyncClient
    prepared: PreparedCall
    where: Where
    request: UpstreamRequest
    clock: Clock
    normaliser: Normaliser = field(init=False)
    # Set instead of yielding the Failure when the policy would retry it; the client decides.
    retry_candidate: RetryCandidate | None = field(init=False, default=None)

    @property
    def call(self) -> HttpCall:
        return self.prepared.call

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
                headers={**self.call.headers, "Content-Length": str(self.prepared.body.length)},
                content=self.prepared.body.stream(),
                timeout=timeout,
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            return failures.bad_url(self.call.url)
        try:
            return await self.clock.within(lambda: self.client.send(http_request, stream=True))
        except Expired as expired:
            return self._timeout(expired)
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
        received, network = 0, response.extensions.get("network_stream")
        async with aclosing(response.aiter_bytes()) as chunks:
            try:
                async with self.clock.watching():
                    while not self.normaliser.done:
                        chunk = await self._next_chunk(chunks)
                        if chunk is None:
                            events = self.normaliser.end_of_stream()
                        else:
                            received = self._count(received, chunk)
                            events = [
                                e for sse in decoder.feed(chunk) for e in self.normaliser.feed(sse)
                            ]
                        for event in events:
                            yield event
                            # After the consumer took the event: its own pace is not counted.
                            if isinstance(event, TextDelta | ReasoningDelta):
                                self.clock.content_seen()
                        if self.clock.last_content is not None:  # the first token came at once
                            pace_reads(network, self.limits.read_every)
            finally:  # the connection goes back to the pool: its next request reads at once
                pace_reads(network, 0)
            await _drain(chunks)

    async def _next_chunk(self, chunks: AsyncIterator[bytes]) -> bytes | None:
        """The next piece of the body, or None at its end (the clock watches the deadlines).
        While a failure is held (an error event came; its terminal event may follow) the wait
        is short: then it counts as the end."""
        if self.normaliser.held is None:
            return await anext(chunks, None)
        try:
            async with asyncio.timeout(HELD_FAILURE_GRACE):
                return await anext(chunks, None)
        except TimeoutError:
            return None

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
            return [failures.undecodable(self.where, received="nothing")]
        if payload.get("error"):
            return [self.normaliser.stream_error(payload)]
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
            sent_bytes=self.prepared.body.length,
        )
        if failure.kind != "quota" and should_retry_status(status, response.headers):
            return RetryCandidate(failure, reason=f"HTTP {status}", server_hint=hint)
        return failure

    def _too_big(self, exc: LineTooLong | BodyTooBig) -> Failure:
        limits, received = self.limits, self.normaliser.received
        if isinstance(exc, LineTooLong):
            return failures.too_big(
                self.where, what="a line", limit=limits.max_line_bytes, received=received
            )
        return failures.too_big(
            self.where, what="a response", limit=limits.max_body_bytes, received=received
        )

    def _timeout(self, expired: Expired) -> Failure:
        received = self.normaliser.received
        if expired.kind == "timeout_first_token":
            return failures.first_token_timeout(self.where, self.limits)
        if expired.kind == "timeout_idle":
            return failures.idle_timeout(self.where, self.limits, received=received)
        return failures.total_timeout(self.where, self.limits, received=received)

    def _failure_while_reading(self, exc: Exception) -> Failure:
        received = self.normaliser.received
        if isinstance(exc, Expired):
            return self._timeout(exc)
        if isinstance(exc, LineTooLong | BodyTooBig):
            return self._too_big(exc)
        if isinstance(exc, httpx.DecodingError):
            return failures.undecodable(self.where, received=received)
        return failures.disconnected(self.where, received=received, reason=reason_of(exc))


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
