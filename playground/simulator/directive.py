"""Simulator directives: per-request speed and fault injection.

Put ``[[sim key=value key=value ...]]`` anywhere in the **last user message**, or send the same
pairs in an HTTP header ``X-Simulator: key=value; key=value`` (pairs separated by ``;``, ``,``
or spaces; for a key given in both places the header wins). The directive text is removed from
the prompt before the answer is generated, so it never changes the answer; usage still counts the
text that was sent, as a real provider would.

Keys:

``tps=<number>``
    Tokens per second for this request (``0`` = as fast as possible, for benchmarks).
``ttft=<seconds>``
    Time to first token.
``fault=<name>``
    ``429`` → HTTP 429 with ``Retry-After`` (see ``retry_after``); ``500``, ``503`` (or any other
    4xx/5xx status, e.g. ``401``, ``529``) → that HTTP status, in the dialect's error envelope;
    ``disconnect`` → the stream ends abruptly after ``after`` tokens, without its terminal event
    (no ``[DONE]``, ``response.completed`` or ``message_stop``);
    ``stall`` → after ``after`` tokens nothing is sent for ``seconds`` seconds (the connection
    stays open; the stream resumes afterwards; a client that gives up ends it at once);
    ``malformed`` → after ``after`` tokens one event carries invalid JSON, then the stream goes on;
    ``error`` → after ``after`` tokens an error event in the dialect's shape, then the stream ends
    (chat: ``data: {"error": …}`` without ``[DONE]``; responses: ``event: error`` then
    ``response.failed``; messages: ``event: error`` with ``overloaded_error``).
    Non-streaming requests: ``stall`` delays the reply, ``error`` becomes HTTP 500 (messages: 529),
    ``disconnect`` and ``malformed`` return a cut or corrupted JSON body.
``retry_after=<seconds>``
    ``Retry-After`` value for HTTP faults (default 1; always sent with 429).
``after=<tokens>``
    Tokens (reasoning + answer) sent before a mid-stream fault (default 10).
``seconds=<seconds>``
    How long ``stall`` holds the connection silent (default 3600).
``times=<n>``
    The fault applies only to the first ``n`` requests with the same directive and prompt; later
    ones succeed (e.g. ``[[sim fault=429 times=1]]``: one 429, then the answer).

Examples: ``[[sim fault=429 retry_after=2]]``, ``[[sim tps=400 ttft=0]]``,
``[[sim fault=disconnect after=20]]``, header ``X-Simulator: fault=500; times=1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import SimulatorError

DIRECTIVE = re.compile(r"\[\[sim(?:\s+([^\]]*))?\]\]", re.IGNORECASE)
STREAM_FAULTS = ("disconnect", "stall", "malformed", "error")
NUMBER_KEYS = {"tps", "ttft", "retry_after", "seconds"}
INTEGER_KEYS = {"after", "times"}


@dataclass(frozen=True)
class Directive:
    tps: float | None = None
    ttft: float | None = None
    fault: str | None = None
    retry_after: float | None = None
    after: int = 10
    seconds: float = 3600.0
    times: int | None = None
    canonical: str = ""  # the pairs in a stable order: part of the times=N counting key

    @property
    def http_status(self) -> int | None:
        return int(self.fault) if self.fault and self.fault.isdigit() else None


def strip_directives(text: str) -> str:
    return DIRECTIVE.sub("", text).strip() if "[[" in text else text


def find_pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for match in DIRECTIVE.finditer(text):
        pairs.update(split_pairs(match.group(1) or ""))
    return pairs


def split_pairs(raw: str) -> dict[str, str]:
    pairs = {}
    for item in re.split(r"[;,\s]+", raw.strip()):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SimulatorError(400, f"Simulator directive: expected key=value, got {item!r}.")
        pairs[key.strip().lower()] = value.strip()
    return pairs


def build_directive(*, message_text: str, header_value: str | None) -> Directive:
    pairs = find_pairs(message_text)
    pairs.update(split_pairs(header_value or ""))
    values = {key: _convert(key, value) for key, value in pairs.items()}
    _check_fault(values.get("fault"))
    canonical = " ".join(f"{k}={pairs[k]}" for k in sorted(pairs))
    return Directive(**values, canonical=canonical)


def _convert(key: str, value: str) -> float | int | str:
    try:
        if key in NUMBER_KEYS:
            number = float(value)
        elif key in INTEGER_KEYS:
            number = int(value)
        elif key == "fault":
            return value.lower()
        else:
            known = ", ".join(sorted(NUMBER_KEYS | INTEGER_KEYS | {"fault"}))
            raise SimulatorError(400, f"Simulator directive: unknown key {key!r} (known: {known}).")
    except ValueError:
        raise SimulatorError(
            400, f"Simulator directive: {key}={value!r} is not a number."
        ) from None
    if number < 0 or number != number or number == float("inf"):
        raise SimulatorError(400, f"Simulator directive: {key} must be a finite number >= 0.")
    return number


def _check_fault(fault: str | None) -> None:
    if fault is None or fault in STREAM_FAULTS:
        return
    if fault.isdigit() and 400 <= int(fault) <= 599:
        return
    raise SimulatorError(
        400,
        f"Simulator directive: unknown fault {fault!r}; use an HTTP status "
        f"(429, 500, 503, …) or one of {', '.join(STREAM_FAULTS)}.",
    )
