"""The runs this worker streams now: each run's state and the task that streams it.

The executor adds and removes them; the sweeps (sweeps.py) leave them alone and the watchers
stop those nobody watches. One registry per process."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from django.conf import settings

from .state import RunState


@dataclass
class LiveRun:
    state: RunState
    task: asyncio.Task


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
