"""Request bodies with attachments: the same JSON as encoding the call whole, sent in pieces of
at most about a mebibyte of base64, built off the event loop (issue #12, item 2)."""

from __future__ import annotations

import base64
import os
import time

import pytest

from playground.providers.body import PIECE, encoded_call, json_body
from playground.providers.client import prepared_call
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


async def test_a_large_attachment_is_encoded_off_the_event_loop():
    """CPU time, not wall time: what the loop's own thread spends while the body is prepared,
    against what preparing it costs (a loaded machine slows both alike)."""
    video = Attachment(kind="video", mime="video/mp4", name="v.mp4", data=os.urandom(24 << 20))
    request = make_request("http://127.0.0.1:9", turns=(Turn("user", "What happens?", (video,)),))
    started = time.thread_time()
    encoded_call(request, build_call)
    cost = time.thread_time() - started
    started = time.thread_time()
    prepared = await prepared_call(request)
    on_loop = time.thread_time() - started
    assert prepared.body.length > 4 * (24 << 20) // 3
    assert on_loop < cost / 10, (on_loop, cost)
