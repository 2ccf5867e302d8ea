"""Keep an API key out of error text: providers echo it (whole, or masked as `sk-abc…wxyz`) in
some 401 messages, and those messages are shown, stored and logged."""

from __future__ import annotations

import dataclasses
import re

from playground.providers.types import Failure

REDACTED = "[key redacted]"
PIECE = 8  # any run of this many characters of the key counts as the key


def scrub_key(text: str, key: str) -> str:
    if not key or not text:
        return text
    text = text.replace(key, REDACTED)
    if len(key) < PIECE:
        return text
    head = re.escape(key[: min(6, len(key) // 3)])
    text = re.sub(head + r"\S*[*…•]\S*", REDACTED, text)  # sk-abc…wxyz, sk-abc*****wxyz
    for start in range(len(key) - PIECE + 1):
        piece = key[start : start + PIECE]
        if piece in text:
            text = text.replace(piece, REDACTED)
    return text


def scrubbed(failure: Failure, key: str) -> Failure:
    """The failure with the key taken out of both its messages."""
    if not key:
        return failure
    return dataclasses.replace(
        failure,
        message=scrub_key(failure.message, key),
        provider_message=scrub_key(failure.provider_message, key),
    )
