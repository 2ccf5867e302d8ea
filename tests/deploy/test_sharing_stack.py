"""Sharing on the production shape (nginx, two daphne workers, PostgreSQL, Redis): a share
viewer on one worker follows a run streamed by the other, and a revoke made on either closes
the viewer's socket through Redis; the library's search and the export/import round trip run
on PostgreSQL."""

from __future__ import annotations

import re

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.deploy.gates import gated, new_gate, release, wait_paused
from tests.deploy.page import composer_message, socket_path
from tests.deploy.test_stack import RUN_ID, frames_of

SHARE_URL = re.compile(r'id="share-url" readonly value="[^"]*/s/([\w-]+)/"')


@pytest.fixture
def owner(stack):
    with httpx.Client(base_url=stack.url, follow_redirects=True, timeout=15) as client:
        client.page = client.get("/")
        client.session_id = re.search(r'data-session="([0-9a-f-]+)"', client.page.text).group(1)
        client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
        yield client


def owner_socket(stack, owner):
    cookie = f"sessionid={owner.cookies['sessionid']}"
    url = stack.url.replace("http", "ws", 1) + socket_path(owner.page.text)
    return connect(url, origin=stack.url, additional_headers={"Cookie": cookie}, open_timeout=10)


def new_link(owner) -> str:
    made = owner.post(f"/sessions/{owner.session_id}/shares/new/", data={"expires": "1d"})
    return SHARE_URL.search(made.text).group(1)


def test_a_viewer_on_the_other_worker_follows_the_run_until_revoked(stack, owner):
    token = new_link(owner)
    shared = httpx.get(f"{stack.url}/s/{token}/")
    assert shared.status_code == 200 and shared.headers["x-robots-tag"] == "noindex, nofollow"
    assert socket_path(shared.text) == f"/ws/share/{token}/"
    gate = new_gate()
    with owner_socket(stack, owner) as tab:
        tab.send(composer_message(owner.page.text, prompt=gated("Tell me about harbours.", gate)))
        run_id = RUN_ID.search(tab.recv(timeout=10)).group(1)
        wait_paused(stack, gate, streams=1)  # still live when the viewer joins, however slow
        viewer_url = stack.url.replace("http", "ws", 1) + f"/ws/share/{token}/"
        with connect(viewer_url, origin=stack.url, open_timeout=10) as viewer:
            snapshot = frames_of(viewer, run_id, count=1)[0]
            release(stack, gate)
            assert 'class="body streaming"' in snapshot and "ws-send" not in snapshot
            assert "ws-send" not in frames_of(viewer, run_id, count=1)[0]
            link = re.search(
                r'<tr id="share-([0-9a-f-]+)"',
                owner.get(f"/sessions/{owner.session_id}/shares/").text,
            ).group(1)
            owner.post(f"/sessions/{owner.session_id}/shares/{link}/revoke/")
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    viewer.recv(timeout=10)
            assert closed.value.rcvd.code == 4404
    tab_worker, viewer_worker = stack.upstreams(
        socket_path(owner.page.text), count=1
    ) + stack.upstreams(f"/ws/share/{token}/", count=1)
    assert tab_worker != viewer_worker  # the frames and the revoke crossed Redis
    assert httpx.get(f"{stack.url}/s/{token}/").status_code == 404


def test_search_and_the_export_round_trip_work_on_postgresql(stack, owner):
    with owner_socket(stack, owner) as tab:
        tab.send(composer_message(owner.page.text, prompt="[[sim tps=2000 ttft=0]] Lighthouses?"))
        run_id = RUN_ID.search(tab.recv(timeout=10)).group(1)
        while "data-run-final" not in (frame := tab.recv(timeout=15)) or run_id not in frame:
            pass
    found = owner.get("/sessions/", params={"q": "LIGHTHOUSES"}).text
    assert f'id="session-row-{owner.session_id}"' in found
    assert (
        "1 session matches"
        in owner.get("/sessions/", params={"q": "lighthouses", "sort": "cost"}).text
    )
    exported = owner.get(f"/sessions/{owner.session_id}/export.json").json()
    files = {
        "file": ("session.json", owner.get(f"/sessions/{owner.session_id}/export.json").content)
    }
    imported = owner.post("/sessions/import/", files=files)
    copy_id = re.search(r"/sessions/([0-9a-f-]+)/$", str(imported.url)).group(1)
    again = owner.get(f"/sessions/{copy_id}/export.json").json()
    for document in (exported, again):
        document.pop("exported")
        for run in document["runs"]:
            run.pop("imported")
    assert again == exported and exported["runs"][0]["cost_usd"] != "0"
