"""Live follow through a share link: the read-only socket against the real ASGI app, with runs
streaming from the simulator over loopback. It sees what the owner's tab sees (less the
actions), can do nothing, and closes when the link is revoked, regenerated or expires, or the
session is deleted."""

import json
import re
from datetime import timedelta
from uuid import uuid4

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.utils import timezone

from playground.asgi import application
from playground.models import Pane, Run, ShareLink
from playground.share_consumer import _still_open
from tests.gates import gated, new_gate, release, wait_paused
from tests.playground.helpers import SHARE_URL
from tests.playground.test_consumer import (
    FAST,
    connect,
    form,
    frames_until_final,
    open_page,
    streamed,
    unescape,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("simulator_url")]


async def share(async_client, session, *, expires="7d") -> str:
    response = await async_client.post(
        f"/sessions/{session.id}/shares/new/", {"expires": expires, "display_name": "Ana"}
    )
    return SHARE_URL.search(response.content.decode()).group(1)


async def follow(token, *, origin=b"http://testserver"):
    """A viewer in another browser: no cookie of the owner's, only the link."""
    headers = [(b"origin", origin)] if origin else []
    viewer = WebsocketCommunicator(application, f"/ws/share/{token}/", headers=headers)
    connected, code = await viewer.connect()
    return viewer, connected, code


async def closed_with(communicator, *, timeout=5.0) -> int:
    """The close code, skipping any frames still on their way."""
    while True:
        message = await communicator.receive_output(timeout=timeout)
        if message["type"] == "websocket.close":
            return message.get("code")


async def test_a_viewer_sees_the_owners_run_start_stream_and_finish_without_actions(async_client):
    session, pane, cookie = await open_page(async_client)
    token = await share(async_client, session)
    viewer, connected, _ = await follow(token)
    assert connected
    owner, _, _ = await connect(session, cookie)
    await owner.send_to(text_data=form(pane, "Describe a harbour [[sim tps=300 ttft=0]]"))
    frames = await frames_until_final(viewer)
    run = await Run.objects.aget()
    assert f'id="pane-{pane.id}-thread" hx-swap-oob="beforeend"' in frames[0]
    assert f'id="run-{run.id}"' in frames[0] and "Stop" not in frames[0]
    assert 'id="composer-reset"' not in frames[0]
    assert unescape(streamed(frames, "answer")) == run.text and run.status == "done"
    final = frames[-1]
    for action in ("Regenerate", ">Edit<", "View code", "ws-send"):
        assert action not in final, action
    assert 'id="session-ledger" hx-swap-oob="innerHTML"' in final and "Seed 2.0 Mini" in final
    await frames_until_final(owner)
    await owner.disconnect()
    await viewer.disconnect()


async def test_a_viewer_follows_a_compare_round_in_every_pane(async_client):
    session, pane, cookie = await open_page(async_client)
    other = await Pane.objects.acreate(
        session=session, position=1, model_ref="simulator/seed-2-0-pro", dialect="chat"
    )
    token = await share(async_client, session)
    viewer, _, _ = await follow(token)
    owner, _, _ = await connect(session, cookie)
    await owner.send_to(text_data=form(pane, "Compare: what is a fjord? [[sim tps=300 ttft=0]]"))
    frames = await frames_until_final(viewer, count=2)
    mini, pro = [run async for run in Run.objects.order_by("pane__position")]
    assert mini.round_id == pro.round_id and pro.model_name == "Seed 2.0 Pro"
    started = frames[0]
    assert f'id="pane-{pane.id}-thread"' in started and f'id="pane-{other.id}-thread"' in started
    for run in (mini, pro):
        assert unescape(streamed([f for f in frames if str(run.id) in f], "answer")) == run.text
    await frames_until_final(owner, count=2)
    await owner.disconnect()
    await viewer.disconnect()


async def owner_streaming(async_client, prompt: str):
    """A shared session whose owner has just started a run: (pane, token, owner's socket)."""
    session, pane, cookie = await open_page(async_client)
    token = await share(async_client, session)
    owner, _, _ = await connect(session, cookie)
    await owner.send_to(text_data=form(pane, prompt))
    await owner.receive_from(timeout=5)  # accepted
    return pane, token, owner


async def test_a_viewer_joining_mid_stream_gets_a_snapshot_then_the_rest(
    async_client, simulator_url
):
    gate = new_gate()
    _, token, owner = await owner_streaming(async_client, gated("Ships", gate))
    await wait_paused(simulator_url, gate)  # the run is under way, and stays so
    viewer, _, _ = await follow(token)
    snapshot = await viewer.receive_from(timeout=5)
    await release(simulator_url, gate)
    await frames_until_final(viewer)
    run = await Run.objects.aget()
    assert re.search(
        rf'<div id="run-{run.id}-body" class="body streaming" hx-swap-oob="true"', snapshot
    )
    assert run.status == "done" and "Stop" not in snapshot
    await frames_until_final(owner)
    await owner.disconnect()
    await viewer.disconnect()


async def test_a_viewer_can_send_stop_or_rerun_nothing(async_client, simulator_url):
    gate = new_gate()
    pane, token, owner = await owner_streaming(async_client, gated("Slowly", gate))
    await wait_paused(simulator_url, gate)  # streaming until the owner stops it
    run = await Run.objects.aget()
    viewer, _, _ = await follow(token)
    await viewer.receive_from(timeout=5)  # the snapshot of the streaming run
    attempts = [
        form(pane, f"a viewer's prompt {FAST}"),
        json.dumps({"action": "stop", "run": str(run.id)}),
        json.dumps({"action": "stop_all"}),
        json.dumps({"action": "regenerate", "run": str(run.id)}),
        "not even json",
    ]
    for attempt in attempts:
        await viewer.send_to(text_data=attempt)
        while "read-only view" not in (frame := await viewer.receive_from(timeout=5)):
            assert "composer-reset" not in frame
    await run.arefresh_from_db()
    assert run.is_active and await Run.objects.acount() == 1
    await owner.send_to(text_data=json.dumps({"action": "stop", "run": str(run.id)}))
    await frames_until_final(owner)
    await owner.disconnect()
    await viewer.disconnect()


async def test_revoking_a_link_closes_its_open_sockets_at_once(async_client):
    session, _, _ = await open_page(async_client)
    token = await share(async_client, session)
    kept = await share(async_client, session)
    viewer, connected, _ = await follow(token)
    other, _, _ = await follow(kept)
    assert connected
    link = await ShareLink.objects.aearliest("created_at")
    await async_client.post(f"/sessions/{session.id}/shares/{link.id}/revoke/")
    assert await closed_with(viewer) == 4404
    assert await other.receive_nothing(timeout=0.3)  # the other link still works
    again, connected, code = await follow(token)
    assert not connected and code == 4404
    await other.disconnect()


async def test_regenerating_a_link_closes_the_old_links_sockets(async_client):
    session, _, _ = await open_page(async_client)
    token = await share(async_client, session)
    viewer, _, _ = await follow(token)
    link = await ShareLink.objects.aget()
    response = await async_client.post(f"/sessions/{session.id}/shares/{link.id}/regenerate/")
    assert await closed_with(viewer) == 4404
    fresh = SHARE_URL.search(response.content.decode()).group(1)
    viewer, connected, _ = await follow(fresh)
    assert connected
    await viewer.disconnect()


async def test_an_expiring_link_closes_its_socket_when_it_expires(async_client):
    session, _, _ = await open_page(async_client)
    token = await share(async_client, session, expires="1h")
    soon = timezone.now() + timedelta(seconds=0.5)
    await ShareLink.objects.all().aupdate(expires_at=soon)
    viewer, connected, _ = await follow(token)
    assert connected
    assert await closed_with(viewer, timeout=5) == 4404
    assert timezone.now() >= soon
    again, connected, code = await follow(token)
    assert not connected and code == 4404


async def test_deleting_the_session_closes_its_tabs_and_viewers(async_client):
    session, _, cookie = await open_page(async_client)
    token = await share(async_client, session)
    viewer, _, _ = await follow(token)
    owner, _, _ = await connect(session, cookie)
    await async_client.post(f"/sessions/{session.id}/delete/")
    assert await closed_with(viewer) == 4404
    assert await closed_with(owner) == 4404


async def test_a_share_socket_checks_the_origin_and_the_token(async_client):
    session, _, _ = await open_page(async_client)
    token = await share(async_client, session)
    for origin in (b"https://evil.example", None):
        _, connected, _ = await follow(token, origin=origin)
        assert not connected, origin
    for guess in ("x" * 43, token[:-1], token + "A", "short"):
        _, connected, code = await follow(guess)
        assert not connected and code == 4404, guess


async def test_closing_the_owners_account_ends_their_links_and_sockets(async_client):
    user = await get_user_model().objects.acreate_user("ana", password="a-Long-passphrase-42")
    await async_client.aforce_login(user)
    session, _, _ = await open_page(async_client)
    token = await share(async_client, session)
    viewer, connected, _ = await follow(token)
    assert connected
    closed = await async_client.post("/account/delete/", {"password": "a-Long-passphrase-42"})
    assert closed.status_code == 302
    assert await closed_with(viewer) == 4404
    assert (await async_client.get(f"/s/{token}/")).status_code == 404
    assert not await ShareLink.objects.aexists()


def test_a_link_deleted_while_its_viewer_connects_counts_as_closed_not_as_an_error():
    """Deleting a session deletes its links; a viewer's connect that checks its link just
    after must close the socket (4404), not raise inside the consumer (1011)."""
    assert _still_open(uuid4()) is False
