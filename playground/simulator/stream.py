"""Deliver a Completion through a dialect encoder: paced SSE, or one JSON body, with faults.

Both functions run under transport.run_until_disconnect, so a client that leaves cancels them at
their next await (a send or a sleep) and nothing keeps generating for a closed socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Protocol

from .completion import Completion, token_pieces
from .directive import STREAM_FAULTS, Directive
from .errors import SimulatorError
from .pacing import Pace
from .transport import Send, dumps, send_bytes, send_chunk, start_sse

REASONING, ANSWER = "reasoning", "answer"


class Encoder(Protocol):
    def opening(self) -> list[bytes]: ...
    def reasoning(self, text: str) -> list[bytes]: ...
    def answer(self, text: str) -> list[bytes]: ...
    def closing(self) -> list[bytes]: ...
    def error_event(self) -> list[bytes]: ...
    def malformed(self) -> bytes: ...
    def body(self) -> dict: ...


def batches(
    completion: Completion, *, size: int, split_at: int | None
) -> Iterator[tuple[str, str, int]]:
    """(kind, text, tokens) groups of at most `size` tokens, never straddling `split_at`."""
    sent = 0
    for kind, text in ((REASONING, completion.reasoning), (ANSWER, completion.answer)):
        pieces, start = token_pieces(text), 0
        while start < len(pieces):
            count = size
            if split_at is not None and sent < split_at < sent + count:
                count = split_at - sent
            group = pieces[start : start + count]
            yield kind, "".join(group), len(group)
            start, sent = start + len(group), sent + len(group)


def stream_fault(fault: Directive | None) -> Directive | None:
    return fault if fault is not None and fault.fault in STREAM_FAULTS else None


async def stream_reply(
    *, send: Send, encoder: Encoder, completion: Completion, pace: Pace, fault: Directive | None
) -> None:
    pending = stream_fault(fault)
    await start_sse(send)
    await send_chunk(send, b"".join(encoder.opening()))
    await pace.wait_for(0)
    sent = 0
    for kind, text, count in batches(
        completion, size=pace.batch_tokens, split_at=pending.after if pending else None
    ):
        if pending and sent >= pending.after:
            if await inject(pending, send=send, encoder=encoder, pace=pace):
                return
            pending = None
        frames = encoder.reasoning(text) if kind == REASONING else encoder.answer(text)
        await send_chunk(send, b"".join(frames))
        sent += count
        await pace.wait_for(sent)
    if pending and await inject(pending, send=send, encoder=encoder, pace=pace):
        return
    await send_chunk(send, b"".join(encoder.closing()), final=True)


async def inject(fault: Directive, *, send: Send, encoder: Encoder, pace: Pace) -> bool:
    """Apply a mid-stream fault; True when it ended the stream."""
    if fault.fault == "disconnect":
        # ASGI cannot reset a socket; ending the body here, before any terminal event, is the
        # closest portable equivalent (the client sees the stream stop mid-answer).
        await send_chunk(send, b"", final=True)
        return True
    if fault.fault == "error":
        await send_chunk(send, b"".join(encoder.error_event()), final=True)
        return True
    if fault.fault == "stall":
        await asyncio.sleep(fault.seconds)
        pace.postpone(fault.seconds)
    elif fault.fault == "malformed":
        await send_chunk(send, encoder.malformed())
    return False


async def single_reply(
    *,
    send: Send,
    encoder: Encoder,
    completion: Completion,
    pace: Pace,
    fault: Directive | None,
    dialect: str,
) -> None:
    """A non-streaming reply, sent after the time the whole stream would have taken."""
    await pace.wait_for(completion.usage.output_tokens)
    kind = fault.fault if stream_fault(fault) else None
    if kind == "stall":
        await asyncio.sleep(fault.seconds)
    if kind == "error":
        status = 529 if dialect == "messages" else 500
        raise SimulatorError(
            status,
            "The server had an error while processing your request (simulated: fault=error).",
        )
    body = dumps(encoder.body())
    if kind in ("disconnect", "malformed"):
        # A cut body (chunked, so no Content-Length promises more): the JSON cannot be parsed.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send_chunk(send, body[: len(body) // 2], final=True)
        return
    await send_bytes(send, status=200, body=body)
