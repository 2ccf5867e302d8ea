"""A byte-level, incremental Server-Sent Events decoder (WHATWG rules, protocols.md §0).

Why not `str.splitlines()` / httpx `aiter_lines()`: they also split on U+2028, U+2029 and U+0085,
which JSON strings may contain raw. We split on CR, LF and CRLF bytes only; those bytes never occur
inside a UTF-8 multi-byte sequence, so a character split across chunks simply waits in the buffer
until its line is complete, and each complete line is decoded on its own.

Memory is bounded: a partial line longer than `max_line_bytes` (or one event's data growing past
it) raises `LineTooLong` as soon as it is seen, so the decoder never holds much more than the cap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_END = re.compile(rb"\r\n|\r|\n")
_BOM = "\ufeff"


class LineTooLong(Exception):
    """A line (or one event's data) exceeded the configured cap."""


@dataclass(frozen=True)
class SseEvent:
    event: str  # "message" when the stream gave no `event:` line
    data: str
    id: str = ""


class SseDecoder:
    """Feed raw body chunks, get complete events back. Incomplete trailing events are dropped."""

    def __init__(self, *, max_line_bytes: int) -> None:
        self._max = max_line_bytes
        self._partial = bytearray()
        self._skip_lf = False  # the previous chunk ended in CR: a leading LF belongs to it
        self._first_line = True
        self._event = ""
        self._data: list[str] = []
        self._data_size = 0
        self._id = ""

    def feed(self, chunk: bytes) -> list[SseEvent]:
        if self._skip_lf and chunk[:1] == b"\n":
            chunk = chunk[1:]
        self._skip_lf = chunk[-1:] == b"\r"
        events: list[SseEvent] = []
        start = 0
        for match in _LINE_END.finditer(chunk):
            self._take_line(self._complete(chunk[start : match.start()]), events)
            start = match.end()
        self._partial += chunk[start:]
        self._check_size(len(self._partial))
        return events

    def _complete(self, tail: bytes) -> bytes:
        if not self._partial:
            return tail
        line = bytes(self._partial) + tail
        self._partial.clear()
        return line

    def _check_size(self, size: int) -> None:
        if size > self._max:
            raise LineTooLong(f"SSE line or event longer than {self._max} bytes")

    def _take_line(self, raw: bytes, events: list[SseEvent]) -> None:
        self._check_size(len(raw))
        line = raw.decode("utf-8", errors="replace")
        if self._first_line:
            self._first_line = False
            line = line.removeprefix(_BOM)
        if not line:
            self._dispatch(events)
        elif not line.startswith(":"):  # a leading colon marks a comment (keep-alives)
            field, _, value = line.partition(":")
            self._take_field(field, value.removeprefix(" "))

    def _take_field(self, field: str, value: str) -> None:
        if field == "data":
            self._data_size += len(value) + 1
            self._check_size(self._data_size)
            self._data.append(value)
        elif field == "event":
            self._event = value
        elif field == "id" and "\0" not in value:
            self._id = value
        # `retry:` and unknown fields are ignored: LLM streams cannot be resumed anyway.

    def _dispatch(self, events: list[SseEvent]) -> None:
        if self._data:
            events.append(SseEvent(self._event or "message", "\n".join(self._data), self._id))
        self._event = ""
        self._data = []
        self._data_size = 0
