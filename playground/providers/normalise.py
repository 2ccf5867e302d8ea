"""The part of turning one dialect's SSE events into normalised events that all dialects share.

A normaliser is fed decoded SSE events and returns normalised events. Once it has returned a
Finished or a Failure it is `done`: the client stops reading and closes the connection, so bytes
after a terminator (e.g. after `[DONE]`, or Ark's `[DONE]` after `response.completed`) are ignored.
Usage is held back and emitted once, just before the terminal event, because several providers
send it cumulatively (keep the last) or on the finish chunk.
"""

from __future__ import annotations

import json
from typing import Any

from playground.providers import failures
from playground.providers.errors import from_object
from playground.providers.failures import Where
from playground.providers.sse import SseEvent
from playground.providers.types import Event, Failure, Finished, Usage

MAX_MALFORMED = 3  # unreadable events skipped before the stream is given up as malformed
DONE_MARKER = "[DONE]"


class Normaliser:
    def __init__(self, *, where: Where) -> None:
        self.where = where
        self.done = False
        self.usage: Usage | None = None
        self._malformed = 0

    def feed(self, sse: SseEvent) -> list[Event]:
        if self.done or not sse.data.strip():
            return []
        if sse.data.strip() == DONE_MARKER:
            return self.on_done_marker()
        payload = json_object(sse.data)
        if payload is None:
            return self._skip_malformed()
        return self.on_payload(payload, sse.event)

    def on_payload(self, payload: dict[str, Any], event: str) -> list[Event]:
        raise NotImplementedError

    def on_done_marker(self) -> list[Event]:
        """`data: [DONE]` (Chat's terminator; Ark also sends it after a Responses stream)."""
        return self.end_of_stream()

    def end_of_stream(self) -> list[Event]:
        """The body ended. Subclasses that saw a finish reason finish instead."""
        return self.fail(failures.truncated(self.where))

    def finish(self, reason: str) -> list[Event]:
        self.done = True
        return [*self.pending_usage(), Finished(reason)]

    def fail(self, failure: Failure) -> list[Event]:
        self.done = True
        return [*self.pending_usage(), failure]

    def fail_with_error(self, error_object: dict[str, Any]) -> list[Event]:
        return self.fail(failures.stream_error(self.where, from_object(error_object)))

    def pending_usage(self) -> list[Event]:
        """The usage seen so far (possibly partial), once."""
        usage, self.usage = self.usage, None
        return [usage] if usage is not None else []

    def _skip_malformed(self) -> list[Event]:
        self._malformed += 1
        if self._malformed > MAX_MALFORMED:
            return self.fail(failures.malformed(self.where, count=self._malformed))
        return []


def json_object(data: str) -> dict[str, Any] | None:
    try:
        payload = json.loads(data)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def count(value: Any) -> int:
    """A token count from a JSON field that may be missing, null or not a number."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def mapping(value: Any) -> dict[str, Any]:
    """A JSON object field that may be missing or null."""
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str:
    """A delta's text field that may be missing, null or empty."""
    return value if isinstance(value, str) else ""
