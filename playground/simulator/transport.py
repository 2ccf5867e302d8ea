"""Raw ASGI plumbing: read the body, send JSON or SSE, and notice when the client goes away."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]

SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    # Tells nginx-style proxies not to buffer the stream.
    (b"x-accel-buffering", b"no"),
]


class TrackedSend:
    """Remembers how far the response got, so a failure can still end it properly."""

    def __init__(self, send: Send):
        self.send, self.started, self.finished = send, False, False

    async def __call__(self, message: dict) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            self.finished = True
        await self.send(message)


async def end_after_failure(send: TrackedSend, *, fallback: bytes) -> None:
    """Answer 500 if nothing was sent yet, else close the open body.

    Why: an exception escaping to daphne after the response started makes it try to start a
    second response, which fails inside its reaper loop; the app must always finish cleanly.
    """
    if not send.started:
        await send_bytes(send, status=500, body=fallback)
    elif not send.finished:
        await send_chunk(send, b"", final=True)


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    pass


async def read_body(receive: Receive, *, limit: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def wait_for_disconnect(receive: Receive) -> None:
    """Returns once the server reports http.disconnect (the body has already been read)."""
    while (await receive())["type"] != "http.disconnect":
        pass


def header(scope: dict, name: str) -> str | None:
    wanted = name.lower().encode("latin-1")
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None


def encode_headers(pairs: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def send_json(
    send: Send, *, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()
) -> None:
    await send_bytes(send, status=status, body=dumps(payload), headers=headers)


async def send_bytes(
    send: Send,
    *,
    status: int,
    body: bytes,
    headers: Iterable[tuple[str, str]] = (),
    content_type: str = "application/json",
) -> None:
    head = encode_headers(
        [("content-type", content_type), ("content-length", str(len(body))), *headers]
    )
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def start_sse(send: Send, *, headers: Iterable[tuple[str, str]] = ()) -> None:
    head = SSE_HEADERS + encode_headers(headers)
    await send({"type": "http.response.start", "status": 200, "headers": head})


async def send_chunk(send: Send, chunk: bytes, *, final: bool = False) -> None:
    await send({"type": "http.response.body", "body": chunk, "more_body": not final})


async def run_until_disconnect(work: Awaitable[None], receive: Receive) -> bool:
    """Run `work`, cancelling it as soon as the client disconnects. True if it ran to the end.

    Why: a cancelled stream must stop generating at once instead of writing into a dead socket.
    """
    work_task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(wait_for_disconnect(receive))
    try:
        await asyncio.wait({work_task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (work_task, watcher):
            task.cancel()
        await asyncio.gather(work_task, watcher, return_exceptions=True)
    if work_task.cancelled():
        return False
    work_task.result()  # re-raise a failure of the work itself
    return True
