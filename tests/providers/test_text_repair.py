"""Provider text that UTF-8 cannot carry, over real loopback HTTP: an emoji whose two UTF-16
halves arrive in separate deltas is joined again; a half alone, and NUL, become U+FFFD. Whatever
a provider sends, the run's text can be stored and framed."""

from __future__ import annotations

import json

from tests.providers.helpers import make_request, run
from tests.providers.test_stream_shapes import DONE, chunk
from tests.providers.upstream import Reply


def escaped(*chunks: dict) -> bytes:
    """SSE frames with JSON as many servers write it: non-ASCII escaped as UTF-16 (`\\ud83d`)."""
    return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks).encode("ascii")


async def test_a_surrogate_pair_split_across_deltas_is_joined(upstream, client):
    body = escaped(chunk("Smile \ud83d"), chunk("\ude00 done"), chunk(finish="stop"))
    server = await upstream(Reply(body=[body, DONE]))
    outcome = await run(client, make_request(server.url))
    assert outcome.text == "Smile 😀 done"


async def test_lone_surrogates_and_nul_become_replacement_characters(upstream, client):
    body = escaped(
        chunk("a\udc00b", reasoning="think\ud800"),
        chunk("c\x00d", reasoning="ing"),
        chunk("e\ud83d"),
        chunk(finish="stop"),
    )
    server = await upstream(Reply(body=[body, DONE]))
    outcome = await run(client, make_request(server.url))
    assert outcome.text == "a\ufffdbc\ufffdde"  # a half with nothing after it is dropped
    assert outcome.reasoning == "think\ufffding"
    (outcome.text + outcome.reasoning).encode("utf-8")  # storable: this raised before
