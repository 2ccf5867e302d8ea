"""The run task: stream from upstream, push coalesced frames to the run's group, save the result.

Groups: `run.<id>` carries frames to every viewer of the run; `runctl.<id>` carries control
messages (stop, sync) to whichever process owns the task, so another tab or worker can reach it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from playground import services
from playground.catalog import ModelSpec
from playground.models import Run
from playground.providers.types import (
    Failure,
    ReasoningDelta,
    Retrying,
    TextDelta,
    UpstreamRequest,
)

from . import fragments
from .state import RunState
from .upstream import http_client, limits_from_settings
from .wire import recorded_call, stream

log = logging.getLogger(__name__)
CHECKPOINT_SECONDS = 1.0
_tasks: dict[str, asyncio.Task] = {}


def frames_group(run_id) -> str:
    return f"run.{run_id}"


def control_group(run_id) -> str:
    return f"runctl.{run_id}"


def run_start(*, run: Run, model: ModelSpec, request: UpstreamRequest) -> asyncio.Task:
    """Start the run's task; the request was built on a database thread beforehand."""
    state = RunState(
        run_id=str(run.id), model=model, estimated_input_tokens=run.estimated_input_tokens or 0
    )
    task = asyncio.create_task(_run_task(state=state, request=request, model=model))
    _tasks[state.run_id] = task
    task.add_done_callback(lambda _: _tasks.pop(state.run_id, None))
    return task


async def run_stop(*, run_id) -> None:
    task = _tasks.get(str(run_id))
    if task is not None:
        task.cancel()
        return
    await get_channel_layer().group_send(control_group(run_id), {"type": "run.stop"})


def runs_in_process() -> list[str]:
    return list(_tasks)


async def _run_task(*, state: RunState, request, model: ModelSpec) -> None:
    layer = get_channel_layer()
    broadcaster = Broadcaster(state=state, layer=layer)
    control = asyncio.create_task(
        _listen_for_control(state=state, layer=layer, owner=asyncio.current_task())
    )
    try:
        await _consume(state=state, request=request, broadcaster=broadcaster)
    except asyncio.CancelledError:
        state.stopped = True  # Stop pressed, or the server is shutting down
    except Exception:  # a bug of ours must still end the run visibly and keep its text
        log.exception("run %s failed unexpectedly", state.run_id)
        state.failure = Failure(
            kind="stream_error",
            message="The playground hit an internal "
            "error while streaming. The text so far is kept; retry the run.",
        )
    finally:
        control.cancel()
        await broadcaster.close()
        await _finish(state=state, request=request, model=model, layer=layer)


async def _consume(*, state: RunState, request, broadcaster: Broadcaster) -> None:
    last_checkpoint = time.monotonic()
    async for event in stream(client=http_client(), request=request, limits=limits_from_settings()):
        state.apply(event)
        if isinstance(event, TextDelta | ReasoningDelta | Retrying):
            broadcaster.wake()
        if time.monotonic() - last_checkpoint > CHECKPOINT_SECONDS:
            last_checkpoint = time.monotonic()
            await sync_to_async(services.run_checkpoint)(
                run_id=state.run_id, text=state.full_text, reasoning=state.full_reasoning
            )


async def _finish(*, state: RunState, request, model: ModelSpec, layer) -> None:
    state.ended_at = state.ended_at or time.monotonic()
    fields = state.final_fields() | {"request": recorded_call(request=request, model=model)}
    run = await asyncio.shield(
        sync_to_async(services.run_finish)(run_id=state.run_id, fields=fields, cost=state.cost())
    )
    html = await sync_to_async(fragments.final_frame)(run)
    await layer.group_send(
        frames_group(state.run_id),
        {
            "type": "run.frame",
            "run_id": state.run_id,
            "seq": state.seq + 1,
            "html": html,
            "final": True,
        },
    )


async def _listen_for_control(*, state: RunState, layer, owner: asyncio.Task) -> None:
    channel = await layer.new_channel()
    await layer.group_add(control_group(state.run_id), channel)
    try:
        while True:
            message = await layer.receive(channel)
            if message["type"] == "run.stop":
                owner.cancel()
            elif message["type"] == "run.sync":
                await layer.send(
                    message["reply_to"],
                    {
                        "type": "run.frame",
                        "run_id": state.run_id,
                        "seq": state.seq,
                        "html": fragments.snapshot_frame(state),
                        "snapshot": True,
                    },
                )
    finally:
        await layer.group_discard(control_group(state.run_id), channel)


class Broadcaster:
    """Coalesces deltas: the first goes out at once, then at most one frame per interval."""

    def __init__(self, *, state: RunState, layer):
        self.state, self.layer = state, layer
        self.interval = 1.0 / settings.PLAYGROUND_FRAMES_PER_SECOND
        self.ready = asyncio.Event()
        self.loop = asyncio.create_task(self._flush_loop())

    def wake(self) -> None:
        self.ready.set()

    async def _flush_loop(self) -> None:
        while True:
            await self.ready.wait()
            self.ready.clear()
            await self.flush()
            await asyncio.sleep(self.interval)

    async def flush(self) -> None:
        text, reasoning = self.state.take_pending()
        self.state.seq += 1
        html = fragments.delta_frame(self.state, text=text, reasoning=reasoning)
        await self.layer.group_send(
            frames_group(self.state.run_id),
            {"type": "run.frame", "run_id": self.state.run_id, "seq": self.state.seq, "html": html},
        )

    async def close(self) -> None:
        self.loop.cancel()
        if self.state.pending_text or self.state.pending_reasoning:
            await self.flush()
