"""A scripted upstream: a raw asyncio TCP server on 127.0.0.1 that misbehaves on purpose.

Each accepted connection reads one HTTP/1.1 request, records it, and plays the next `Reply` (the
last reply repeats). A reply is a status line and headers followed by body steps: bytes (sent as
one chunk), Pause, Repeat (trickle or bulk), Reset (RST via SO_LINGER 0), Close (FIN without
finishing the body) or Hang (wait for the client to leave). With `head=False` the steps run
before any status line. The server notes when each client disconnected, so tests can assert that
cancelling a consumer closes the upstream connection.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Repeat:
    data: bytes
    every: float = 0.0
    times: int | None = None  # None: until the client goes away


@dataclass(frozen=True)
class Reset:
    """Abort with a TCP RST, after giving the bytes already written a moment to arrive."""


@dataclass(frozen=True)
class Close:
    """Half-close (FIN) without the chunked terminator: an incomplete body."""


@dataclass(frozen=True)
class Hang:
    """Send nothing more; wait until the client disconnects."""


Step = bytes | Pause | Repeat | Reset | Close | Hang


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "text/event-stream"})
    body: Sequence[Step] = ()
    head: bool = True


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float
    disconnected_at: float | None = None

    def json(self) -> Any:
        return json.loads(self.body)


class ScriptedUpstream:
    def __init__(self, replies: Sequence[Reply]) -> None:
        self.replies = list(replies)
        self.requests: list[Recorded] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self) -> ScriptedUpstream:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def wait_disconnect(self, index: int = -1, *, timeout: float = 2.0) -> float | None:
        """When the client of request `index` went away (monotonic time), waiting up to timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.requests and self.requests[index].disconnected_at is not None:
                return self.requests[index].disconnected_at
            await asyncio.sleep(0.01)
        return None

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.transport.set_write_buffer_limits(0)  # drain() waits until bytes reach the socket
        try:
            request = await _read_request(reader)
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.close()
            return
        self.requests.append(request)
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        watcher = asyncio.get_running_loop().create_task(_watch_eof(reader, request))
        try:
            await _Player(reply, writer, request, watcher).play()
        except (ConnectionError, OSError):
            request.disconnected_at = request.disconnected_at or time.monotonic()
        finally:
            watcher.cancel()
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Recorded:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Recorded(method, path, headers, body, time.monotonic())


async def _watch_eof(reader: asyncio.StreamReader, request: Recorded) -> None:
    try:
        while await reader.read(65536):
            pass
    except (ConnectionError, OSError):
        pass
    request.disconnected_at = request.disconnected_at or time.monotonic()


@dataclass
class _Player:
    reply: Reply
    writer: asyncio.StreamWriter
    request: Recorded
    watcher: asyncio.Task[None]

    @property
    def chunked(self) -> bool:
        return self.reply.head

    async def play(self) -> None:
        if self.reply.head:
            await self._send(self._head(), framed=False)
        for step in self.reply.body:
            if not await self._step(step):
                return
        if self.reply.head:
            await self._send(b"0\r\n\r\n", framed=False)

    def _head(self) -> bytes:
        known = {status.value: status.phrase for status in HTTPStatus}
        phrase = known.get(self.reply.status, "Unknown")
        lines = [f"HTTP/1.1 {self.reply.status} {phrase}"]
        lines += [f"{name}: {value}" for name, value in self.reply.headers.items()]
        lines += ["transfer-encoding: chunked", "connection: close"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _step(self, step: Step) -> bool:
        """Play one step; False when the script ends the connection here."""
        if isinstance(step, bytes):
            await self._send(step, framed=self.chunked)
        elif isinstance(step, Pause):
            await asyncio.sleep(step.seconds)
        elif isinstance(step, Repeat):
            await self._repeat(step)
        elif isinstance(step, Hang):
            await self.watcher
            return False
        else:
            await self._end(abort=isinstance(step, Reset))
            return False
        return True

    async def _repeat(self, step: Repeat) -> None:
        sent = 0
        while step.times is None or sent < step.times:
            if self.request.disconnected_at is not None:
                raise ConnectionResetError("client went away")
            await self._send(step.data, framed=self.chunked)
            sent += 1
            if step.every:
                await asyncio.sleep(step.every)

    async def _send(self, data: bytes, *, framed: bool) -> None:
        if framed:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        self.writer.write(data)
        await self.writer.drain()

    async def _end(self, *, abort: bool) -> None:
        if not abort:
            self.writer.write_eof()
            await asyncio.sleep(0.05)
            return
        await asyncio.sleep(0.05)  # let the bytes already written reach the client first
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()


def sse(*frames: str | dict[str, Any], event: str | None = None) -> bytes:
    """SSE frames: dicts become `data: <json>`; strings are sent as given."""
    out = []
    for frame in frames:
        if isinstance(frame, dict):
            head = f"event: {event}\n" if event else ""
            frame = f"{head}data: {json.dumps(frame, ensure_ascii=False)}\n\n"
        out.append(frame)
    return "".join(out).encode("utf-8")


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(
        status=status,
        headers={"content-type": "application/json", **(headers or {})},
        body=[json.dumps(payload).encode()],
    )
