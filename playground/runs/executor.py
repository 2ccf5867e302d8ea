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
import weakref

from channels.layers import get_channel_layer
from django.conf import settings

from playground.catalog import ModelSpec
from playground.models import Pane, Run
from playground.providers.redact import Redactor, redact_data, secrets_of
from playground.providers.types import Failure, ReasoningDelta, Retrying, TextDelta
from playground.redaction import context_with_secrets

from . import records
from .broadcast import Broadcaster, frames_send
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
from .live import deliver, live_add, live_all, live_count, live_get
from .persist import on_run_thread
from .state import RunState, what_was_kept
from .submit import Accepted, AcceptedRun
from .sweeps import heartbeat_ensure
from .upstream import http_client, limits_from_settings
from .wire import recorded_call, stream

log = logging.getLogger(__name__)
CHECKPOINT_SECONDS = 1.0


def runs_start(*, accepted: Accepted) -> None:
    for item in accepted.runs:
        run_start(item=item)
    heartbeat_ensure()  # the first run of this process starts the leases and sweeps


def run_start(*, item: AcceptedRun) -> asyncio.Task:
    run = item.run
    state = RunState(
        run_id=str(run.id),
        model=item.model,
        estimated_input_tokens=run.estimated_input_tokens or 0,
        redact=Redactor(secrets_of(item.request)),
        owner_key=_owner_of(run),
        round_id=str(run.round_id or ""),
    )
    task = asyncio.create_task(
        _run_task(state=state, request=item.request, model=item.model),
        context=context_with_secrets(state.redact.secrets),  # and its log lines lose them too
    )
    live_add(state=state, task=task)
    return task


def _owner_of(run: Run) -> str | None:
    """The owner's key when the send loaded the run's pane and session (it does): the end of
    the run then need not look it up again. None: run_finish looks it up."""
    if not Run.pane.is_cached(run) or not Pane.session.is_cached(run.pane):
        return None
    return run.pane.session.owner_key


async def run_stop(*, run_id) -> None:
    live = live_get(run_id)
    if live is not None:
        live.task.cancel()
        return
    await get_channel_layer().group_send(control_group(run_id), {"type": "run.stop"})


async def runs_drain(*, seconds: float = 8.0) -> int:
    """The worker is shutting down (SIGTERM): every run in flight ends as interrupted, with its
    text, tokens and cost stored, and its viewers told; then the worker may exit."""
    live = live_all()
    for run in live:
        run.state.interrupted = True
        run.task.cancel()
    if live:
        await asyncio.wait([run.task for run in live], timeout=seconds)
    return len(live)


async def run_join(
    *, channel: str, run_id: str, resync: bool, inbox: asyncio.Queue | None = None
) -> None:
    """Follow a run's frames; a (re)joining page first gets a snapshot of what it missed. A
    socket of the run's own worker gets them in its `inbox`, without suspending (a run started
    just before this call cannot send a frame first); any other through the run's group."""
    live = live_get(run_id)
    if live is not None and inbox is not None:
        if live.state.final_event is None:
            live.watchers[channel] = inbox
        if resync or live.state.final_event is not None:
            deliver(inbox, _snapshot_event(live.state))
        return
    await _membership(get_channel_layer().group_add, frames_group(run_id), channel)
    if resync:
        await snapshot_request(run_id=run_id, reply_to=channel)


async def run_leave(*, channel: str, run_id: str) -> None:
    live = live_get(run_id)
    if live is not None and live.watchers.pop(channel, None) is not None:
        return
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


async def snapshot_request(
    *, run_id: str, reply_to: str, inbox: asyncio.Queue | None = None
) -> None:
    live = live_get(run_id)
    if live is None:  # streamed by another worker (or already over): ask whoever has it
        message = {"type": "run.sync", "reply_to": reply_to}
        await publish(get_channel_layer(), control_group(run_id), message)
    elif inbox is not None:
        deliver(inbox, _snapshot_event(live.state))
    else:
        await _send_snapshot(live.state, reply_to)


def _snapshot_event(state: RunState) -> dict:
    """The run as it is now; once its final frame went out, that frame (a page joining then
    would otherwise show the run streaming, with no final frame to come)."""
    if state.final_event is not None:
        return state.final_event
    html = snapshot_frame(state)
    return frame_event(run_id=state.run_id, seq=state.seq, kind=SNAPSHOT, html=html)


async def _send_snapshot(state: RunState, reply_to: str) -> None:
    event = _snapshot_event(state)
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
        await asyncio.sleep(checkpoint_interval(active=live_count()))
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


def _finish_and_render(*, run_id: str, fields: dict, cost, owner_key: str | None) -> str:
    run = records.run_finish(run_id=run_id, fields=fields, cost=cost, owner_key=owner_key)
    return run_frame(run)


# Runs of one round end one at a time: each final frame carries the round's summary, and two
# drawn at once each missed the other's cost, so the one sent last could show a short total.
_round_endings: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


async def _finish(*, state: RunState, request, model: ModelSpec, layer) -> None:
    state.ended_at = state.ended_at or time.monotonic()
    call = redact_data(recorded_call(request=request, model=model), state.redact)
    fields = state.final_fields() | {"request": call}
    # Shielded: a second cancellation (the worker draining) must not lose the run's end.
    await asyncio.shield(_store_and_send(state=state, fields=fields, layer=layer))


async def _store_and_send(*, state: RunState, fields: dict, layer) -> None:
    async with _round_endings.setdefault(state.round_id or state.run_id, asyncio.Lock()):
        html = await on_run_thread(_finish_and_render)(
            run_id=state.run_id, fields=fields, cost=state.cost(), owner_key=state.owner_key
        )
        event = frame_event(run_id=state.run_id, seq=state.seq + 1, kind=FINAL, html=html)
        state.final_event = event
        await frames_send(layer, state.run_id, event)


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
