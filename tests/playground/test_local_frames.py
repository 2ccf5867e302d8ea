"""A run's frames reach the sockets of its own worker in process, through each socket's inbox;
only sockets of other workers follow it through the channel layer (on Redis a frame otherwise
made several round trips, one after another, to reach a socket in the same process)."""

import asyncio
import time

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
    FAST,
    connect,
    form,
    frames_until_final,
    held_at_gate,
    open_page,
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


async def test_the_request_leaves_before_the_frames_are_drawn_and_the_tab_still_gets_them_first(
    async_client, monkeypatch
):
    """The runs start between the send's two hops; a run that streams to its end while its
    accepted frame is drawn still reaches the tab after that frame, every word once, in order."""
    from playground import consumers

    draw = consumers.launch_frames

    def draw_after_the_run_ended(**kwargs):
        run_id = kwargs["launch"].accepted.runs[0].run.id
        deadline = time.monotonic() + 10
        while Run.objects.get(id=run_id).status == "streaming" and time.monotonic() < deadline:
            time.sleep(0.01)
        return draw(**kwargs)

    monkeypatch.setattr(consumers, "launch_frames", draw_after_the_run_ended)
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, f"About lakes {FAST}", enable_thinking=None))
    frames = await frames_until_final(communicator)
    run = await Run.objects.aget()
    assert run.status == "done"  # it had ended before the accepted frame was drawn
    assert 'id="composer-reset"' in frames[0] and f'id="run-{run.id}"' in frames[0]
    assert unescape(streamed(frames[1:-1], "answer")) == run.text
    assert "data-run-final" in frames[-1]
    await communicator.disconnect()
