"""Server-sent event framing: every event ends with a blank line (protocols.md §0)."""

from __future__ import annotations

from typing import Any

from .transport import dumps

DONE = b"data: [DONE]\n\n"


def data_event(payload: Any) -> bytes:
    """A data-only event, as Chat Completions sends them."""
    return b"data: " + dumps(payload) + b"\n\n"


def named_event(name: str, payload: Any) -> bytes:
    """`event:` + `data:`, as Responses and Messages send them (JSON `type` repeats the name)."""
    return b"event: " + name.encode() + b"\ndata: " + dumps(payload) + b"\n\n"


def broken_event(name: str | None, payload: Any) -> bytes:
    """The same event with its JSON cut in half: what the `malformed` fault sends."""
    text = dumps(payload)
    head = b"event: " + name.encode() + b"\n" if name else b""
    return head + b"data: " + text[: max(1, len(text) // 2)] + b"\n\n"
