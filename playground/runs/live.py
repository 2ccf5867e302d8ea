"""The runs this worker streams now: each run's state, the task that streams it, and the
sockets of this worker that follow it.

The executor adds and removes them; the sweeps (sweeps.py) leave them alone and the watchers
stop those nobody watches. One registry per process.

A run's frames reach the sockets of its own worker in process, through each socket's inbox, and
only the other workers' sockets through the channel layer: on Redis every frame would otherwise
make several round trips, one after another, to reach a socket in the same process (at 400
streams they queued there for 20 s).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from django.conf import settings

from .state import RunState


@dataclass
class LiveRun:
    state: RunState
    task: asyncio.Task
    watchers: dict[str, asyncio.Queue] = field(default_factory=dict)  # channel -> inbox


_live: dict[str, LiveRun] = {}


def live_add(*, state: RunState, task: asyncio.Task) -> None:
    _live[state.run_id] = LiveRun(state=state, task=task)
    task.add_done_callback(lambda _: _live.pop(state.run_id, None))


def live_get(run_id) -> LiveRun | None:
    return _live.get(str(run_id))


def live_ids() -> list[str]:
    return list(_live)


def live_count() -> int:
    return len(_live)


def live_all() -> list[LiveRun]:
    return list(_live.values())


def capacity_left() -> int:
    return settings.PLAYGROUND_MAX_ACTIVE_RUNS - len(_live)


def run_stop_unwatched(run_id: str, reason: str) -> None:
    """Stop a run of this worker that nobody watches; `reason` is stored and shown with it."""
    live = _live.get(run_id)
    if live is not None:
        live.state.stop_reason = reason
        live.task.cancel()


def deliver(inbox: asyncio.Queue, event: dict) -> None:
    """A frame into a socket's inbox; a full one (its consumer far behind) loses it, and the
    consumer sees the gap in sequence numbers and asks for a snapshot."""
    with contextlib.suppress(asyncio.QueueFull):
        inbox.put_nowait(event)


def frames_here(run_id: str, event: dict) -> None:
    """A run's frame to the sockets of this worker that follow it."""
    live = _live.get(run_id)
    for inbox in live.watchers.values() if live else ():
        deliver(inbox, event)
