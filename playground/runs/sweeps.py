"""Leases and sweeps: this worker's runs stay claimed, and runs of a dead worker (or of this
one before a restart) are interrupted with their partial text, and their viewers told.

Leases are renewed from a thread (leases.py); the sweep runs on the event loop and its
database work on the run thread (persist.py)."""

from __future__ import annotations

import asyncio
import logging

from channels.layers import get_channel_layer
from django.conf import settings

from playground.models import Run

from . import records
from .frames import FINAL, frame_event, frames_group, publish, run_frame
from .leases import leases_keep
from .live import live_ids, run_stop_unwatched
from .persist import on_run_thread
from .watchers import watchers_ensure

log = logging.getLogger(__name__)
SINGLE_WORKER_SWEEP_SECONDS = 30.0
_heartbeat: asyncio.Task | None = None
_started_clean = False  # the first sweep of this process has run


def heartbeat_ensure() -> None:
    """Start the lease thread, the watchers and the sweep once per process."""
    global _heartbeat
    leases_keep(live_ids=live_ids)
    watchers_ensure(live_ids=live_ids, stop=run_stop_unwatched)
    if _heartbeat is None or _heartbeat.done():
        _heartbeat = asyncio.create_task(_sweep_forever())


def sweep_period() -> float:
    """Several workers sweep each other's runs a few times per lease. A single worker has no
    one else's runs to find once its first sweep has run, only the rare run stored but never
    started and budgets left unsettled: a slow beat is enough (each sweep is milliseconds of
    CPU, which at one sweep every two seconds was a tenth of a lone stream's cost)."""
    if settings.PLAYGROUND_SINGLE_WORKER:
        return SINGLE_WORKER_SWEEP_SECONDS
    return settings.PLAYGROUND_RUN_LEASE_SECONDS / 3


async def _sweep_forever() -> None:
    period = sweep_period()
    while True:
        await asyncio.sleep(period)
        try:
            await runs_sweep()
        except Exception:  # the database may be restarting: try again next beat
            log.exception("the sweep of expired runs failed")


def _sweep_scope(session_id) -> dict:
    """The first sweep of a single-worker install takes every active run: none can be
    streaming. Later ones leave this worker's own runs alone."""
    everything = settings.PLAYGROUND_SINGLE_WORKER and not _started_clean
    return {
        "session_id": None if everything else session_id,
        "keep": set(live_ids()),
        "everything": everything,
    }


def _swept() -> None:
    """The first sweep is done (only once it succeeded: a failed one is tried again)."""
    global _started_clean
    _started_clean = True


async def runs_sweep(*, session_id=None) -> list[str]:
    """Interrupt active runs whose lease ran out, and show it to whoever watches them."""
    ended = await on_run_thread(_sweep_and_render)(**_sweep_scope(session_id))
    _swept()
    layer = get_channel_layer()
    for run_id, html in ended.items():
        event = frame_event(run_id=run_id, seq=1 << 30, kind=FINAL, html=html)
        await publish(layer, frames_group(run_id), event)
    return list(ended)


def runs_sweep_here(*, session_id) -> None:
    """The same sweep from a page view (a database thread), so a reload right after a crash or
    restart shows the run interrupted rather than streaming."""
    records.runs_interrupt_expired(**_sweep_scope(session_id))
    _swept()


def _sweep_and_render(*, session_id, keep: set[str], everything: bool) -> dict[str, str]:
    ended = records.runs_interrupt_expired(session_id=session_id, keep=keep, everything=everything)
    runs = Run.objects.select_related("pane__session").filter(pk__in=ended)
    return {str(run.id): run_frame(run) for run in runs}
