"""One browser tab on the page's websocket: connect as the browser does (session cookie,
Origin), send the composer's message, and follow the run to its final frame, timing every frame.

A tab may also drop its socket mid-run and come back as a reload does (GET the session page,
new socket): the server must then send a snapshot of the text so far, then the rest.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.typing import Origin

from .frames import Frame, classify
from .page import Page

# A browser connects the page's socket once htmx and its ws extension have loaded.
CONNECT_GAP = 0.1


class TabError(Exception):
    """Something a user would see go wrong; `kind` names it for the error counts."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail


@dataclass
class AppStream:
    """One run as the tab saw it; times are seconds since the message was sent."""

    accepted: float | None = None
    first_text: float | None = None
    text_frames: list[tuple[float, int]] = field(default_factory=list)  # (time, chars so far)
    text: str = ""  # deltas appended, a snapshot replacing: what the page shows
    final_text: str | None = None  # the stored answer, from the final frame
    status: str = ""
    frames: int = 0
    snapshots: int = 0
    reconnects: int = 0
    resyncing: bool = False  # reconnected, no snapshot yet
    error: str = ""  # a TabError kind, or "" for a clean run
    detail: str = ""
    ended: float | None = None
    run_id: str = ""
    reloaded_status: str = ""  # the run's status on the reloaded page
    rejoined: float | None = None  # when the new socket was open after a reload
    frames_since_rejoin: int = 0

    def summary(self) -> str:
        """Where the run was when it went wrong: evidence for the report."""
        at = f"{self.rejoined:.2f} s" if self.rejoined is not None else "-"
        return (
            f"{len(self.text_frames)} text frames, {len(self.text)} chars, "
            f"{self.reconnects} reloads (page showed the run {self.reloaded_status or '-'}, "
            f"socket back at {at}, "
            f"{self.frames_since_rejoin} frames since), {self.snapshots} snapshots"
        )


class Tab:
    def __init__(self, page: Page):
        self.page = page
        self.ws: ClientConnection | None = None

    async def connect(self, *, timeout: float = 60) -> float:
        """Open the page's socket; returns the handshake time in seconds."""
        host = self.page.base_url.removeprefix("http://")
        started = time.perf_counter()
        try:
            self.ws = await connect(
                f"ws://{host}{self.page.ws_path}",
                origin=Origin(self.page.base_url),
                additional_headers=Headers(Cookie=self.page.cookie_header),
                compression="deflate",  # offered as browsers do (daphne declines it)
                proxy=None,
                open_timeout=timeout,
                ping_interval=None,  # the server pings; the browser only answers
                close_timeout=2,
                max_size=None,
            )
        except (InvalidHandshake, OSError, TimeoutError) as error:
            raise TabError("handshake", f"{type(error).__name__}: {error}") from error
        return time.perf_counter() - started

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def run(self, *, message: str, timeout: float, drop_at: int = 0) -> AppStream:
        """Send and follow the run to its final frame. With drop_at, the socket is dropped
        once that many characters of the answer have arrived, and the tab reloads (`rejoin`)."""
        stream, started = AppStream(), time.perf_counter()
        deadline = started + timeout
        try:
            await self.ws.send(message)
            run_id = stream.run_id = await self._accepted(stream, started, deadline)
            await self._follow(stream, run_id, started, deadline, drop_at=drop_at)
        except TabError as error:
            kind = error.kind
            if kind == "missing_final" and stream.reconnects and not stream.frames_since_rejoin:
                kind = "stuck_after_reload"  # the page shows the run streaming, and nothing comes
            stream.error, stream.detail = kind, f"{error.detail}; {stream.summary()}"
        stream.ended = time.perf_counter() - started
        return stream

    async def _receive(self, deadline: float) -> tuple[float, Frame]:
        try:
            message = await asyncio.wait_for(self.ws.recv(), deadline - time.perf_counter())
        except TimeoutError:
            raise TabError("missing_final", "no final frame before the timeout") from None
        except ConnectionClosed as error:
            raise TabError("closed", f"the server closed the socket: {error}") from None
        return time.perf_counter(), classify(message)

    async def _accepted(self, stream: AppStream, started: float, deadline: float) -> str:
        at, frame = await self._receive(deadline)
        stream.frames += 1
        if frame.kind == "rejected":
            raise TabError("rejected", frame.errors[:200])
        if frame.kind != "accepted":
            raise TabError("protocol", f"expected the accepted frame, got {frame.kind}")
        stream.accepted = at - started
        return frame.run_id

    async def _follow(
        self, stream: AppStream, run_id: str, started: float, deadline: float, *, drop_at: int
    ) -> None:
        while True:
            at, frame = await self._receive(deadline)
            stream.frames += 1
            stream.frames_since_rejoin += 1
            if frame.run_id != run_id:
                continue  # metrics-only deltas carry no answer span; other runs are not ours
            if apply(stream, frame, at - started):
                return
            if drop_at and len(stream.text) >= drop_at:
                if await self.rejoin(stream, started):
                    return
                drop_at = 0

    async def resync(self) -> None:
        """What the page's script does when its socket opens: name the runs it shows as
        streaming, so the server sends what became of the ones that ended meanwhile."""
        runs = re.findall(
            r'<article id="run-([0-9a-f-]{36})" class="run [^"]*is-active', self.page.html
        )
        if runs:
            await self.ws.send(json.dumps({"action": "resync", "runs": runs}))

    async def rejoin(self, stream: AppStream, started: float, *, pause: float = 0.3) -> bool:
        """A reload: the socket closes, the page is fetched again, a new socket opens. The next
        frame of the run must be a snapshot (or the final frame, if it ended meanwhile). True
        when the reloaded page already shows the run finished: then no frame is due."""
        await self.close()
        await asyncio.sleep(pause)
        try:
            await self.page.open(self.page.url)
        except httpx.HTTPError as error:
            raise TabError("reload", f"{type(error).__name__}: {error}") from error
        shown = re.search(
            rf'<article id="run-{stream.run_id}" class="run status-(\w+)', self.page.html
        )
        stream.reloaded_status = shown.group(1) if shown else "missing"
        await asyncio.sleep(CONNECT_GAP)
        await self.connect()
        await self.resync()
        stream.reconnects += 1
        stream.rejoined, stream.frames_since_rejoin = time.perf_counter() - started, 0
        if stream.reloaded_status in ("queued", "streaming"):
            stream.resyncing = True
            return False
        raw = re.search(
            rf'id="run-{stream.run_id}-raw"[^>]*>(.*?)</textarea>', self.page.html, re.S
        )
        stream.text = html.unescape(raw.group(1)) if raw else ""
        apply(
            stream,
            Frame("final", run_id=stream.run_id, text=stream.text, status=stream.reloaded_status),
            time.perf_counter() - started,
        )
        return True


def apply(stream: AppStream, frame: Frame, at: float) -> bool:
    """Update what the page shows; True at the final frame."""
    if frame.kind == "final":
        stream.final_text, stream.status = frame.text, frame.status
        if stream.resyncing:  # ended while the tab was away: the page shows the final article
            stream.text, stream.resyncing = frame.text, False
        if stream.status != "done":
            raise TabError("run_" + stream.status, f"the run ended {stream.status}")
        return True
    if frame.kind == "snapshot":
        stream.snapshots += 1
        stream.text, stream.resyncing = frame.text, False
    elif frame.kind == "delta" and frame.text:
        if stream.resyncing:
            raise TabError("protocol", "a delta arrived after a reconnect before any snapshot")
        stream.text += frame.text
        stream.first_text = stream.first_text if stream.first_text is not None else at
        stream.text_frames.append((at, len(stream.text)))
    return False


def text_problem(stream: AppStream, *, wanted: str) -> str:
    """Every token exactly once: "" when what the page assembled is the stored answer and the
    answer the upstream sent. Otherwise: deltas lost (the page stopped streaming; the final
    frame then showed the whole answer), wrong text (duplicated, reordered), or a stored
    answer that is not what was sent."""
    if stream.text != stream.final_text:
        lost = stream.final_text is not None and stream.final_text.startswith(stream.text)
        return "deltas_lost_final_repaired" if lost else "text_differs_from_stored"
    return "" if stream.text == wanted else "text_differs_from_upstream"
