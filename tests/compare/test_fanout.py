"""One composer, several panes, over the real websocket and the live simulator."""

import json
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from playground import compare
from playground.access import access_for_owner
from playground.models import Pane, Run
from tests.gates import gated, new_gate, wait_paused
from tests.playground.test_consumer import FAST, connect, frames_until_final, open_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("simulator_url")]
MODELS = ("simulator/seed-2-0-mini", "simulator/seed-2-0-pro", "simulator/seed-2-0-code")


async def three_panes(session):
    access = await sync_to_async(access_for_owner)(
        viewer_key=session.owner_key, session_id=session.id
    )
    for _ in range(2):
        await sync_to_async(compare.pane_add)(access=access)
    panes = [p async for p in Pane.objects.filter(session=session).order_by("position")]
    for pane, ref in zip(panes, MODELS, strict=True):
        pane.model_ref, pane.params = ref, {"max_tokens": 200, "enable_thinking": False}
        await pane.asave(update_fields=["model_ref", "params"])
    return panes, access


def send(prompt, **extra):
    return json.dumps({"action": "send", "prompt": prompt} | extra)


async def test_one_send_streams_in_every_pane_each_with_its_own_model_and_cost(async_client):
    session, _, cookie = await open_page(async_client)
    panes, _ = await three_panes(session)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=send(f"Compare rivers {FAST}"))
    frames = await frames_until_final(communicator, count=3)
    runs = [r async for r in Run.objects.order_by("pane__position")]
    assert [f"{r.provider_id}/{r.model_id}" for r in runs] == list(MODELS)
    assert len({r.round_id for r in runs}) == 1 and all(r.status == "done" for r in runs)
    assert len({r.cost for r in runs}) == 3  # three price cards, never one pane's under another
    summary = frames[-1]
    total = sum((r.cost for r in runs), Decimal(0))
    assert f"Round total: <strong data-round-total>${total.quantize(Decimal('1e-6'))}" in summary
    await communicator.disconnect()


async def test_a_failing_pane_leaves_the_others_alone(async_client):
    session, _, cookie = await open_page(async_client)
    await three_panes(session)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(
        text_data=send(f"Rivers {FAST} [[sim model=seed-2-0-pro fault=500]]")
    )
    await frames_until_final(communicator, count=3)
    statuses = {r.model_id: r.status async for r in Run.objects.all()}
    assert statuses == {"seed-2-0-mini": "done", "seed-2-0-pro": "failed", "seed-2-0-code": "done"}
    await communicator.disconnect()


async def test_stopping_one_pane_leaves_the_others_streaming(async_client, simulator_url):
    session, _, cookie = await open_page(async_client)
    await three_panes(session)
    communicator, _, _ = await connect(session, cookie)
    gate = new_gate()  # never released: the panes stream until they are stopped
    await communicator.send_to(text_data=send(gated("Long story", gate)))
    await communicator.receive_from(timeout=5)
    await wait_paused(simulator_url, gate, streams=3)
    pro = await Run.objects.aget(model_id="seed-2-0-pro")
    await communicator.send_to(text_data=json.dumps({"action": "stop", "run": str(pro.id)}))
    await frames_until_final(communicator, count=1)
    await pro.arefresh_from_db()
    assert pro.status == "stopped"
    assert await Run.objects.filter(status="streaming").acount() == 2
    await communicator.send_to(text_data=json.dumps({"action": "stop_all"}))
    await frames_until_final(communicator, count=2)
    await communicator.disconnect()


async def test_repeat_runs_every_pane_k_times_as_runs_of_their_own(async_client):
    session, _, cookie = await open_page(async_client)
    panes, _ = await three_panes(session)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=send(f"Rivers {FAST}", repeat="3"))
    frames = await frames_until_final(communicator, count=9)
    for pane in panes:
        runs = [r async for r in Run.objects.filter(pane=pane).order_by("created_at")]
        assert len(runs) == 3 and len({r.round_id for r in runs}) == 1
        await pane.arefresh_from_db()
        assert pane.head_id == runs[0].id  # the pane shows the first, the others beside it
    assert ">Different answers<" in frames[-1] and "3 of 3" in "".join(frames)
    await communicator.disconnect()


async def test_repeat_is_bounded(async_client):
    session, _, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=send("x", repeat="11"))
    assert "Repeat from 1 to 10 times." in await communicator.receive_from(timeout=5)
    assert not await Run.objects.aexists()
    await communicator.disconnect()


async def test_each_pane_keeps_its_own_history_unless_history_is_synced(async_client):
    session, _, cookie = await open_page(async_client)
    panes, access = await three_panes(session)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=send(f"Name a river {FAST}"))
    await frames_until_final(communicator, count=3)
    await communicator.send_to(text_data=send(f"How long is it? {FAST}"))
    await frames_until_final(communicator, count=3)
    first = {r.pane_id: r.text async for r in Run.objects.filter(prompt__startswith="Name")}
    second = [
        r async for r in Run.objects.filter(prompt__startswith="How").order_by("pane__position")
    ]
    for run in second:  # each pane built on its own answer
        assert run.request["json"]["messages"][1]["content"] == first[run.pane_id]
    await sync_to_async(compare.session_sync)(
        access=access, system=False, params=False, history=True
    )
    await communicator.send_to(text_data=send(f"And its source? {FAST}"))
    await frames_until_final(communicator, count=3)
    third = [
        r async for r in Run.objects.filter(prompt__startswith="And").order_by("pane__position")
    ]
    shared = {r.request["json"]["messages"][1]["content"] for r in third}
    assert shared == {first[panes[0].pk]}  # every pane now builds on pane A's answers
    await communicator.disconnect()


async def test_an_edit_with_repetitions_redraws_the_pane_with_every_repetition(async_client):
    session, _, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=send(f"First {FAST}"))
    await frames_until_final(communicator)
    first = await Run.objects.aget()
    await communicator.send_to(text_data=send(f"Again {FAST}", repeat="2", edit_of=str(first.id)))
    accepted = await communicator.receive_from(timeout=5)
    assert accepted.count("<article") == 2 and "2 of 2" in accepted
    await frames_until_final(communicator, count=2)
    await communicator.disconnect()
