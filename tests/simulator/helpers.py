"""Small clients for the simulator tests: JSON posts, raw SSE reading and the token rule."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from playground.tokens import REPLY_PRIMING, count_message_tokens, count_text_tokens

PATHS = {"chat": "/chat/completions", "responses": "/responses", "messages": "/messages"}
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

    def wait_idle(self, *, seconds: float = 2.0) -> float:
        """Seconds until no request is active any more (fails after `seconds`)."""
        start = time.monotonic()
        while self.stats()["active"]:
            assert time.monotonic() - start < seconds, "the simulator kept working"
            time.sleep(0.02)
        return time.monotonic() - start


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
