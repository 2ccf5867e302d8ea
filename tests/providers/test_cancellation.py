"""Cancelling or abandoning a run closes the upstream connection promptly; CancelledError is not
swallowed. Side-by-side runs do not slow each other down."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from contextlib import aclosing

import pytest

from playground.providers.client import stream_events
from playground.providers.types import Finished, Retrying, TextDelta
from tests.providers.helpers import FAST, make_request, run
from tests.providers.upstream import Hang, Repeat, Reply, json_reply, sse

SLOW = dataclasses.replace(FAST, first_token=10, idle=10, total=20)


def content(text: str) -> bytes:
    return sse({"choices": [{"index": 0, "delta": {"content": text}}]})


async def consume_until(request, client, *, stop_when, limits=SLOW, sleep=asyncio.sleep):
    """A consumer task plus an event set when `stop_when(event)` first holds."""
    reached = asyncio.Event()

    async def consume():
        events = stream_events(client=client, request=request, limits=limits, sleep=sleep)
        async for event in events:
            if stop_when(event):
                reached.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(reached.wait(), timeout=3)
    return task


def busy_connections(client) -> list:
    """Connections of httpx's pool still serving a response (httpcore internals, tests only)."""
    pool = client._transport._pool
    return [c for c in pool.connections if not (c.is_idle() or c.is_closed())]


async def cancel(task: asyncio.Task) -> float:
    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return cancelled_at


@pytest.mark.parametrize("rest", [[Hang()], [Repeat(content("."), every=0.05)]])
async def test_cancelling_the_consumer_mid_stream_closes_the_upstream(upstream, client, rest):
    server = await upstream(Reply(body=[content("first"), *rest]))
    task = await consume_until(
        make_request(server.url), client, stop_when=lambda e: isinstance(e, TextDelta)
    )
    cancelled_at = await cancel(task)
    disconnected_at = await server.wait_disconnect(timeout=1.0)
    assert disconnected_at is not None and disconnected_at - cancelled_at < 1.0
    assert busy_connections(client) == []


async def test_cancelling_while_waiting_for_headers_closes_the_upstream(upstream, client):
    server = await upstream(Reply(head=False, body=[Hang()]))
    task = asyncio.create_task(run(client, make_request(server.url), limits=SLOW))
    while not server.requests:
        await asyncio.sleep(0.01)
    cancelled_at = await cancel(task)
    disconnected_at = await server.wait_disconnect(timeout=1.0)
    assert disconnected_at is not None and disconnected_at - cancelled_at < 1.0


async def test_cancelling_during_backoff_propagates_and_leaves_nothing_open(upstream, client):
    server = await upstream(json_reply(503, {"error": {"message": "busy"}}))
    never = asyncio.Event()

    async def sleep_forever(delay: float) -> None:
        await never.wait()

    task = await consume_until(
        make_request(server.url),
        client,
        sleep=sleep_forever,
        stop_when=lambda e: isinstance(e, Retrying),
    )
    await cancel(task)
    assert len(server.requests) == 1
    assert busy_connections(client) == []


async def test_leaving_the_loop_early_with_aclosing_closes_the_upstream(upstream, client):
    server = await upstream(Reply(body=[content("one"), Hang()]))
    request = make_request(server.url)
    async with aclosing(stream_events(client=client, request=request, limits=SLOW)) as events:
        async for event in events:
            if isinstance(event, TextDelta):
                left_at = time.monotonic()
                break
    disconnected_at = await server.wait_disconnect(timeout=1.0)
    assert disconnected_at is not None and disconnected_at - left_at < 1.0


async def test_one_stalled_run_does_not_slow_the_others(upstream, client):
    words = [content(f"w{i} ") for i in range(5)] + [b"data: [DONE]\n\n"]
    healthy = await upstream(Reply(body=words))
    stalled = await upstream(Reply(body=[content("stuck"), Hang()]))
    limits = dataclasses.replace(FAST, idle=1.0)
    started = time.monotonic()
    runs = [
        run(client, make_request(url), limits=limits)
        for url in (healthy.url, stalled.url, healthy.url)
    ]
    first, stuck, third = await asyncio.gather(*runs)
    assert first.end == third.end == Finished("stop") and first.text == "w0 w1 w2 w3 w4 "
    assert max(first.elapsed, third.elapsed) < 0.5
    assert stuck.failure.kind == "timeout_idle"
    assert time.monotonic() - started < 1.8
