"""Model text as it can be stored and shown: provider JSON may carry UTF-16 surrogates as escapes.

Some servers escape text as UTF-16 and cut a chunk between the two halves of a pair (an emoji as
`"\\ud83d"` at the end of one delta and `"\\ude00"` at the start of the next); json decodes each
half alone, and a lone half cannot be encoded as UTF-8: the database, the page and every frame
would fail on it. So a high half at the end of a delta waits for the next delta of the same kind
and is joined with it; any half still alone, and NUL (which PostgreSQL cannot store), become
U+FFFD; a high half the stream ends on is dropped, as a UTF-8 decoder drops a cut character.
Text without any of them passes untouched (one C-speed check per delta).
"""

from __future__ import annotations

import re

from playground.providers.types import Event, ReasoningDelta, TextDelta

UNSTORABLE = re.compile("[\ud800-\udfff\x00]")
REPLACEMENT = "\ufffd"


def repaired(text: str) -> str:
    if UNSTORABLE.search(text) is None:
        return text
    joined = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return joined.replace("\x00", REPLACEMENT)


class SurrogateJoiner:
    """One per stream: holds a trailing high surrogate of each kind of delta."""

    def __init__(self) -> None:
        self.held: dict[type, str] = {TextDelta: "", ReasoningDelta: ""}

    def events(self, events: list[Event]) -> list[Event]:
        return [e for e in map(self._delta, events) if e is not None]

    def _delta(self, event: Event) -> Event | None:
        kind = type(event)
        if kind not in self.held:
            return event
        text, self.held[kind] = self.held[kind] + event.text, ""
        if text and "\ud800" <= text[-1] <= "\udbff":
            text, self.held[kind] = text[:-1], text[-1]
        text = repaired(text)
        return kind(text) if text else None
