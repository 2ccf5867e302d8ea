"""Request bodies with attachments: the same JSON as encoding the call whole, sent in pieces of
at most about a mebibyte of base64, built off the event loop (issue #12, item 2)."""

from __future__ import annotations

import asyncio
import base64
import os
import time

import pytest

from playground.providers.body import PIECE, encoded_call, json_body
from playground.providers.dialects import build_call
from playground.providers.types import Attachment, Finished, Turn
from tests.providers.helpers import make_request, run
from tests.providers.upstream import Reply, sse

IMAGE = Attachment(kind="image", mime="image/png", name="a.png", data=os.urandom(2_000_003))
PDF = Attachment(kind="document", mime="application/pdf", name="b.pdf", data=os.urandom(999))
TEXT = Attachment(kind="document", mime="text/plain", name="c.txt", data=b"plain words")


def conversation(*files: Attachment) -> tuple[Turn, ...]:
    return (
        Turn("user", "Look at this", attachments=files[:1]),
        Turn("assistant", "I see it."),
        Turn("user", "And these?", attachments=files),
    )


@pytest.mark.parametrize("dialect", ["chat", "responses", "messages"])
@pytest.mark.parametrize("files", [(IMAGE, PDF), (IMAGE, PDF, TEXT)], ids=["binary", "text-too"])
def test_a_body_with_attachments_is_exactly_the_json_of_the_whole_call(dialect, files):
    request = make_request("http://127.0.0.1:9", dialect, turns=conversation(*files))
    _, body = encoded_call(request, build_call)
    assert b"".join(body.pieces) == json_body(build_call(request).json)


def test_a_large_attachment_goes_out_in_pieces_of_at_most_a_mebibyte_of_base64():
    video = Attachment(kind="video", mime="video/mp4", name="v.mp4", data=os.urandom(9 << 20))
    request = make_request("http://127.0.0.1:9", turns=conversation(video))
    _, body = encoded_call(request, build_call)
    assert max(len(piece) for piece in body.pieces) <= len(base64.b64encode(bytes(PIECE)))
    assert len(body.pieces) > 2 * (9 << 20) // PIECE  # both turns carry it, piece by piece


async def test_the_upstream_receives_the_spliced_body_with_its_length(upstream, client):
    done = sse({"choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}]})
    server = await upstream(Reply(body=[done, b"data: [DONE]\n\n"]))
    request = make_request(server.url, turns=conversation(IMAGE, PDF))
    outcome = await run(client, request)
    assert isinstance(outcome.events[-1], Finished)
    sent = server.requests[0]
    assert sent.body == json_body(build_call(request).json)
    assert int(sent.headers["content-length"]) == len(sent.body)


async def test_encoding_a_large_attachment_leaves_the_event_loop_free(upstream, client):
    """A 40 MiB video encoded in one piece on the loop holds it for the whole encoding; here the
    loop keeps ticking while the body is built and sent."""
    video = Attachment(kind="video", mime="video/mp4", name="v.mp4", data=os.urandom(40 << 20))
    alone = make_request("http://127.0.0.1:9", turns=(Turn("user", "x", (video,)),))
    started = time.perf_counter()
    json_body(build_call(alone).json)  # what the loop would do without body.py
    whole = time.perf_counter() - started
    server = await upstream(Reply(body=[b"data: [DONE]\n\n"]))
    request = make_request(server.url, turns=(Turn("user", "What happens?", (video,)),))
    ticks = asyncio.create_task(longest_tick_gap(seconds=max(2.0, 3 * whole)))
    await run(client, request)
    assert len(server.requests[0].body) > 4 * (40 << 20) // 3  # all of it went
    assert await ticks < whole / 2, (await ticks, whole)


async def longest_tick_gap(*, seconds: float) -> float:
    longest, last, end = 0.0, time.perf_counter(), time.perf_counter() + seconds
    while (now := time.perf_counter()) < end:
        longest, last = max(longest, now - last), now
        await asyncio.sleep(0.001)
    return longest
