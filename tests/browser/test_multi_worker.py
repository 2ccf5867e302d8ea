"""Two daphne workers behind nginx on PostgreSQL and Redis: a run streamed by one worker is
watched from a browser on the other, and outlives its worker's death as an interrupted run."""

from __future__ import annotations

import time

import psycopg
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Gates, new_page
from tests.browser.test_playground_page import open_fresh, send

pytestmark = pytest.mark.browser


class Address:
    def __init__(self, url: str):
        self.url = url


def worker_of(stack, run_id: str) -> int:
    """Which of the stack's workers streams the run (runs record "host:pid")."""
    with psycopg.connect(stack.database_url) as db:
        (worker,) = db.execute(
            "SELECT worker FROM playground_run WHERE id = %s", (run_id,)
        ).fetchone()
    pids = [process.pid for process in stack.stack.workers]
    return pids.index(int(worker.rsplit(":", 1)[1]))


def wait_checkpointed(stack, run_id: str, *, seconds: float = 30) -> None:
    """Text reaches the database at most a second after it arrives (by wall clock): what a
    dying worker can leave behind."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with psycopg.connect(stack.database_url) as db:
            row = db.execute(
                "SELECT text, reasoning FROM playground_run WHERE id = %s", (run_id,)
            ).fetchone()
        if row[0] or row[1]:
            return
        time.sleep(0.1)
    raise AssertionError("the run's text was never checkpointed")


def watch_on(browser, stack, worker: int, owner):
    """A second browser, on one worker's own port, showing the owner's session."""
    watcher = new_page(browser, Address(f"http://{stack.worker_addresses[worker]}"))
    cookies = [c for c in owner.context.cookies() if c["name"] == "sessionid"]
    watcher.context.add_cookies([c | {"domain": "127.0.0.1"} for c in cookies])
    watcher.goto(owner.url.replace(stack.url, ""))
    expect(watcher.locator("body")).to_have_attribute("data-socket", "open")
    return watcher


def test_a_run_on_one_worker_is_watched_on_the_other_and_survives_its_death(browser, stack):
    gates = Gates(*(f"http://{address}" for address in stack.worker_addresses))
    owner = new_page(browser, Address(stack.url))  # through nginx: whichever worker it lands on
    open_fresh(owner)
    gate = gates.new()
    run = send(owner, f"Tell me about harbours [[sim gate={gate} after=25 tps=400 ttft=0]]")
    run_id = run.get_attribute("id").removeprefix("run-")
    gates.wait_paused(gate)
    streaming = worker_of(stack, run_id)
    watcher = watch_on(browser, stack, 1 - streaming, owner)
    try:
        watched = watcher.locator(f"#run-{run_id}")
        expect(watched.locator(".status-label")).to_have_text("Streaming")
        expect(watched.locator(".reasoning-text, .answer").first).not_to_be_empty()
        wait_checkpointed(stack, run_id)
        stack.kill_worker(streaming)
        expect(watched.locator(".status-label")).to_have_text("Interrupted", timeout=30_000)
        expect(watched.locator(".reasoning-text, .answer").first).not_to_be_empty()
        expect(watched.locator('[data-metric="cost"]')).to_contain_text("$")
        after = send(watcher, "Still here? [[sim tps=400 ttft=0]]")  # the other worker goes on
        expect(after.locator(".status-label")).to_have_text("Done", timeout=60_000)
    finally:
        stack.start_worker(streaming)
        watcher.context.close()
        owner.context.close()
