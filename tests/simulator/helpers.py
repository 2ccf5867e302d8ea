"""Small clients for the simulator tests: JSON posts, raw SSE reading and the token rule."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from playground.tokens import REPLY_PRIMING, count_message_tokens, count_text_tokens

PATHS = {"chat": "/chat/completions", "responses": "/responses", "messages": "/messages"}
DIALECTS = ["chat", "responses", "messages"]
TERMINAL = {"chat": "[DONE]", "responses": "response.completed", "messages": "message_stop"}
FAST = {"X-Simulator": "tps=0 ttft=0"}


@dataclass
class Event:
    event: str | None
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class StreamResult:
    status: int
    headers: httpx.Headers
    raw: bytes
    events: list[Event] = field(default_factory=list)

    @property
    def payloads(self) -> list[Any]:
        return [e.json() for e in self.events if e.data != "[DONE]"]


@dataclass(frozen=True)
class Simulator:
    base_url: str

    @property
    def origin(self) -> str:
        return self.base_url.removesuffix("/simulator/v1")

    def post(
        self, dialect: str, body: dict, *, headers: dict | None = None, timeout: float = 30
    ) -> httpx.Response:
        return httpx.post(
            self.base_url + PATHS[dialect],
            json=body,
            headers={**FAST, **(headers or {})},
            timeout=timeout,
        )

    def stream_in_background(
        self, dialect: str, body: dict, *, headers: dict | None = None
    ) -> BackgroundStream:
        url = self.base_url + PATHS[dialect]
        return BackgroundStream(url, {**body, "stream": True}, headers={**FAST, **(headers or {})})

    def stream(self, dialect: str, body: dict, *, headers: dict | None = None) -> StreamResult:
        with httpx.stream(
            "POST",
            self.base_url + PATHS[dialect],
            json={**body, "stream": True},
            headers={**FAST, **(headers or {})},
            timeout=30,
        ) as response:
            raw = response.read()
        result = StreamResult(status=response.status_code, headers=response.headers, raw=raw)
        if response.status_code == 200:
            result.events = parse_sse(raw)
        return result

    def stats(self) -> dict:
        return httpx.get(self.base_url + "/_stats", timeout=5).json()

    def gate(self, name: str) -> dict:
        reply = httpx.get(f"{self.base_url}/gates/{name}", timeout=5)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def release(self, name: str) -> httpx.Response:
        return httpx.post(f"{self.base_url}/gates/{name}/release", timeout=5)

    def wait_paused(self, name: str, *, waiting: int = 1, seconds: float = 5.0) -> dict:
        """The gate's state once `waiting` streams are paused on it (fails after `seconds`)."""
        deadline = time.monotonic() + seconds
        while (state := self.gate(name))["waiting"] != waiting:
            assert time.monotonic() < deadline, f"gate {name}: {state}"
            time.sleep(0.01)
        return state

    def wait_idle(self, *, seconds: float = 2.0) -> float:
        """Seconds until no request is active any more (fails after `seconds`)."""
        start = time.monotonic()
        while self.stats()["active"]:
            assert time.monotonic() - start < seconds, "the simulator kept working"
            time.sleep(0.02)
        return time.monotonic() - start


class BackgroundStream:
    """A streaming POST read on a thread, so a test can look at what arrived while it pauses."""

    def __init__(self, url: str, body: dict, *, headers: dict) -> None:
        self.chunks: list[bytes] = []
        self.status: int | None = None
        self._thread = threading.Thread(target=self._read, args=(url, body, headers), daemon=True)
        self._thread.start()

    def _read(self, url: str, body: dict, headers: dict) -> None:
        with httpx.stream("POST", url, json=body, headers=headers, timeout=30) as response:
            self.status = response.status_code
            for chunk in response.iter_raw():
                self.chunks.append(chunk)

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def so_far(self) -> StreamResult:
        raw = b"".join(self.chunks)
        return StreamResult(
            status=self.status or 0,
            headers=httpx.Headers(),
            raw=raw,
            events=parse_sse(raw) if raw else [],
        )

    def result(self, *, seconds: float = 10.0) -> StreamResult:
        self._thread.join(seconds)
        assert self.done, "the stream did not end"
        return self.so_far()


def parse_sse(raw: bytes) -> list[Event]:
    """Strict reader: every event must end with a blank line; lines end with LF only."""
    text = raw.decode("utf-8")
    assert text.endswith("\n\n"), "the last event is not terminated by a blank line"
    events = []
    for block in text[:-2].split("\n\n"):
        fields: dict[str, list[str]] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            fields.setdefault(name, []).append(value)
        events.append(
            Event(event=(fields.get("event") or [None])[0], data="\n".join(fields.get("data", [])))
        )
    return events


def unique(text: str) -> str:
    """A prompt no other test sends (fault counters and caches are keyed by the prompt)."""
    return f"{text} (case {uuid.uuid4().hex[:8]})"


def chat_body(prompt: str, **extra: Any) -> dict:
    return {"model": "seed-2-0-mini", "messages": [{"role": "user", "content": prompt}], **extra}


def responses_body(prompt: str, **extra: Any) -> dict:
    return {"model": "seed-2-0-mini", "input": prompt, **extra}


def messages_body(prompt: str, **extra: Any) -> dict:
    return {
        "model": "seed-2-0-mini",
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": prompt}],
        **extra,
    }


BODIES = {"chat": chat_body, "responses": responses_body, "messages": messages_body}


def expected_input(*texts: str, attachment_tokens: int = 0) -> int:
    """The token rule for a request whose messages (system included) have these texts."""
    return REPLY_PRIMING + sum(count_message_tokens(t) for t in texts) + attachment_tokens


def tokens(text: str) -> int:
    return count_text_tokens(text)


def chat_texts(result: StreamResult) -> tuple[str, str]:
    """(reasoning, answer) joined from Chat Completions chunks."""
    chunks = [p for p in result.payloads if p.get("choices")]
    reasoning = "".join(c["choices"][0]["delta"].get("reasoning_content") or "" for c in chunks)
    answer = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    return reasoning, answer


def assert_envelope(dialect: str, body: dict) -> None:
    """The HTTP error body has exactly the dialect's envelope fields."""
    if dialect == "messages":
        assert body["type"] == "error" and set(body["error"]) == {"type", "message"}
        assert body["request_id"].startswith("req_")
    else:
        assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}


def terminal_seen(dialect: str, result: StreamResult) -> bool:
    marks = [e.data if dialect == "chat" else e.event for e in result.events]
    return TERMINAL[dialect] in marks


def streamed_tokens(dialect: str, result: StreamResult) -> int:
    """Tokens of reasoning + answer text the stream carried, in any dialect."""
    text = ""
    for payload in result.payloads:
        if dialect == "chat" and payload.get("choices"):
            delta = payload["choices"][0]["delta"]
            text += (delta.get("reasoning_content") or "") + (delta.get("content") or "")
        elif dialect == "responses" and payload["type"].endswith("text.delta"):
            text += payload["delta"]
        elif dialect == "messages" and payload["type"] == "content_block_delta":
            text += payload["delta"].get("thinking", "") + payload["delta"].get("text", "")
    return tokens(text)
