"""The same streams read straight from the upstream with httpx: the baseline the app is
compared with. The body is what the app sends for the page's settings (chat dialect), so the
deterministic simulator writes the same answer for the same prompt."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import httpx

MODEL = "seed-2-0-mini"


@dataclass
class DirectStream:
    """Times are seconds since the request was sent; one entry per network read with text."""

    first_text: float | None = None
    text_frames: list[tuple[float, int]] = field(default_factory=list)
    text: str = ""
    finish: str = ""
    error: str = ""
    ended: float | None = None


def request_body(*, prompt: str, tokens: int) -> dict:
    return {
        "model": MODEL,
        "messages": [{"role": "user", "content": prompt}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": tokens,
        "enable_thinking": False,
    }


def direct_client(*, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(120, connect=30), trust_env=False)


async def read_direct(
    client: httpx.AsyncClient, *, base_url: str, prompt: str, tokens: int
) -> DirectStream:
    stream, started = DirectStream(), time.perf_counter()
    body = request_body(prompt=prompt, tokens=tokens)
    try:
        async with client.stream("POST", f"{base_url}/chat/completions", json=body) as response:
            response.raise_for_status()
            await _read_events(stream, response, started)
    except httpx.HTTPError as error:
        stream.error = f"{type(error).__name__}: {error}"
    stream.ended = time.perf_counter() - started
    return stream


async def _read_events(stream: DirectStream, response: httpx.Response, started: float) -> None:
    """Server-sent events split by hand: cheap, so the reader's own cost stays small."""
    buffer = b""
    async for chunk in response.aiter_raw():  # to the end: the connection goes back to the pool
        at = time.perf_counter() - started
        buffer += chunk
        *events, buffer = buffer.replace(b"\r\n", b"\n").split(b"\n\n")
        added = "".join(event_text(stream, event) for event in events)
        if added:
            stream.text += added
            stream.first_text = stream.first_text if stream.first_text is not None else at
            stream.text_frames.append((at, len(stream.text)))


def event_text(stream: DirectStream, event: bytes) -> str:
    data = b"".join(ln[5:].strip() for ln in event.split(b"\n") if ln.startswith(b"data:"))
    if not data.startswith(b"{"):
        return ""  # [DONE] or a comment
    choices = json.loads(data).get("choices") or [{}]
    stream.finish = choices[0].get("finish_reason") or stream.finish
    return (choices[0].get("delta") or {}).get("content") or ""
