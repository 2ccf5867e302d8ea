"""The production-shaped stack, end to end through nginx: two daphne workers on PostgreSQL and
Redis. The crash test comes last: nginx avoids a failed worker for a while afterwards."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from deploy.processes import free_port, port_is_free
from tests.deploy.gates import gated, new_gate, release, wait_paused
from tests.deploy.page import composer_message, socket_path
from tests.live import ROOT

RUN_ID = re.compile(r'id="run-([0-9a-f]{8}-[0-9a-f-]{27})')


def open_page(stack) -> httpx.Response:
    """`/` redirects to the session it opens; the cookie comes with the redirect."""
    with httpx.Client(follow_redirects=True) as client:
        page = client.get(stack.url + "/")
        page.session_cookie = client.cookies["sessionid"]
    assert page.status_code == 200
    return page


def open_socket(stack, page: httpx.Response, *, cookie: bool = True):
    headers = {"Cookie": f"sessionid={page.session_cookie}"} if cookie else {}
    url = stack.url.replace("http", "ws", 1) + socket_path(page.text)
    return connect(url, origin=stack.url, additional_headers=headers, open_timeout=10)


def frames_of(socket, run_id: str, *, count: int, seconds: float = 15) -> list[str]:
    frames, deadline = [], time.monotonic() + seconds
    while len(frames) < count:
        frame = socket.recv(timeout=max(deadline - time.monotonic(), 0.01))
        if run_id in frame:
            frames.append(frame)
    return frames


def next_final(socket, run_id: str, *, seconds: float = 30) -> str:
    """The run's final frame: the one that swaps in its finished article."""
    deadline = time.monotonic() + seconds
    while "data-run-final" not in (frame := frames_of(socket, run_id, count=1)[0]):
        assert time.monotonic() < deadline, "the run's final frame never came"
    return frame


def test_nginx_serves_the_page_from_a_worker(stack):
    page = open_page(stack)
    assert page.headers["content-type"].startswith("text/html")
    assert page.session_cookie
    assert "/ws/sessions/" in socket_path(page.text)
    assert stack.upstreams("/", count=1)[0] in stack.worker_addresses


def test_static_files_are_served_by_nginx_gzipped(stack):
    css = httpx.get(stack.url + "/static/playground/playground.css")
    assert css.status_code == 200
    assert css.headers["content-encoding"] == "gzip"  # the .gz collectstatic wrote
    assert css.text == (ROOT / "static/playground/playground.css").read_text()


def test_a_file_collected_after_the_workers_started_is_served_all_the_same(stack):
    # The workers' whitenoise only knows the files present when they started: only nginx, which
    # reads STATIC_ROOT on every request, can serve this one.
    (stack.stack.static_root / "late.txt").write_text("collected later")
    late = httpx.get(stack.url + "/static/late.txt")
    assert (late.status_code, late.text) == (200, "collected later")


def test_the_simulator_answers_through_nginx(stack):
    models = httpx.get(stack.url + "/simulator/v1/models")
    assert models.status_code == 200
    assert "seed-2-0-mini" in {model["id"] for model in models.json()["data"]}


def test_the_websocket_handshake_passes_nginx_for_the_page_session(stack):
    page = open_page(stack)
    with open_socket(stack, page) as socket:
        assert socket.response.status_code == 101


def test_a_websocket_without_the_page_cookie_is_refused(stack):
    page = open_page(stack)
    with pytest.raises(InvalidStatus) as refused:
        open_socket(stack, page, cookie=False)
    assert refused.value.response.status_code == 403


def test_a_run_started_on_one_worker_streams_to_a_page_on_the_other(stack):
    page, gate = open_page(stack), new_gate()
    with open_socket(stack, page) as first:
        first.send(composer_message(page.text, prompt=gated("Tell me about nginx.", gate)))
        run_id = RUN_ID.search(first.recv(timeout=10)).group(1)
        wait_paused(stack, gate, streams=1)
        # least_conn sends the second socket to the worker without one: the run's frames
        # reach it only through Redis. Paused at the gate, the run is still live when it joins.
        with open_socket(stack, page) as second:
            snapshot = frames_of(second, run_id, count=1)[0]
            release(stack, gate)
            final = next_final(second, run_id)
    assert 'class="body streaming"' in snapshot
    assert 'class="run status-done"' in final
    sockets = stack.upstreams(socket_path(page.text), count=2)
    assert sorted(sockets) == sorted(stack.worker_addresses)


def test_requests_are_spread_over_both_workers(stack):
    for _ in range(6):
        assert httpx.get(stack.url + "/simulator/v1/models").status_code == 200
    served_by = stack.upstreams("/simulator/v1/models", count=6)
    assert set(served_by) == set(stack.worker_addresses)


def test_make_stack_stops_nginx_and_its_workers_on_ctrl_c(stack, tmp_path):
    port = free_port()
    env = stack.env(REDIS_PREFIX=stack.redis_prefix + "cli:")
    command = [sys.executable, "-m", "deploy.stack", "--workers", "1", "--port", str(port)]
    command += ["--run-dir", str(tmp_path)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        ready = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in ready
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
    worker_port = int(re.search(r"ports (\d+)", ready).group(1))
    assert port_is_free("127.0.0.1", port) and port_is_free("127.0.0.1", worker_port)


def test_a_crashed_worker_is_routed_around(stack):
    stack.kill_worker(0)
    try:
        statuses = [open_page(stack).status_code for _ in range(4)]
        assert statuses == [200] * 4
        assert set(stack.upstreams("/", count=4)) == {stack.worker_addresses[1]}
    finally:
        stack.start_worker(0)
