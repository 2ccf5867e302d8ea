"""Fair use with two daphne workers on PostgreSQL and Redis, each socket pinned to one worker:
one person's run cap counts the runs of both workers (and two sends at the same instant on both
cannot both take the last room), and a run streamed by one worker keeps going while a tab on
the other worker watches its session, and is stopped once nobody does."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time

import httpx
import psycopg
import pytest
from websockets.sync.client import connect

from tests.deploy.gates import gated, new_gate, release, wait_paused
from tests.deploy.page import composer_message, socket_path
from tests.stack import StackUnderTest

CAP, UNWATCHED = 2, 3
RESET = 'id="composer-reset"'  # the accepted frame clears the composer; a refusal never does
FINAL = re.compile(r'<article id="run-[^"]+"[^>]*hx-swap-oob="true"')


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A stack of its own: a small cap and a short unwatched limit, on both workers."""
    harness = StackUnderTest(tmp_path_factory.mktemp("fair"))
    harness.stack.base_env |= {
        "PLAYGROUND_MAX_RUNS_PER_PERSON": str(CAP),
        "PLAYGROUND_UNWATCHED_STOP_SECONDS": str(UNWATCHED),
    }
    harness.start()
    yield harness
    harness.stop()


class Person:
    """One browser (one cookie), talking to a chosen worker directly, not through nginx."""

    def __init__(self, stack):
        self.stack = stack
        self.client = httpx.Client(follow_redirects=True, timeout=15)
        self.first = self.client.get(self.worker(0) + "/")
        self.cookie = self.client.cookies["sessionid"]

    def worker(self, index: int) -> str:
        return f"http://{self.stack.worker_addresses[index]}"

    def new_session(self, index: int) -> httpx.Response:
        token = self.client.cookies["csrftoken"]
        page = self.client.post(
            self.worker(index) + "/sessions/new/", headers={"X-CSRFToken": token}
        )
        assert page.status_code == 200, page.status_code
        return page

    def page(self, index: int, path: str) -> httpx.Response:
        return self.client.get(self.worker(index) + path)

    def socket(self, index: int, page: httpx.Response):
        url = self.worker(index).replace("http", "ws", 1) + socket_path(page.text)
        headers = {"Cookie": f"sessionid={self.cookie}"}
        return connect(url, origin=self.worker(index), additional_headers=headers, open_timeout=10)


def send(socket, page, prompt: str, *, repeat: int = 1) -> str:
    """Send what the composer sends; the answer to it, accepted or refused (frames of runs
    the socket still follows are skipped)."""
    message = json.loads(composer_message(page.text, prompt=prompt)) | {"repeat": str(repeat)}
    socket.send(json.dumps(message))
    deadline = time.monotonic() + 15
    while True:
        frame = socket.recv(timeout=max(deadline - time.monotonic(), 0.01))
        if RESET in frame or 'id="composer-errors"' in frame:
            return frame


def query(stack, sql: str, *args) -> list[tuple]:
    with psycopg.connect(stack.database_url) as db:
        return db.execute(sql, args).fetchall()


def active_runs(stack) -> int:
    sql = "SELECT count(*) FROM playground_run WHERE status IN ('queued', 'streaming')"
    return query(stack, sql)[0][0]


def wait_until(check, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_the_run_cap_counts_the_runs_of_every_worker(stack):
    person, gate = Person(stack), new_gate()
    first = person.new_session(0)
    with person.socket(0, first) as streaming:
        assert RESET in send(streaming, first, gated("Rivers", gate), repeat=CAP)
        wait_paused(stack, gate, streams=CAP)
        second = person.new_session(1)
        with person.socket(1, second) as other:
            refused = send(other, second, "Lakes [[sim tps=2000 ttft=0]]")
            assert f"Busy: you have {CAP} runs streaming and may stream {CAP} at once" in refused
            assert RESET not in refused
            release(stack, gate)
            wait_until(lambda: active_runs(stack) == 0, seconds=30, what="runs never ended")
            assert RESET in send(other, second, "Lakes [[sim tps=2000 ttft=0]]")
            # Ended before the next test counts the runs streaming on the stack.
            wait_until(lambda: active_runs(stack) == 0, seconds=30, what="the last run never ended")


def test_two_sends_at_once_on_two_workers_never_exceed_the_cap(stack):
    """Each send alone fills the cap: whatever the timing, exactly one of them goes."""
    person = Person(stack)
    pages = [person.new_session(0), person.new_session(1)]
    with contextlib.ExitStack() as opened:
        sockets = [opened.enter_context(person.socket(i, page)) for i, page in enumerate(pages)]
        for _ in range(3):
            gate, replies = new_gate(), [None, None]
            start = threading.Barrier(2)

            def go(index, gate=gate, replies=replies, start=start):
                start.wait()
                prompt = gated("Tides", gate)
                replies[index] = send(sockets[index], pages[index], prompt, repeat=CAP)

            threads = [threading.Thread(target=go, args=(index,)) for index in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert sorted(RESET in reply for reply in replies) == [False, True], replies
            assert active_runs(stack) == CAP
            wait_paused(stack, gate, streams=CAP)
            release(stack, gate)
            wait_until(lambda: active_runs(stack) == 0, seconds=30, what="runs never ended")


def test_a_tab_on_the_other_worker_keeps_the_run_going_until_it_closes(stack):
    person, gate = Person(stack), new_gate()
    page = person.new_session(0)
    owner_tab = contextlib.ExitStack()
    owner = owner_tab.enter_context(person.socket(0, page))
    assert RESET in send(owner, page, gated("An endless tale", gate))
    wait_paused(stack, gate, streams=1)
    (run_id,) = query(stack, "SELECT id FROM playground_run WHERE status = 'streaming'")[0]
    with person.socket(1, page):  # the same session in a tab served by the other worker
        owner_tab.close()
        time.sleep(UNWATCHED * 2)
        assert query(stack, "SELECT status FROM playground_run WHERE id = %s", run_id) == [
            ("streaming",)
        ]
    wait_until(
        lambda: (
            query(stack, "SELECT status FROM playground_run WHERE id = %s", run_id)
            == [("stopped",)]
        ),
        seconds=UNWATCHED * 4,
        what="the unwatched run was not stopped",
    )
    (message,) = query(stack, "SELECT error_message FROM playground_run WHERE id = %s", run_id)[0]
    assert message == f"Stopped: nobody watched it for {UNWATCHED} seconds."
    shown = person.page(1, page.url.path).text
    assert f"Stopped: nobody watched it for {UNWATCHED} seconds." in shown
    release(stack, gate)
