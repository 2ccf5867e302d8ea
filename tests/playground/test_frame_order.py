"""A page that rejoined a run from a snapshot may then get the delta the snapshot already held
(its frame was on its way while the snapshot was drawn): that delta is dropped, not taken for a
gap; asking for another snapshot then, at the end of a run, left the page without its last
deltas until the final frame (seen twice in a 10-minute soak)."""

import asyncio
import json

import pytest
from channels.layers import get_channel_layer

from playground.models import Run
from playground.runs import sweeps
from playground.runs.frames import DELTA, SNAPSHOT, frame_event, frames_group
from tests.gates import release
from tests.playground.test_consumer import (
    connect,
    frames_until_final,
    held_at_gate,
    open_page,
    streamed,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("simulator_url")]


async def test_a_delta_the_snapshot_already_held_is_dropped_and_the_next_one_shown(async_client):
    session, pane, cookie = await open_page(async_client)
    await sweeps.runs_sweep()  # this worker's first sweep, which takes every active run, is done
    run = await Run.objects.acreate(
        pane=pane, prompt="streaming elsewhere", provider_id="simulator",
        model_id="seed-2-0-mini", model_name="Seed 2.0 Mini", dialect="chat",
        status="streaming", lease_until="2999-01-01T00:00Z",
    )  # fmt: skip
    communicator, connected, _ = await connect(session, cookie)  # follows it from a snapshot
    assert connected
    layer, group = get_channel_layer(), frames_group(run.id)
    for _ in range(100):  # the socket joins the run's group just after it is accepted
        if layer.group_size(group):
            break
        await asyncio.sleep(0.05)

    async def frame(seq: int, kind: str, html: str) -> None:
        event = frame_event(run_id=run.id, seq=seq, kind=kind, html=html)
        await layer.group_send(group, event)

    await frame(5, SNAPSHOT, "<p>snapshot up to five</p>")
    await frame(5, DELTA, "<p>five again</p>")
    await frame(6, DELTA, "<p>six</p>")
    assert "snapshot up to five" in await communicator.receive_from(timeout=5)
    assert "six" in await communicator.receive_from(timeout=5)
    await communicator.disconnect()


async def test_a_resync_as_the_run_ends_leaves_its_last_deltas_and_final_frame_in_order(
    async_client, simulator_url
):
    """A page asks to resync when its socket opens; if the run ends meanwhile, its last deltas
    and then its final frame are already queued for this socket. The final frame drawn from the
    database must not overtake them: that dropped them, and the end of the answer appeared only
    with the final frame (seen once in a 10-minute soak)."""
    communicator, gate, first = await held_at_gate(async_client, simulator_url, "Tell me of tides")
    assert "-answer" in first  # the first token's delta
    run = await Run.objects.aget()
    await Run.objects.filter(pk=run.pk).aupdate(status="done")  # stored as ended, frames to come
    await communicator.send_to(text_data=json.dumps({"action": "resync", "runs": [str(run.id)]}))
    await communicator.send_to(text_data=json.dumps({"action": "no such action"}))
    assert 'id="composer-errors"' in await communicator.receive_from(timeout=5)  # nothing first
    await release(simulator_url, gate)
    frames = await frames_until_final(communicator)
    assert streamed(frames[:-1], "answer"), "the deltas after the resync were dropped"
    await communicator.disconnect()
