"""Anthropic Messages encoder (protocols.md §3).

Stream: message_start (usage with input and cache counts), a `thinking` block (thinking_delta* then
one signature_delta) when thinking is on, a `text` block, one message_delta with the cumulative
usage and the stop reason, message_stop; a ping after the first block starts, as the API does.
input_tokens excludes cache reads (cache_read_input_tokens), as Anthropic reports them.
"""

from __future__ import annotations

import base64
import hashlib
import uuid

from .completion import MAX_TOKENS, REFUSED, STOP_SEQUENCE, Completion
from .echo import echoed_error
from .request import SimRequest
from .sse import broken_event, named_event

STOP_REASONS = {MAX_TOKENS: "max_tokens", STOP_SEQUENCE: "stop_sequence", REFUSED: "refusal"}
MIDSTREAM_ERROR = {"type": "overloaded_error", "message": "Overloaded (simulated: fault=error)"}


def usage_body(completion: Completion, *, output_tokens: int | None = None) -> dict:
    usage = completion.usage
    return {
        "input_tokens": usage.input_tokens - usage.cached_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": usage.cached_tokens,
        "output_tokens": usage.output_tokens if output_tokens is None else output_tokens,
    }


def signature(text: str) -> str:
    """Stands in for Anthropic's opaque thinking signature: stable for the same reasoning."""
    return base64.b64encode(hashlib.sha256(text.encode()).digest() * 3).decode()


class MessagesEncoder:
    def __init__(self, *, request: SimRequest, completion: Completion):
        self.request, self.completion = request, completion
        self.id = f"msg_{uuid.uuid4().hex[:24]}"
        self.index = -1  # index of the open content block
        self.open_kind: str | None = None
        self.pinged = False
        self.text_started = False

    @property
    def stop_reason(self) -> str:
        return STOP_REASONS.get(self.completion.finish, "end_turn")

    def message(self, *, content: list, final: bool) -> dict:
        return {
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.request.model,
            "content": content,
            "stop_reason": self.stop_reason if final else None,
            "stop_sequence": self.completion.stop_sequence if final else None,
            "usage": usage_body(self.completion, output_tokens=None if final else 1),
        }

    def body(self) -> dict:
        content = []
        if self.completion.reasoning:
            content.append(
                {
                    "type": "thinking",
                    "thinking": self.completion.reasoning,
                    "signature": signature(self.completion.reasoning),
                }
            )
        content.append({"type": "text", "text": self.completion.answer})
        return self.message(content=content, final=True)

    # --- events ---------------------------------------------------------------------------------

    def opening(self) -> list[bytes]:
        start = {"type": "message_start", "message": self.message(content=[], final=False)}
        return [named_event("message_start", start)]

    def _start_block(self, kind: str) -> list[bytes]:
        self.index += 1
        self.open_kind = kind
        block = (
            {"type": "thinking", "thinking": "", "signature": ""}
            if kind == "thinking"
            else {"type": "text", "text": ""}
        )
        frames = [
            named_event(
                "content_block_start",
                {"type": "content_block_start", "index": self.index, "content_block": block},
            )
        ]
        if not self.pinged:
            self.pinged = True
            frames.append(named_event("ping", {"type": "ping"}))
        return frames

    def _delta(self, delta: dict) -> bytes:
        return named_event(
            "content_block_delta",
            {"type": "content_block_delta", "index": self.index, "delta": delta},
        )

    def _stop_block(self) -> list[bytes]:
        if self.open_kind is None:
            return []
        frames = []
        if self.open_kind == "thinking":
            frames.append(
                self._delta(
                    {"type": "signature_delta", "signature": signature(self.completion.reasoning)}
                )
            )
        frames.append(
            named_event("content_block_stop", {"type": "content_block_stop", "index": self.index})
        )
        self.open_kind = None
        return frames

    def reasoning(self, text: str) -> list[bytes]:
        frames = [] if self.open_kind == "thinking" else self._start_block("thinking")
        return [*frames, self._delta({"type": "thinking_delta", "thinking": text})]

    def _ensure_text_block(self) -> list[bytes]:
        if self.text_started:
            return []
        self.text_started = True
        return [*self._stop_block(), *self._start_block("text")]

    def answer(self, text: str) -> list[bytes]:
        return [*self._ensure_text_block(), self._delta({"type": "text_delta", "text": text})]

    def closing(self) -> list[bytes]:
        frames = [*self._ensure_text_block(), *self._stop_block()]
        delta = {
            "type": "message_delta",
            "delta": {
                "stop_reason": self.stop_reason,
                "stop_sequence": self.completion.stop_sequence,
            },
            "usage": usage_body(self.completion),
        }
        return [
            *frames,
            named_event("message_delta", delta),
            named_event("message_stop", {"type": "message_stop"}),
        ]

    def error_event(self) -> list[bytes]:
        error = echoed_error(MIDSTREAM_ERROR, self.request)
        return [named_event("error", {"type": "error", "error": error})]

    def malformed(self) -> bytes:
        payload = {
            "type": "content_block_delta",
            "index": max(self.index, 0),
            "delta": {"type": "text_delta", "text": "…"},
        }
        return broken_event("content_block_delta", payload)
