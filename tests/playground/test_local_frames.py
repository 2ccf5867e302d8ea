"""A run's frames reach the sockets of its own worker in process, through each socket's inbox;
only sockets of other workers follow it through the channel layer (on Redis a frame otherwise
made several round trips, one after another, to reach a socket in the same process)."""

import asyncio

import pytest
from channels.layers import get_channel_layer

from playground.catalog import get_catalog
from playground.models import Run
from playground.runs import executor
from playground.runs.frames import FINAL, frame_event, frames_group
from playground.runs.live import live_add
from playground.runs.state import RunState
from tests.gates import release
from tests.playground.test_consumer import (
    frames_until_final,
    held_at_gate,
    streamed,
    unescape,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("simulator_url")]


async def test_a_run_streams_to_a_socket_of_its_worker_without_the_channel_layer(
    async_client, simulator_url
):
    communicator, gate, first = await held_at_gate(async_client, simulator_url, "About rivers")
    run = await Run.objects.aget()
    assert "-answer" in first
    assert get_channel_layer().group_size(frames_group(run.id)) == 0  # nobody joined it there
    await release(simulator_url, gate)
    frames = await frames_until_final(communicator)
    run = await Run.objects.aget()
    assert run.status == "done" and "data-run-final" in frames[-1]
    assert unescape(streamed([first, *frames[:-1]], "answer")) == run.text  # every word, once
    await communicator.disconnect()


async def test_a_page_following_a_run_after_its_final_frame_went_out_gets_that_frame():
    model = next(iter(get_catalog().models.values()))
    state = RunState(run_id="00000000-0000-0000-0000-0000000000aa", model=model,
                     estimated_input_tokens=1)  # fmt: skip
    state.final_event = frame_event(run_id=state.run_id, seq=9, kind=FINAL, html="<p>ended</p>")
    task = asyncio.create_task(asyncio.sleep(60))  # the run's task, finishing its last step
    live_add(state=state, task=task)
    inbox = asyncio.Queue()
    try:
        await executor.run_join(channel="c1", run_id=state.run_id, resync=True, inbox=inbox)
        assert inbox.get_nowait() is state.final_event  # not a snapshot of a run "streaming"
        assert inbox.empty()
    finally:
        task.cancel()
