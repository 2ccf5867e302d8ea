"""Wire-level oddities over real loopback HTTP: framing split across TCP writes, compression,
mislabelled content types, and a full connection pool."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gzip

import httpx

from playground.providers.types import Finished
from tests.providers.helpers import FAST, make_request, run
from tests.providers.upstream import Hang, Pause, Reply, sse

DONE = b"data: [DONE]\n\n"


def content(text: str) -> bytes:
    return sse({"choices": [{"index": 0, "delta": {"content": text}}]})


async def test_bom_bare_cr_and_a_character_split_across_tcp_writes(upstream, client):
    snowman = '{"choices":[{"index":0,"delta":{"content":"it is \u2603 cold"}}]}'.encode()
    cut = snowman.index("\u2603".encode()) + 1  # inside the three-byte character
    server = await upstream(
        Reply(
            body=[
                b"\xef\xbb\xbfdata: " + snowman[:cut],
                Pause(0.05),
                snowman[cut:] + b"\r\r",
                b"data:" + content("!")[len(b"data: ") :].replace(b"\n", b"\r"),
                Pause(0.05),
                b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\r',
                Pause(0.05),
                b"\n\r\n",
                DONE,
            ]
        )
    )
    outcome = await run(client, make_request(server.url))
    assert outcome.text == "it is \u2603 cold!"
    assert outcome.end == Finished("stop")


async def test_gzip_encoded_stream_is_decoded(upstream, client):
    body = gzip.compress(content("zip") + content("ped") + DONE)
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    server = await upstream(Reply(headers=headers, body=[body[:20], body[20:]]))
    outcome = await run(client, make_request(server.url))
    assert outcome.text == "zipped" and outcome.end == Finished("stop")


async def test_corrupt_gzip_is_reported_as_malformed(upstream, client):
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    server = await upstream(Reply(headers=headers, body=[b"this is not gzip at all" * 10]))
    outcome = await run(client, make_request(server.url))
    assert outcome.failure.kind == "malformed"
    assert outcome.failure.message.startswith("Upstream sent malformed data")


async def test_sse_labelled_text_plain_is_still_parsed(upstream, client):
    server = await upstream(
        Reply(headers={"content-type": "text/plain"}, body=[content("plain"), DONE])
    )
    outcome = await run(client, make_request(server.url))
    assert outcome.text == "plain"


async def test_sse_answer_to_a_non_streaming_request_is_parsed_as_a_stream(upstream, client):
    server = await upstream(Reply(body=[content("streamed anyway"), DONE]))
    outcome = await run(client, make_request(server.url, stream=False))
    assert outcome.text == "streamed anyway" and outcome.end == Finished("stop")


async def test_a_full_connection_pool_fails_as_busy_instead_of_hanging(upstream):
    stalled = await upstream(Reply(body=[content("holding the only connection"), Hang()]))
    slow = dataclasses.replace(FAST, idle=5, total=10, connect=0.3)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=1)) as client:
        holder = asyncio.create_task(run(client, make_request(stalled.url), limits=slow))
        while not stalled.requests:
            await asyncio.sleep(0.01)
        outcome = await run(client, make_request(stalled.url), limits=slow)
        holder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await holder
    assert outcome.failure.kind == "timeout_connect"
    assert "no connection became free within 0.3 s" in outcome.failure.message
    assert outcome.elapsed < 1.0
