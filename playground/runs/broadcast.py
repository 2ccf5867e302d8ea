"""Coalescing a run's deltas into frames for its group.

The first delta goes out at once; after that at most one frame per interval carries everything
that arrived in between. When the event loop lags (many streams on one core), the interval grows,
so frames get bigger instead of queuing; it shrinks back when the loop keeps up. Live metrics ride
along only a few times a second.
"""

from __future__ import annotations

import asyncio
import time

from django.conf import settings

from .frames import DELTA, delta_frame, frame_event, frames_group, publish
from .live import frames_here
from .metrics import RunMetrics
from .state import RunState

MAX_INTERVAL = 1.0


class Broadcaster:
    def __init__(self, *, state: RunState, layer):
        self.state, self.layer = state, layer
        self.base = self.interval = 1.0 / settings.PLAYGROUND_FRAMES_PER_SECOND
        self.metrics_every = 1.0 / settings.PLAYGROUND_METRICS_PER_SECOND
        self.metrics_at = 0.0
        self.force_metrics = False
        self.ready = asyncio.Event()
        self.sending: asyncio.Future | None = None  # the frame on its way, if any
        self.loop = asyncio.create_task(self._flush_loop())

    def wake(self, *, metrics: bool = False) -> None:
        self.force_metrics |= metrics
        self.ready.set()

    async def _flush_loop(self) -> None:
        while True:
            await self.ready.wait()
            self.ready.clear()
            # Shielded: closing the broadcaster must not cut a frame off mid-send. On Redis a
            # send takes a round trip, and a frame cancelled there was lost with its sequence
            # number taken: the page saw a gap at the end of the run.
            self.sending = asyncio.ensure_future(self.flush())
            await asyncio.shield(self.sending)
            await self._pause()

    async def _pause(self) -> None:
        started = time.monotonic()
        await asyncio.sleep(self.interval)
        lag = time.monotonic() - started - self.interval
        if lag > self.base:
            self.interval = min(MAX_INTERVAL, self.interval * 1.5)
        elif lag < self.base / 4:
            self.interval = max(self.base, self.interval / 1.25)

    async def flush(self) -> None:
        state = self.state
        text, reasoning = state.take_pending()
        metrics = self._metrics_due()
        if not (text or reasoning or metrics):
            return
        state.seq += 1
        html = delta_frame(run_id=state.run_id, text=text, reasoning=reasoning, metrics=metrics)
        event = frame_event(run_id=state.run_id, seq=state.seq, kind=DELTA, html=html)
        await frames_send(self.layer, state.run_id, event)

    def _metrics_due(self) -> RunMetrics | None:
        now = time.monotonic()
        if not self.force_metrics and now - self.metrics_at < self.metrics_every:
            return None
        self.force_metrics, self.metrics_at = False, now
        return RunMetrics.from_state(self.state)

    async def close(self) -> None:
        """Stop the loop; a frame already on its way goes out before the last one, in order."""
        self.loop.cancel()
        await asyncio.wait([self.loop, *([self.sending] if self.sending else [])])
        if self.state.has_pending:
            await self.flush()


async def frames_send(layer, run_id: str, event: dict) -> None:
    """A run's frame to everyone following it: this worker's sockets in process, the other
    workers' through the run's group."""
    frames_here(run_id, event)
    await publish(layer, frames_group(run_id), event)
