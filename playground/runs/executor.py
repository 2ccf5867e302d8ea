"""Server-owned run tasks: stream from the provider, push coalesced frames to the run's group,
checkpoint by wall clock, and store the result. A task belongs to the worker, not to the socket
that started it; viewers on any worker follow it through its group.

Each worker renews the lease of the runs it streams; a run whose lease ran out belongs to a
worker that died, and the heartbeat of any worker marks it interrupted (with its partial text
and the cost of what arrived) and tells its viewers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from channels.layers import get_channel_layer
from django.conf import settings

from playground.catalog import ModelSpec
from playground.models import Run
from playground.providers.redact import Redactor, redact_data, secrets_of
from playground.providers.types import Failure, ReasoningDelta, Retrying, TextDelta
from playground.redaction import context_with_secrets

from . import records
from .broadcast import Broadcaster
from .frames import (
    FINAL,
    SNAPSHOT,
    control_group,
    frame_event,
    frames_group,
    publish,
    run_frame,
    snapshot_frame,
)
from .leases import leases_keep
from .persist import on_run_thread
from .state import RunState, what_was_kept
from .submit import Accepted, AcceptedRun
from .upstream import http_client, limits_from_settings
from .watchers import watchers_ensure
from .wire import recorded_call, stream

log = logging.getLogger(__name__)
CHECKPOINT_SECONDS = 1.0
SINGLE_WORKER_SWEEP_SECONDS = 30.0


@dataclass
class LiveRun:
    state: RunState
    task: asyncio.Task


_live: dict[str, LiveRun] = {}
_heartbeat: asyncio.Task | None = None
_started_clean = False  # the first sweep of this process has run


def capacity_left() -> int:
    return settings.PLAYGROUND_MAX_ACTIVE_RUNS - len(_live)


def runs_start(*, accepted: Accepted) -> None:
    for item in accepted.runs:
        run_start(item=item)
    heartbeat_ensure()


def run_start(*, item: AcceptedRun) -> asyncio.Task:
    run = item.run
    state = RunState(
        run_id=str(run.id),
        model=item.model,
        estimated_input_tokens=run.estimated_input_tokens or 0,
        redact=Redactor(secrets_of(item.request)),
    )
    task = asyncio.create_task(
        _run_task(state=state, request=item.request, model=item.model),
        context=context_with_secrets(state.redact.secrets),  # and its log lines lose them too
    )
    _live[state.run_id] = LiveRun(state=state, task=task)
    task.add_done_callback(lambda _: _live.pop(state.run_id, None))
    return task


async def run_stop(*, run_id) -> None:
    live = _live.get(str(run_id))
    if live is not None:
        live.task.cancel()
        return
    await get_channel_layer().group_send(control_group(run_id), {"type": "run.stop"})


def run_stop_unwatched(run_id: str, reason: str) -> None:
    """Stop a run of this worker that nobody watches; `reason` is stored and shown with it."""
    live = _live.get(run_id)
    if live is not None:
        live.state.stop_reason = reason
        live.task.cancel()


async def runs_drain(*, seconds: float = 8.0) -> int:
    """The worker is shutting down (SIGTERM): every run in flight ends as interrupted, with its
    text, tokens and cost stored, and its viewers told; then the worker may exit."""
    live = list(_live.values())
    for run in live:
        run.state.interrupted = True
        run.task.cancel()
    if live:
        await asyncio.wait([run.task for run in live], timeout=seconds)
    return len(live)


async def run_join(*, channel: str, run_id: str, resync: bool) -> None:
    """Follow a run's frames; a (re)joining page first gets a snapshot of what it missed."""
    await _membership(get_channel_layer().group_add, frames_group(run_id), channel)
    if resync:
        await snapshot_request(run_id=run_id, reply_to=channel)


async def run_leave(*, channel: str, run_id: str) -> None:
    await _membership(get_channel_layer().group_discard, frames_group(run_id), channel)


async def _membership(change, group: str, channel: str, *, attempts: int = 3) -> bool:
    """A group change on a busy channel layer (Redis) is retried; one that still fails is
    logged, never raised: it must not kill the socket that asked for it."""
    for attempt in range(attempts):
        try:
            await change(group, channel)
            return True
        except Exception:  # noqa: BLE001 - any layer error (timeouts, connection resets)
            log.warning("group change %s failed (attempt %d)", group, attempt + 1, exc_info=True)
            await asyncio.sleep(0.2 * (attempt + 1))
    return False


async def snapshot_request(*, run_id: str, reply_to: str) -> None:
    live = _live.get(run_id)
    if live is None:  # streamed by another worker (or already over): ask whoever has it
        message = {"type": "run.sync", "reply_to": reply_to}
        await publish(get_channel_layer(), control_group(run_id), message)
        return
    await _send_snapshot(live.state, reply_to)


async def _send_snapshot(state: RunState, reply_to: str) -> None:
    html = snapshot_frame(state)
    event = frame_event(run_id=state.run_id, seq=state.seq, kind=SNAPSHOT, html=html)
    try:
        await get_channel_layer().send(reply_to, event)
    except Exception:  # noqa: BLE001 - a full or failing channel: that viewer asks again
        log.warning("snapshot of run %s not delivered", state.run_id, exc_info=True)


async def _run_task(*, state: RunState, request, model: ModelSpec) -> None:
    layer = get_channel_layer()
    broadcaster = Broadcaster(state=state, layer=layer)
    owner = asyncio.current_task()
    control = asyncio.create_task(_listen_for_control(state=state, layer=layer, owner=owner))
    checkpoints = asyncio.create_task(_checkpoint_every_second(state))
    try:
        await _consume(state=state, request=request, broadcaster=broadcaster)
    except asyncio.CancelledError:
        state.stopped = True  # Stop pressed, or the worker is draining (then: interrupted)
    except Exception:  # a bug of ours must still end the run visibly and keep its text
        log.exception("run %s failed unexpectedly", state.run_id)
        kept = what_was_kept(text=state.text, reasoning=state.reasoning)
        state.failure = Failure(
            kind="stream_error",
            message=f"The playground hit an internal error while streaming. {kept}",
        )
    finally:
        control.cancel()
        checkpoints.cancel()
        await broadcaster.close()
        await _finish(state=state, request=request, model=model, layer=layer)


async def _consume(*, state: RunState, request, broadcaster: Broadcaster) -> None:
    async for event in stream(client=http_client(), request=request, limits=limits_from_settings()):
        state.apply(event)
        if isinstance(event, TextDelta | ReasoningDelta):
            broadcaster.wake()
        elif isinstance(event, Retrying):
            broadcaster.wake(metrics=True)


def checkpoint_interval(*, active: int) -> float:
    """Once a second per run, but no more than PLAYGROUND_CHECKPOINTS_PER_SECOND for the whole
    worker (`active` runs): a bound on its database writes however many runs stream (at 200
    runs they were ~1% of its CPU, so this is a ceiling, not a saving)."""
    return max(CHECKPOINT_SECONDS, active / settings.PLAYGROUND_CHECKPOINTS_PER_SECOND)


async def _checkpoint_every_second(state: RunState) -> None:
    """Store the text so far, by wall clock: at most once a second (less often when many runs
    stream), only when something new arrived, never awaited by the stream and never queued
    behind the previous checkpoint (a slow one delays the next instead)."""
    stored = 0
    while True:
        await asyncio.sleep(checkpoint_interval(active=len(_live)))
        arrived = len(state.text) + len(state.reasoning)
        if arrived != stored:
            stored = arrived
            await on_run_thread(records.run_checkpoint)(
                run_id=state.run_id,
                text=state.full_text,
                reasoning=state.full_reasoning,
                ttft_ms=state.ttft_ms,
                duration_ms=state.elapsed_ms,
            )


def _finish_and_render(*, run_id: str, fields: dict, cost) -> str:
    run = records.run_finish(run_id=run_id, fields=fields, cost=cost)
    return run_frame(run)


async def _finish(*, state: RunState, request, model: ModelSpec, layer) -> None:
    state.ended_at = state.ended_at or time.monotonic()
    call = redact_data(recorded_call(request=request, model=model), state.redact)
    fields = state.final_fields() | {"request": call}
    finishing = on_run_thread(_finish_and_render)(
        run_id=state.run_id, fields=fields, cost=state.cost()
    )
    html = await asyncio.shield(finishing)
    event = frame_event(run_id=state.run_id, seq=state.seq + 1, kind=FINAL, html=html)
    await publish(layer, frames_group(state.run_id), event)


async def _listen_for_control(*, state: RunState, layer, owner: asyncio.Task) -> None:
    """Stop and snapshot requests for this run, from any tab or worker. A failing channel layer
    (Redis busy) is retried: without this listener, Stop would go unanswered."""
    while True:
        try:
            await _control_loop(state=state, layer=layer, owner=owner)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001
            log.warning("control channel of run %s failed; retrying", state.run_id, exc_info=True)
            await asyncio.sleep(0.5)


async def _control_loop(*, state: RunState, layer, owner: asyncio.Task) -> None:
    channel = await layer.new_channel()
    await layer.group_add(control_group(state.run_id), channel)
    try:
        while True:
            message = await layer.receive(channel)
            if message["type"] == "run.stop":
                owner.cancel()
            elif message["type"] == "run.sync":
                await _send_snapshot(state, message["reply_to"])
    finally:
        with contextlib.suppress(Exception):
            await layer.group_discard(control_group(state.run_id), channel)


# --- Leases: this worker's runs stay claimed; runs of a dead worker are interrupted -------------


def heartbeat_ensure() -> None:
    """Leases are renewed from a thread (see leases.py); the loop sweeps other workers' runs."""
    global _heartbeat
    leases_keep(live_ids=lambda: list(_live))
    watchers_ensure(live_ids=lambda: list(_live), stop=run_stop_unwatched)
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


async def runs_sweep(*, session_id=None) -> list[str]:
    """Interrupt active runs whose lease ran out, and show it to whoever watches them. The
    first sweep of a single-worker install takes every active run: none can be streaming."""
    global _started_clean
    everything = settings.PLAYGROUND_SINGLE_WORKER and not _started_clean
    ended = await on_run_thread(_sweep_and_render)(
        session_id=None if everything else session_id, keep=set(_live), everything=everything
    )
    _started_clean = True
    layer = get_channel_layer()
    for run_id, html in ended.items():
        event = frame_event(run_id=run_id, seq=1 << 30, kind=FINAL, html=html)
        await publish(layer, frames_group(run_id), event)
    return list(ended)


def runs_sweep_here(*, session_id) -> None:
    """The same sweep from a page view (a database thread), so a reload right after a crash or
    restart shows the run interrupted rather than streaming."""
    global _started_clean
    everything = settings.PLAYGROUND_SINGLE_WORKER and not _started_clean
    records.runs_interrupt_expired(
        session_id=None if everything else session_id, keep=set(_live), everything=everything
    )
    _started_clean = True


def _sweep_and_render(*, session_id, keep: set[str], everything: bool) -> dict[str, str]:
    ended = records.runs_interrupt_expired(session_id=session_id, keep=keep, everything=everything)
    runs = Run.objects.select_related("pane__session").filter(pk__in=ended)
    return {str(run.id): run_frame(run) for run in runs}
