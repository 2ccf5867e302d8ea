"""A worker that stops (SIGTERM) or dies (SIGKILL) mid-run loses nothing it had received."""

from __future__ import annotations

import re
import secrets
import signal
import sqlite3
import time

import httpx
import pytest
from websockets.sync.client import connect

from deploy.services import redis_error
from tests.browser.conftest import Gates
from tests.deploy.page import composer_message, socket_path
from tests.live import LiveApp
from tests.stack import REDIS_URL

RUN_ID = re.compile(r'id="run-([0-9a-f-]{36})"')


@pytest.fixture
def app(tmp_path):
    app = LiveApp(tmp_path).start()
    yield app
    app.stop()


def start_held_run(app, gate: str | None = None) -> tuple[str, str]:
    """A run that streams a few tokens and then waits at a gate: mid-run for as long as needed."""
    gates = Gates(app.url)
    gate = gate or gates.new()
    with httpx.Client(base_url=app.url, follow_redirects=True) as client:
        page = client.get("/")
        cookie = client.cookies["sessionid"]
    url = app.url.replace("http", "ws", 1) + socket_path(page.text)
    headers = {"Cookie": f"sessionid={cookie}"}
    with connect(url, origin=app.url, additional_headers=headers) as socket:
        prompt = f"Explain tides in detail [[sim gate={gate} after=30 tps=0 ttft=0]]"
        socket.send(composer_message(page.text, prompt=prompt))
        run_id = RUN_ID.search(socket.recv(timeout=30)).group(1)
    gates.wait_paused(gate)  # the run goes on without the page: it belongs to the worker
    return run_id, cookie


def stored(app, run_id: str) -> dict:
    with sqlite3.connect(app.env["SQLITE_PATH"]) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM playground_run WHERE id = ?", (run_id.replace("-", ""),))
        return dict(row.fetchone())


def test_sigterm_ends_runs_in_flight_as_interrupted_with_their_text_and_cost(app):
    run_id, _ = start_held_run(app)
    app.process.send_signal(signal.SIGTERM)
    assert app.process.wait(timeout=30) == 0
    run = stored(app, run_id)
    assert run["status"] == "interrupted" and run["error_kind"] == "interrupted"
    assert run["text"] or run["reasoning"]
    assert run["output_tokens"] > 0 and float(run["cost"]) > 0
    assert "shut down while this run was streaming" in run["error_message"]


def test_a_killed_worker_leaves_its_run_interrupted_with_the_checkpointed_text(app):
    run_id, cookie = start_held_run(app)
    time.sleep(2.5)  # a checkpoint lands about a second after the text arrives
    app.process.send_signal(signal.SIGKILL)
    app.process.wait(timeout=10)
    assert stored(app, run_id)["status"] == "streaming"  # nobody could say otherwise yet
    app.start()  # the same database, a new process: a single-worker install restarting
    with httpx.Client(base_url=app.url, follow_redirects=True) as client:
        client.cookies.set("sessionid", cookie)
        page = client.get("/")  # the page itself shows it interrupted, before any socket
    run = stored(app, run_id)
    assert run["status"] == "interrupted" and (run["text"] or run["reasoning"])
    assert run["output_tokens"] > 0 and float(run["cost"]) > 0
    assert f'id="run-{run_id}" class="run status-interrupted' in page.text


@pytest.fixture
def multi_worker_app(tmp_path):
    """The app as one of several workers (a Redis channel layer: no first-start sweep of every
    run), with leases too long to run out during the test."""
    reason = redis_error(REDIS_URL)
    if reason:
        pytest.skip(f"Redis at {REDIS_URL} is not usable: {reason}")
    prefix = f"playground_test_{secrets.token_hex(4)}:"
    env = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": prefix, "PLAYGROUND_RUN_LEASE_SECONDS": "600"}
    app = LiveApp(tmp_path, **env).start()
    yield app
    app.stop()


def test_a_page_loaded_right_after_a_restart_shows_a_dead_workers_run_interrupted(
    multi_worker_app,
):
    app = multi_worker_app
    run_id, cookie = start_held_run(app)
    time.sleep(2.5)  # a checkpoint lands about a second after the text arrives
    app.process.send_signal(signal.SIGKILL)
    app.process.wait(timeout=10)
    app.start()  # a new worker process; the dead one's lease still has minutes to run
    with httpx.Client(base_url=app.url, follow_redirects=True) as client:
        client.cookies.set("sessionid", cookie)
        page = client.get("/").text  # a plain page load: no socket, no sweep of its own
    article = re.search(rf'<article id="run-{run_id}".*?</article>', page, re.S).group(0)
    assert 'class="run status-interrupted' in article and ">Stop<" not in article
    run = stored(app, run_id)
    assert run["status"] == "interrupted" and run["reasoning"]
    assert run["output_tokens"] == run["reasoning_tokens"] > 0 and float(run["cost"]) > 0
    assert run["ttft_ms"] is not None and run["duration_ms"] >= run["ttft_ms"]
    shown = re.search(r'data-metric="output">([^<]*)<', article).group(1)
    assert shown == f"{run['output_tokens']} ({run['reasoning_tokens']} reasoning)"
    assert re.search(r'data-metric="cost">\$0\.0000\d', article)
    assert 'data-metric="ttft">—<' not in article


def test_a_page_loaded_mid_run_shows_what_the_last_checkpoint_holds_not_dashes(app):
    gates = Gates(app.url)
    gate = gates.new()
    run_id, cookie = start_held_run(app, gate)
    time.sleep(2.5)  # a checkpoint lands about a second after the text arrives
    with httpx.Client(base_url=app.url, follow_redirects=True) as client:
        client.cookies.set("sessionid", cookie)
        page = client.get("/").text  # before any socket's snapshot
    gates.release(gate)
    article = re.search(rf'<article id="run-{run_id}".*?</article>', page, re.S).group(0)
    assert 'class="run status-streaming' in article
    assert 'data-metric="output">30 (30 reasoning)<' in article  # the gate holds it at 30
    assert re.search(r'data-metric="input">\d+<', article)
    assert re.search(r'data-metric="cost">\$0\.0000\d+ <span class="tag"[^>]*>estimate<', article)
