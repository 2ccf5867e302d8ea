"""Simulator directives: per-request speed, fault injection, gates, key and prompt echoes.

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
    (chat: ``data: {"error": …}`` without ``[DONE]``, carrying the usage of what was sent when
    the request asked for usage, as OpenRouter does; responses: ``event: error`` then
    ``response.failed`` whose response carries the usage of what was sent; messages:
    ``event: error`` with ``overloaded_error``, after message_start's usage, whose output count
    is Anthropic's placeholder 1).
    Non-streaming requests: ``stall`` delays the reply, ``error`` becomes HTTP 500 (messages: 529),
    ``disconnect`` and ``malformed`` return a cut or corrupted JSON body.
``retry_after=<seconds>``
    ``Retry-After`` value for HTTP faults (default 1; always sent with 429).
``after=<tokens>``
    Tokens (reasoning + answer) sent before a mid-stream fault (default 10) or before the pause
    at a gate (default 1). ``after=0`` acts right after the stream's opening events, before any
    token. If the answer has fewer tokens, the fault or pause comes just before the terminal
    event.
``seconds=<seconds>``
    How long ``stall`` holds the connection silent (default 3600).
``times=<n>``
    The fault applies only to the first ``n`` requests with the same directive and prompt; later
    ones succeed (e.g. ``[[sim fault=429 times=1]]``: one 429, then the answer). Gates ignore it.
``gate=<name>``
    Streams normally until ``after`` tokens (default 1) have been sent, then pauses: the
    connection stays open and nothing is sent until the gate is released with
    ``POST <base>/gates/<name>/release`` (the simulator's base URL, e.g.
    ``/simulator/v1/gates/g1/release`` in the app); then the stream goes on to its end. A gate
    released before the stream reaches it means no pause; a released gate stays released, so
    use a fresh name per test. ``GET <base>/gates/<name>`` answers
    ``{"name", "released", "waiting"}`` (``waiting``: streams paused on it now), so a test can
    wait until its stream is paused. A paused stream gives up waiting after ``wait`` seconds and
    goes on; a client that disconnects while paused ends the stream at once. Names: letters,
    digits and ``_ . : -``, at most 64 characters. Gates live in the simulator process's memory
    (one per process, at most 4096 remembered). With a fault as well, the pause comes first.
    Non-streaming requests: the whole reply is held at the gate (``after`` does not apply).
``wait=<seconds>``
    The longest a stream stays paused at its gate (default 300).
``echo_key=1``
    With an HTTP fault (``fault=401``, ``403``, ``400`` …) or ``fault=error``, the error message
    repeats the API key the request carried (``Authorization: Bearer``, ``x-api-key`` or a JSON
    body field ``key``): once whole and once in each usual masked form (``sk-abc…wxyz``,
    ``sk-abc***************wxyz``, ``****wxyz``); see echo.py. For testing key redaction.

``refuse=1``
    The model declines: the answer is a short refusal, without reasoning, in the dialect's
    refusal shape (chat: ``delta.refusal`` chunks with ``content: null``, finish_reason
    ``stop``; responses: ``response.refusal.delta`` / ``.done`` and a ``refusal`` content part;
    messages: a text block and stop_reason ``refusal``). Usage counts the refusal as output.

``reply=echo``
    The answer, and the reasoning when thinking is on, are the last user message verbatim
    (directives removed, leading and trailing whitespace trimmed) instead of the generated text;
    with a fault, the error message ends with the same text (an HTTP fault's body and a
    mid-stream error event alike). For feeding exact hostile text through every rendering of
    model output, reasoning and provider errors (the XSS suite in tests/hostile/). ``max_tokens``
    and stop sequences still cut the answer.

``model=<id>``, ``dialect=<chat|responses|messages>``
    Scope: a directive naming them applies only to requests for that model (or dialect); the
    others ignore it. One prompt sent to several compare panes can so fail or slow just one:
    ``[[sim model=seed-2-0-lite fault=500]]``.

Examples: ``[[sim fault=429 retry_after=2]]``, ``[[sim tps=400 ttft=0]]``,
``[[sim fault=disconnect after=20]]``, header ``X-Simulator: fault=500; times=1``,
``[[sim gate=send-1 after=5]]``, ``[[sim fault=401 echo_key=1]]``,
``[[sim reply=echo fault=400]]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import SimulatorError

DIRECTIVE = re.compile(r"\[\[sim(?:\s+([^\]]*))?\]\]", re.IGNORECASE)
STREAM_FAULTS = ("disconnect", "stall", "malformed", "error")
NUMBER_KEYS = {"tps", "ttft", "retry_after", "seconds", "wait"}
INTEGER_KEYS = {"after", "times"}
FLAG_KEYS = {"echo_key", "refuse"}
REPLIES = ("echo",)
FLAGS = {
    **dict.fromkeys(("1", "true", "yes", "on"), True),
    **dict.fromkeys(("0", "false", "no", "off"), False),
}
GATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
FAULT_AFTER, GATE_AFTER = 10, 1  # default `after` for a fault and for a gate
GATE_WAIT = 300.0


@dataclass(frozen=True)
class Directive:
    tps: float | None = None
    ttft: float | None = None
    fault: str | None = None
    retry_after: float | None = None
    after: int | None = None  # None: the default of whatever uses it (FAULT_AFTER, GATE_AFTER)
    seconds: float = 3600.0
    times: int | None = None
    gate: str | None = None
    wait: float = GATE_WAIT
    echo_key: bool = False
    refuse: bool = False
    reply: str | None = None  # "echo": answer, reasoning and error text repeat the prompt
    canonical: str = ""  # the pairs in a stable order: part of the times=N counting key

    @property
    def http_status(self) -> int | None:
        return int(self.fault) if self.fault and self.fault.isdigit() else None

    @property
    def fault_after(self) -> int:
        return FAULT_AFTER if self.after is None else self.after

    @property
    def gate_after(self) -> int:
        return GATE_AFTER if self.after is None else self.after


def strip_directives(text: str) -> str:
    return DIRECTIVE.sub("", text).strip() if "[[" in text else text


def find_pairs(text: str, *, model: str = "", dialect: str = "") -> dict[str, str]:
    """The pairs of every directive that applies: one naming `model=` or `dialect=` applies
    only to requests for that model or dialect (so one prompt can fail a single compare pane)."""
    pairs: dict[str, str] = {}
    for match in DIRECTIVE.finditer(text):
        found = split_pairs(match.group(1) or "")
        wanted = {"model": found.pop("model", model), "dialect": found.pop("dialect", dialect)}
        if wanted == {"model": model, "dialect": dialect}:
            pairs.update(found)
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


def build_directive(
    *, message_text: str, header_value: str | None, model: str = "", dialect: str = ""
) -> Directive:
    pairs = find_pairs(message_text, model=model, dialect=dialect)
    pairs.update(split_pairs(header_value or ""))
    values = {key: _convert(key, value) for key, value in pairs.items()}
    _check_fault(values.get("fault"))
    canonical = " ".join(f"{k}={pairs[k]}" for k in sorted(pairs))
    return Directive(**values, canonical=canonical)


def _convert(key: str, value: str) -> float | int | str | bool:
    if key == "fault":
        return value.lower()
    if key == "gate":
        return _gate_name(value)
    if key == "reply":
        return _reply(value)
    if key in FLAG_KEYS:
        return _flag(key, value)
    if key not in NUMBER_KEYS | INTEGER_KEYS:
        names = NUMBER_KEYS | INTEGER_KEYS | FLAG_KEYS | {"fault", "gate", "reply"}
        known = ", ".join(sorted(names))
        raise SimulatorError(400, f"Simulator directive: unknown key {key!r} (known: {known}).")
    try:
        number = float(value) if key in NUMBER_KEYS else int(value)
    except ValueError:
        raise SimulatorError(
            400, f"Simulator directive: {key}={value!r} is not a number."
        ) from None
    if number < 0 or number != number or number == float("inf"):
        raise SimulatorError(400, f"Simulator directive: {key} must be a finite number >= 0.")
    return number


def _gate_name(value: str) -> str:
    if not GATE_NAME.fullmatch(value):
        raise SimulatorError(400, f"Simulator directive: {value!r} is not a valid gate name.")
    return value


def _reply(value: str) -> str:
    if value.lower() not in REPLIES:
        raise SimulatorError(400, f"Simulator directive: reply={value!r}; use reply=echo.")
    return value.lower()


def _flag(key: str, value: str) -> bool:
    if value.lower() not in FLAGS:
        raise SimulatorError(400, f"Simulator directive: {key}={value!r} is not 1 or 0.")
    return FLAGS[value.lower()]


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
