"""The one redactor: key values out of any text that came from a provider (or may hold one).

For every secret it is given it removes
- any run of PIECE or more characters of it: the key whole, the key less a character or two, a
  piece of it that a provider or a model repeated;
- its usual masked forms, a mask followed by the key's tail and maybe led by its head:
  ``sk-abc…wxyz``, ``sk-abc*****wxyz``, ``sk-...wxyz``, ``****wxyz``.
Which secrets exist is the app's business (playground.redaction names them: the server's keys
and the session owner's stored keys); this module is pure text and Django-free, so the provider
client uses it on its own failures.

`redact_credentials` is the pattern half, for log lines only: Authorization headers, api-key
values, "key" fields and common key shapes, whatever the key (model text keeps its examples).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from playground.providers.types import Failure, UpstreamRequest

REDACTED = "[key redacted]"
MIN_SECRET_CHARS = 8  # shorter values are not keys, and blanking them would mangle text
PIECE = 8  # a run of this many characters of a key counts as the key
ANCHOR = PIECE // 2  # every PIECE-long run of a key holds one of its ANCHOR-aligned quarters
TAIL = 4  # masked forms show the key's last four characters (fewer for a short key)
MIN_HEAD = 2
MASK_CHARS = frozenset("*•·●….")


def usable(secrets: Iterable[str]) -> list[str]:
    """The values worth looking for, each once."""
    return sorted({s for s in secrets if s and len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True)


def secrets_of(request: UpstreamRequest) -> tuple[str, ...]:
    """What nothing that comes of `request` may show: its key, and the others it names."""
    return tuple(usable((request.endpoint.api_key, *request.secrets)))


class Redactor:
    """Secrets made ready for many texts (a run's every frame): a text holding no quarter and no
    tail of any of them, the usual case, is passed over with a few substring searches."""

    def __init__(self, secrets: Iterable[str]):
        self.secrets = usable(secrets)
        needles = {s[at : at + ANCHOR] for s in self.secrets for at in _anchors(s)}
        self.needles = tuple(needles | {_tail(s) for s in self.secrets})

    def __call__(self, text: str) -> str:
        if not text or not any(needle in text for needle in self.needles):
            return text
        spans = [span for secret in self.secrets for span in _spans(text, secret)]
        return _replaced(text, spans) if spans else text

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def __repr__(self) -> str:
        return f"<Redactor of {len(self.secrets)} secrets>"  # never the values


def redact(text: str, secrets: Iterable[str]) -> str:
    return Redactor(secrets)(text)


def redact_data(value, secrets: Iterable[str] | Redactor):
    """Every string in a JSON-like value, redacted."""
    clean = secrets if isinstance(secrets, Redactor) else Redactor(secrets)
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {key: redact_data(item, clean) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item, clean) for item in value]
    return value


def redact_failure(failure: Failure, secrets: Iterable[str] | Redactor) -> Failure:
    """The failure with the secrets taken out of both its messages."""
    clean = secrets if isinstance(secrets, Redactor) else Redactor(secrets)
    return dataclasses.replace(
        failure, message=clean(failure.message), provider_message=clean(failure.provider_message)
    )


def _spans(text: str, key: str):
    yield from _runs(text, key)
    yield from _masked(text, key)


def _anchors(key: str) -> range:
    return range(0, len(key) - ANCHOR + 1, ANCHOR)


def _tail(key: str) -> str:
    return key[-min(TAIL, len(key) // 3) :]


def _runs(text: str, key: str):
    """Every maximal run of PIECE or more characters of `key` in `text`, found through the
    quarters (a plain substring search in C) and grown a character at a time from there."""
    runs: list[tuple[int, int]] = []
    for at in _anchors(key):
        anchor = key[at : at + ANCHOR]
        found = text.find(anchor)
        while found != -1:
            if not any(start <= found and found + ANCHOR <= end for start, end in runs):
                start, end = _grown(text, key, found, at)
                if end - start >= PIECE:
                    runs.append((start, end))
            found = text.find(anchor, found + 1)
    return runs


def _grown(text: str, key: str, found: int, at: int) -> tuple[int, int]:
    left = 0
    while left < min(found, at) and text[found - left - 1] == key[at - left - 1]:
        left += 1
    right, end = 0, found + ANCHOR
    while end + right < len(text) and at + ANCHOR + right < len(key):
        if text[end + right] != key[at + ANCHOR + right]:
            break
        right += 1
    return found - left, end + right


def _masked(text: str, key: str):
    tail = _tail(key)
    found = text.find(tail)
    while found != -1:
        span = _masked_ending_at(text, key, found + len(tail))
        if span is not None:
            yield span
        found = text.find(tail, found + 1)


def _masked_ending_at(text: str, key: str, end: int) -> tuple[int, int] | None:
    """The masked form of `key` whose tail ends at `end`: [head] mask tail."""
    if end < len(text) and text[end].isalnum():  # "****wxyzzy" is a word, not a key's end
        return None
    mask_end = end - _suffix_length(text, key, end)
    mask_start = mask_end
    while mask_start > 0 and text[mask_start - 1] in MASK_CHARS:
        mask_start -= 1
    if text[mask_start:mask_end] in ("", "."):
        return None
    return mask_start - _head_length(text, key, mask_start), end


def _suffix_length(text: str, key: str, end: int) -> int:
    """How much of the key's end `text` shows just before `end`."""
    length = 0
    while length < min(end, len(key)) and text[end - length - 1] == key[-length - 1]:
        length += 1
    return length


def _head_length(text: str, key: str, end: int) -> int:
    """The longest head of the key (MIN_HEAD or more characters) that `text` shows before `end`."""
    for length in range(min(end, len(key) - 1), MIN_HEAD - 1, -1):
        if text.startswith(key[:length], end - length):
            return length
    return 0


def _replaced(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, at = [], 0
    for start, end in _merged(spans):
        pieces += [text[at:start], REDACTED]
        at = end
    return "".join(pieces) + text[at:]


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


CREDENTIAL_PATTERNS = (
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:bearer|basic)\s+)[^\s\"',;]+"),
    re.compile(r"(?i)((?:x-)?api[-_]key[\"']?\s*[:=]\s*[\"']?)[^\s\"',;]+"),
    re.compile(r"(?i)([\"']key[\"']\s*:\s*[\"'])[^\"']+"),
    re.compile(r"()\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"()\bgAAAAA[A-Za-z0-9_\-=]{40,}"),  # a Fernet token: an encrypted stored key
)


def redact_credentials(text: str) -> str:
    """Credentials by their shape, for log lines: a second line behind code that logs no key."""
    for pattern in CREDENTIAL_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text
