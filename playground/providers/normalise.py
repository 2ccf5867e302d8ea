"""The part of turning one dialect's SSE events into normalised events that all dialects share.

A normaliser is fed decoded SSE events and returns normalised events. Once it has returned a
Finished or a Failure it is `done`: the client stops reading and closes the connection, so bytes
after a terminator (e.g. after `[DONE]`, or Ark's `[DONE]` after `response.completed`) are ignored.
Usage is held back and emitted once, just before the terminal event, because several providers
send it cumulatively (keep the last), on the finish chunk, or on the error chunk itself.

A failure can be held too: after a Responses `error` event the terminal `response.failed` (which
may carry the usage) is still to come, so the failure waits for it, for the end of the body, or
for a short grace (transport.HELD_FAILURE_GRACE), whichever is first; any failure after that is
reported as the held one, which says what the provider said.

The normaliser also notes what content it produced (`received`), so failure messages never claim
a partial answer that does not exist.
"""

from __future__ import annotations

import json
from typing import Any

from playground.providers import failures
from playground.providers.errors import from_object
from playground.providers.failures import Received, Where
from playground.providers.sse import SseEvent
from playground.providers.text_repair import SurrogateJoiner
from playground.providers.types import Event, Failure, Finished, ReasoningDelta, TextDelta, Usage

MAX_MALFORMED = 3  # unreadable events skipped before the stream is given up as malformed
DONE_MARKER = "[DONE]"


class Normaliser:
    def __init__(self, *, where: Where) -> None:
        self.where = where
        self.done = False
        self.usage: Usage | None = None
        self.received: Received = "nothing"
        self.held: Failure | None = None
        self._malformed = 0
        self._surrogates = SurrogateJoiner()

    def feed(self, sse: SseEvent) -> list[Event]:
        if self.done or not sse.data.strip():
            return []
        return self.note(self._events(sse))

    def _events(self, sse: SseEvent) -> list[Event]:
        if sse.data.strip() == DONE_MARKER:
            return self.on_done_marker()
        payload = json_object(sse.data)
        if payload is None:
            return self._skip_malformed()
        return self.on_payload(payload, sse.event)

    def note(self, events: list[Event]) -> list[Event]:
        """Record whether text or reasoning has arrived; deltas come back storable (text_repair)."""
        events = self._surrogates.events(events)
        for event in events:
            if isinstance(event, TextDelta):
                self.received = "text"
            elif isinstance(event, ReasoningDelta) and self.received == "nothing":
                self.received = "reasoning"
        return events

    def on_payload(self, payload: dict[str, Any], event: str) -> list[Event]:
        raise NotImplementedError

    def on_done_marker(self) -> list[Event]:
        """`data: [DONE]` (Chat's terminator; Ark also sends it after a Responses stream)."""
        return self.end_of_stream()

    def end_of_stream(self) -> list[Event]:
        """The body ended. Subclasses that saw a finish reason finish instead."""
        return self.fail(failures.truncated(self.where, received=self.received))

    def finish(self, reason: str) -> list[Event]:
        self.done = True
        return [*self.pending_usage(), Finished(reason)]

    def fail(self, failure: Failure) -> list[Event]:
        """End with `failure` (or with the held one, which says what the provider said)."""
        self.done = True
        return [*self.pending_usage(), self.held or failure]

    def fail_with_error(self, error_object: dict[str, Any]) -> list[Event]:
        return self.fail(self.stream_error(error_object))

    def hold(self, error_object: dict[str, Any]) -> list[Event]:
        """Remember the provider's error; the stream ends when its terminal event comes."""
        self.held = self.held or self.stream_error(error_object)
        return []

    def stream_error(self, error_object: dict[str, Any]) -> Failure:
        return failures.stream_error(self.where, from_object(error_object), received=self.received)

    def pending_usage(self) -> list[Event]:
        """The usage seen so far (possibly partial), once."""
        usage, self.usage = self.usage, None
        return [usage] if usage is not None else []

    def _skip_malformed(self) -> list[Event]:
        self._malformed += 1
        if self._malformed > MAX_MALFORMED:
            failure = failures.malformed(self.where, count=self._malformed, received=self.received)
            return self.fail(failure)
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


def reasoning_count(details: Any) -> int:
    """Reasoning tokens from a usage details object. OpenAI and Ark say `reasoning_tokens`;
    Anthropic (output_tokens_details) and some compatible servers say `thinking_tokens`."""
    details = mapping(details)
    return count(details.get("reasoning_tokens")) or count(details.get("thinking_tokens"))


def text(value: Any) -> str:
    """A delta's text field that may be missing, null or empty."""
    return value if isinstance(value, str) else ""
