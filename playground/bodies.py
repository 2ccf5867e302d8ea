"""Request bodies held to their route's cap before Django reads them, and read without holding up
the event loop.

Django's ASGI handler reads a whole body into a temporary file before any view or middleware
runs, on the event loop, one server chunk at a time. Here a body declared larger than its
route's cap (uploads.route_cap) is answered 413 without reading a byte of it; one that passes
the cap while it streams in (no or a false Content-Length) is cut off at that point; and the
file is written in blocks, on a worker thread once it is larger than what is kept in memory.
"""

from __future__ import annotations

import asyncio
import tempfile

from django.conf import settings
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler

from playground.uploads import KIND_HEADER, Cap, body_limit, route_cap

BLOCK = 1 << 20  # bytes gathered before one write to the body's file


class BodyTooLarge(Exception):
    def __init__(self, cap: Cap, size: int):
        super().__init__(cap.refusal(size))


def header(scope: dict, name: str) -> str | None:
    wanted = name.encode("latin-1")
    for key, value in scope.get("headers", ()):
        if key.lower() == wanted:
            return value.decode("latin-1")
    return None


def declared_length(scope: dict) -> int | None:
    value = header(scope, "content-length")
    return int(value) if value and value.strip().isdigit() else None


async def refuse(send, message: str) -> None:
    body = message.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class CountedReceive:
    """`receive`, raising BodyTooLarge once the body's bytes pass `limit`."""

    def __init__(self, receive, cap: Cap | None):
        self.receive, self.cap, self.received = receive, cap, 0

    async def __call__(self) -> dict:
        message = await self.receive()
        self.received += len(message.get("body", b""))
        if self.cap and self.received > body_limit(self.cap):
            raise BodyTooLarge(self.cap, self.received)
        return message


class BoundedASGIHandler(ASGIHandler):
    async def handle(self, scope, receive, send):
        path, root = scope["path"], scope.get("root_path", "")
        cap = route_cap(path.removeprefix(root) if root else path, kind=header(scope, KIND_HEADER))
        declared = declared_length(scope)
        if cap and declared is not None and declared > body_limit(cap):
            await refuse(send, cap.refusal(declared))
            return
        try:
            await super().handle(scope, CountedReceive(receive, cap), send)
        except BodyTooLarge as over:  # only read_body raises it: nothing was sent yet
            await refuse(send, str(over))

    async def read_body(self, receive):
        """The body in a temporary file (in memory while small), written in blocks; the writes
        to disk on a worker thread."""
        in_memory = settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        body_file = tempfile.SpooledTemporaryFile(max_size=in_memory, mode="w+b")  # noqa: SIM115 (Django's request closes it)
        try:
            async for block in blocks(receive):
                if body_file.tell() + len(block) > in_memory:
                    await asyncio.to_thread(body_file.write, block)
                else:
                    body_file.write(block)
        except BaseException:
            body_file.close()
            raise
        body_file.seek(0)
        return body_file


async def blocks(receive):
    """The body's chunks, joined into blocks of about BLOCK bytes."""
    pending, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise RequestAborted()
        chunk, more = message.get("body", b""), message.get("more_body", False)
        pending.append(chunk)
        size += len(chunk)
        if size >= BLOCK or not more:
            yield b"".join(pending)
            pending, size = [], 0
