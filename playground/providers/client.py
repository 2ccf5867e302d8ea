"""The upstream streaming client: one UpstreamRequest in, normalised events out.

`stream_events` never raises for upstream trouble. Every problem ends the stream with exactly one
Failure (after whatever text was already received); a good run ends with Finished. Usage, when
known, comes just before the terminal event (after a Failure it may be partial).
asyncio.CancelledError propagates, and the upstream response is always closed on the way out, so
cancelling the consuming task drops the upstream connection. Consumers that may stop iterating
early should wrap the generator in `contextlib.aclosing` so the connection closes at once.

Timeouts are ours (httpx's read timeout is per chunk, so it cannot express these):
  connect      httpx's connect timeout;
  first token  from the start of an attempt until the first text/reasoning delta;
  idle         the longest gap between content deltas; comments, pings and empty deltas do not
               count as content, so a trickle of keep-alives still times out;
  total        the whole run, retries and backoff included.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing

import httpx

from playground.providers import failures
from playground.providers.body import encoded_call
from playground.providers.clock import Clock
from playground.providers.dialects import build_call
from playground.providers.failures import Where
from playground.providers.redact import Redactor, redact_failure, secrets_of
from playground.providers.retry import RetryCandidate, delay_before_retry
from playground.providers.transport import Attempt, PreparedCall
from playground.providers.types import Event, Failure, Limits, Retrying, UpstreamRequest

Sleep = Callable[[float], Awaitable[object]]


async def stream_events(
    *,
    client: httpx.AsyncClient,
    request: UpstreamRequest,
    limits: Limits,
    sleep: Sleep = asyncio.sleep,
) -> AsyncIterator[Event]:
    """Call the upstream and yield its answer as normalised events (see the module docstring).

    Retries (at most limits.max_retries) happen only before the first token and are announced
    with a Retrying event before each wait; `sleep` is injectable so tests need not wait.
    """
    try:
        call = await prepared_call(request)
    except ValueError as exc:  # input this dialect cannot carry, e.g. video on Messages
        yield failures.unsupported_input(str(exc))
        return
    redact = Redactor(secrets_of(request))
    async with aclosing(_attempts(client, request, call, limits, sleep)) as events:
        async for event in events:
            # Some providers quote the key in a 401: it must not reach the page, the database
            # or a log line.
            yield redact_failure(event, redact) if isinstance(event, Failure) else event


async def prepared_call(request: UpstreamRequest) -> PreparedCall:
    """The call with its body encoded once for all attempts. With attachments, on a worker
    thread, in pieces short enough to let the event loop run in between (body.py)."""
    if any(turn.attachments for turn in request.turns):
        return await asyncio.to_thread(_prepare, request)
    return _prepare(request)


def _prepare(request: UpstreamRequest) -> PreparedCall:
    call, body = encoded_call(request, build_call)
    return PreparedCall(call=call, body=body)


async def _attempts(
    client: httpx.AsyncClient,
    request: UpstreamRequest,
    call: PreparedCall,
    limits: Limits,
    sleep: Sleep,
) -> AsyncIterator[Event]:
    clock, where = Clock.start(limits), Where.of(request)
    for retry_number in itertools.count():
        attempt = Attempt(client=client, prepared=call, where=where, request=request, clock=clock)
        async with aclosing(attempt.events()) as events:
            async for event in events:
                yield event
        step = _after(attempt.retry_candidate, retry_number=retry_number, clock=clock)
        if step is None:
            return
        yield step
        if isinstance(step, Failure):
            return
        await sleep(step.delay)


def _after(
    candidate: RetryCandidate | None, *, retry_number: int, clock: Clock
) -> Retrying | Failure | None:
    """After an attempt: nothing (it ended the run), a Retrying, or the Failure to give up with."""
    if candidate is None:
        return None
    delay = _delay(candidate, retry_number=retry_number, clock=clock)
    if delay is None:
        return candidate.failure
    return Retrying(attempt=retry_number + 1, delay=delay, reason=candidate.reason)


def _delay(candidate: RetryCandidate, *, retry_number: int, clock: Clock) -> float | None:
    """Seconds to wait before the next attempt, or None to give up now."""
    limits = clock.limits
    if retry_number >= limits.max_retries:
        return None
    delay = delay_before_retry(
        retry_number=retry_number, server_hint=candidate.server_hint, limits=limits
    )
    # Waiting past the total deadline would only turn this failure into a timeout later.
    if delay is None or delay >= clock.total_left():
        return None
    return delay
