"""The deterministic token-counting rule shared by the simulator and the cost estimator.

Real tokenizers are not available offline, so the simulator counts (and the app estimates) with
one documented rule, which keeps simulated usage and the pre-send estimate consistent:

* text: every run of ASCII letters/digits counts ceil(len / 4) tokens (at least 1); every other
  non-space character (punctuation, CJK, emoji) counts 1;
* a message adds 4 tokens of framing, and a request adds 3 for priming the reply;
* an image counts by detail: low 256, high 1024, xhigh 2048 tokens;
* a video counts 256 tokens per extracted frame; its length is estimated from its size at
  1 Mbit/s (125,000 bytes per second), frames = max(1, round(seconds * fps)), fps default 1;
* a document counts 1 token per 6 bytes, at least 64.
"""

from __future__ import annotations

import math
import re

_PIECES = re.compile(r"[A-Za-z0-9]+|\S")
MESSAGE_OVERHEAD = 4
REPLY_PRIMING = 3
IMAGE_TOKENS = {"low": 256, "high": 1024, "xhigh": 2048}
VIDEO_TOKENS_PER_FRAME = 256
VIDEO_BYTES_PER_SECOND = 125_000
DOCUMENT_BYTES_PER_TOKEN = 6


def count_text_tokens(text: str) -> int:
    total = 0
    for piece in _PIECES.findall(text):
        total += (
            max(1, math.ceil(len(piece) / 4)) if piece[0].isascii() and piece[0].isalnum() else 1
        )
    return total


def split_text_tokens(text: str) -> list[str]:
    """Cut text into pieces of one token each (spaces stay attached to the following piece)."""
    pieces: list[str] = []
    for match in re.finditer(r"\s*(?:[A-Za-z0-9]+|\S)|\s+$", text):
        chunk = match.group(0)
        word = chunk.lstrip()
        if word and word[0].isascii() and word[0].isalnum() and len(word) > 4:
            lead = chunk[: len(chunk) - len(word)]
            parts = [word[i : i + 4] for i in range(0, len(word), 4)]
            pieces.append(lead + parts[0])
            pieces.extend(parts[1:])
        else:
            pieces.append(chunk)
    return pieces


def count_attachment_tokens(
    kind: str, size: int, *, detail: str | None = None, fps: float | None = None
) -> int:
    if kind == "image":
        return IMAGE_TOKENS.get(detail or "high", IMAGE_TOKENS["high"])
    if kind == "video":
        seconds = size / VIDEO_BYTES_PER_SECOND
        return max(1, round(seconds * (fps or 1.0))) * VIDEO_TOKENS_PER_FRAME
    if kind == "document":
        return max(64, math.ceil(size / DOCUMENT_BYTES_PER_TOKEN))
    return 0


def count_message_tokens(text: str) -> int:
    return MESSAGE_OVERHEAD + count_text_tokens(text)


_TRAILING_WORD = re.compile(r"[A-Za-z0-9]+$")


class TokenCounter:
    """count_text_tokens over text that arrives in pieces, in O(piece) per piece: a word cut
    between two pieces is held back until it ends, so the total equals counting the whole."""

    def __init__(self) -> None:
        self._counted = 0
        self._tail = ""

    def add(self, text: str) -> None:
        text = self._tail + text
        match = _TRAILING_WORD.search(text)
        self._tail = match.group(0) if match else ""
        self._counted += count_text_tokens(text[: match.start()] if match else text)

    @property
    def total(self) -> int:
        return self._counted + (count_text_tokens(self._tail) if self._tail else 0)
