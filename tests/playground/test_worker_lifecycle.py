"""A worker that stops (SIGTERM) or dies (SIGKILL) mid-run loses nothing it had received."""

from __future__ import annotations

import re
import signal
import sqlite3
import time

import httpx
import pytest
from websockets.sync.client import connect

from tests.browser.conftest import Gates
from tests.deploy.page import composer_message, socket_path
from tests.live import LiveApp

RUN_ID = re.compile(r'id="run-([0-9a-f-]{36})"')


@pytest.fixture
def app(tmp_path):
    app = LiveApp(tmp_path).start()
    yield app
    app.stop()


def start_held_run(app) -> tuple[str, str]:
    """A run that streams a few tokens and then waits at a gate: mid-run for as long as needed."""
    gates = Gates(app.url)
    gate = gates.new()
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
