"""Deliver a Completion through a dialect encoder: paced SSE, or one JSON body, with faults and
gates (a pause until a test releases the gate).

Both functions run under transport.run_until_disconnect, so a client that leaves cancels them at
their next await (a send or a sleep) and nothing keeps generating for a closed socket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from .completion import Completion, token_pieces
from .directive import STREAM_FAULTS, Directive
from .echo import with_key
from .errors import SimulatorError
from .gates import Gate, Gates
from .pacing import Pace
from .request import SimRequest
from .transport import Send, dumps, send_bytes, send_chunk, start_sse

REASONING, ANSWER = "reasoning", "answer"


class Encoder(Protocol):
    request: SimRequest

    def opening(self) -> list[bytes]: ...
    def reasoning(self, text: str) -> list[bytes]: ...
    def answer(self, text: str) -> list[bytes]: ...
    def closing(self) -> list[bytes]: ...
    def error_event(self) -> list[bytes]: ...
    def malformed(self) -> bytes: ...
    def body(self) -> dict: ...


def batches(
    completion: Completion, *, size: int, split_at: tuple[int, ...] = ()
) -> Iterator[tuple[str, str, int]]:
    """(kind, text, tokens) groups of at most `size` tokens, never straddling a `split_at`."""
    sent = 0
    for kind, text in ((REASONING, completion.reasoning), (ANSWER, completion.answer)):
        pieces, start = token_pieces(text), 0
        while start < len(pieces):
            count = min([size] + [point - sent for point in split_at if sent < point < sent + size])
            group = pieces[start : start + count]
            yield kind, "".join(group), len(group)
            start, sent = start + len(group), sent + len(group)


def stream_fault(fault: Directive | None) -> Directive | None:
    return fault if fault is not None and fault.fault in STREAM_FAULTS else None


@dataclass(frozen=True)
class GatePause:
    """Pause at a gate once `after` tokens went out (gate=… directive; see gates.py)."""

    gate: Gate
    after: int
    wait: float

    async def reach(self, *, send: Send, encoder: Encoder, pace: Pace) -> bool:
        pace.postpone(await self.gate.wait(timeout=self.wait))
        return False


@dataclass(frozen=True)
class FaultAt:
    """A mid-stream fault once `after` tokens went out."""

    fault: Directive

    @property
    def after(self) -> int:
        return self.fault.fault_after

    async def reach(self, *, send: Send, encoder: Encoder, pace: Pace) -> bool:
        return await inject(self.fault, send=send, encoder=encoder, pace=pace)


def gate_pause(directive: Directive, gates: Gates) -> GatePause | None:
    if directive.gate is None:
        return None
    return GatePause(gates.get(directive.gate), after=directive.gate_after, wait=directive.wait)


def checkpoints(fault: Directive | None, gate: GatePause | None) -> list[GatePause | FaultAt]:
    """In stream order; at the same token count the gate pauses before the fault fires."""
    pending = stream_fault(fault)
    found = [gate, FaultAt(pending) if pending else None]
    return sorted((c for c in found if c is not None), key=lambda c: c.after)


async def stream_reply(
    *,
    send: Send,
    encoder: Encoder,
    completion: Completion,
    pace: Pace,
    fault: Directive | None,
    gate: GatePause | None = None,
) -> None:
    pending = checkpoints(fault, gate)
    await start_sse(send)
    await send_chunk(send, b"".join(encoder.opening()))
    await pace.wait_for(0)
    sent, split_at = 0, tuple(c.after for c in pending)
    for kind, text, count in batches(completion, size=pace.batch_tokens, split_at=split_at):
        while pending and sent >= pending[0].after:
            if await pending.pop(0).reach(send=send, encoder=encoder, pace=pace):
                return
        frames = encoder.reasoning(text) if kind == REASONING else encoder.answer(text)
        await send_chunk(send, b"".join(frames))
        sent += count
        await pace.wait_for(sent)
    for checkpoint in pending:  # the answer was shorter than `after`
        if await checkpoint.reach(send=send, encoder=encoder, pace=pace):
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
    gate: GatePause | None = None,
) -> None:
    """A non-streaming reply, sent after the time the whole stream would have taken (and after
    its gate, if any, was released)."""
    await pace.wait_for(completion.usage.output_tokens)
    if gate is not None:
        await gate.gate.wait(timeout=gate.wait)
    kind = fault.fault if stream_fault(fault) else None
    if kind == "stall":
        await asyncio.sleep(fault.seconds)
    if kind == "error":
        status = 529 if dialect == "messages" else 500
        message = "The server had an error while processing your request (simulated: fault=error)."
        raise SimulatorError(status, with_key(message, encoder.request))
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
