"""A provider that quotes the API key back, whole and masked, in every kind of error on every
dialect: the key shows nowhere (SK-5, SK-6). A real daphne serves the app, its provider "keyed"
is the app's own simulator reached over loopback with a canary key from the environment, and a
real websocket sends the prompts. Then every place the text could have gone is read: the frames,
the page after a reload, every column of the stored runs, both exports, View code, the share page
and its exports, the server's output and its log file."""

from __future__ import annotations

import json
import re
import sqlite3
import time

import httpx
import pytest
from websockets.sync.client import connect

from playground.providers.redact import REDACTED
from playground.simulator.echo import masked_forms
from tests.catalogs import KEYED_DIALECTS
from tests.deploy.page import composer_message, socket_path
from tests.live import LiveApp

CANARY = "sk-canary-Echo7f3a9c1e5b2d4068Q"
DIALECTS = ("chat", "responses", "messages")
# Each error kind: the directive, and the HTTP status the run ends with (None: mid-stream).
FAULTS = (
    ("fault=400", 400),
    ("fault=401", 401),
    ("fault=403", 403),
    ("fault=429 retry_after=0", 429),  # retried once (echoed twice), then shown
    ("fault=500", 500),
    ("fault=error after=3", None),
)
RUN_ID = re.compile(r'id="run-([0-9a-f]{8}-[0-9a-f-]{27})')
SHARE_URL = re.compile(r'id="share-url" readonly value="[^"]*/s/([\w-]+)/"')


def canary_forms(key: str = CANARY) -> set[str]:
    """The key whole, every 8 characters of it, less its ends, and as providers mask it."""
    return {key, key[1:-1], *masked_forms(key), *(key[i : i + 8] for i in range(len(key) - 7))}


def leaks(text: str) -> list[str]:
    return sorted(form for form in canary_forms() if form in text)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("key-echo")
    app = LiveApp(tmp)
    (tmp / "catalog.toml").write_text(KEYED_DIALECTS.format(base=f"{app.url}/simulator/v1"))
    app.env |= {
        "PLAYGROUND_CATALOG": str(tmp / "catalog.toml"),
        "KEYED_ENDPOINT_API_KEY": CANARY,
        "PLAYGROUND_LOG_FILE": str(tmp / "playground.log"),
        "LOG_LEVEL": "DEBUG",
        "PLAYGROUND_MAX_RETRIES": "1",
    }
    app.log_file = tmp / "playground.log"
    yield app.start()
    app.stop()


@pytest.fixture
def owner(app):
    with httpx.Client(base_url=app.url, follow_redirects=True, timeout=20) as client:
        client.page = client.get("/")
        client.session_id = re.search(r'data-session="([0-9a-f-]+)"', client.page.text).group(1)
        client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
        yield client


def keyed_send(page: str, *, prompt: str, dialect: str) -> str:
    """The composer as the page sends it, with the keyed provider's model and `dialect`."""
    message = json.loads(composer_message(page, prompt=prompt))
    prefix = re.search(r'name="(p\d+)-model"', page).group(1)
    settings = {
        "model": "keyed/seed-2-0-mini",
        "dialect": dialect,
        "system": "",
        "max_tokens": "256",
        "enable_thinking": "on",
        "reasoning_effort": "low",
    }
    return json.dumps(message | {f"{prefix}-{name}": value for name, value in settings.items()})


def run_every_fault(app, owner, dialect: str) -> tuple[list[str], list[str]]:
    """Each error kind once on `dialect`, over the page's websocket: (run ids, frames)."""
    url = app.url.replace("http", "ws", 1) + socket_path(owner.page.text)
    cookie = {"Cookie": f"sessionid={owner.cookies['sessionid']}"}
    run_ids, frames = [], []
    with connect(url, origin=app.url, additional_headers=cookie, open_timeout=10) as socket:
        for directive, _ in FAULTS:
            prompt = f"Key please ({directive}) [[sim {directive} echo_key=1 ttft=0 tps=2000]]"
            socket.send(keyed_send(owner.page.text, prompt=prompt, dialect=dialect))
            while not (new := set(RUN_ID.findall(frames[-1] if frames else "")) - set(run_ids)):
                frames.append(socket.recv(timeout=15))
            run_ids.append(new.pop())
            frames += frames_until_final(socket, run_ids[-1])
    return run_ids, frames


def frames_until_final(socket, run_id: str, seconds: float = 30) -> list[str]:
    frames, deadline = [], time.monotonic() + seconds
    while "data-run-final" not in (frames[-1] if frames else "") or run_id not in frames[-1]:
        frames.append(socket.recv(timeout=max(deadline - time.monotonic(), 0.01)))
    return frames


def stored_runs(app, session_id: str) -> list[dict]:
    with sqlite3.connect(app.env["SQLITE_PATH"]) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(
            "SELECT run.* FROM playground_run run JOIN playground_pane pane ON run.pane_id = "
            "pane.id WHERE pane.session_id = ? ORDER BY run.created_at",
            (session_id.replace("-", ""),),
        )
        return [dict(row) for row in rows]


def everything_readable(app, owner, run_ids: list[str]) -> dict[str, str]:
    """Every page, export and fragment the owner or a share viewer can open of the session."""
    session = f"/sessions/{owner.session_id}"
    urls = [f"{session}/", f"{session}/export.json", f"{session}/export.md", "/sessions/"]
    urls += [f"{session}/runs/{run_id}/code/" for run_id in run_ids]
    made = owner.post(f"{session}/shares/new/", data={"expires": "1d"})
    token = SHARE_URL.search(made.text).group(1)
    read = {url: owner.get(url) for url in urls}
    with httpx.Client(base_url=app.url, timeout=20) as stranger:
        read |= {url: stranger.get(url) for url in (f"/s/{token}/", f"/s/{token}/export.json",
                                                   f"/s/{token}/export.md")}  # fmt: skip
    assert all(response.status_code == 200 for response in read.values()), read
    return {url: response.text for url, response in read.items()} | {"share dialog": made.text}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_key_echoed_in_any_error_on_any_dialect_shows_nowhere(app, owner, dialect):
    run_ids, frames = run_every_fault(app, owner, dialect)

    rows = stored_runs(app, owner.session_id)
    assert [row["status"] for row in rows] == ["failed"] * len(FAULTS)
    assert [row["error_status"] for row in rows] == [status for _, status in FAULTS]
    for row in rows:  # the key did come back, and was taken out where it arrived
        assert REDACTED in row["provider_message"] + row["error_message"], row["error_kind"]
    assert all("$KEYED_ENDPOINT_API_KEY" in row["request"] for row in rows)  # named, not sent
    for i, frame in enumerate(frames):
        assert not leaks(frame), f"frame {i}: {leaks(frame)}"
    for row in rows:
        text = " ".join(str(value) for value in row.values())
        assert not leaks(text), (row["error_kind"], leaks(text))
    for url, body in everything_readable(app, owner, run_ids).items():
        assert not leaks(body), (url, leaks(body))
    assert_logs_clean(app, run_ids)


def assert_logs_clean(app, run_ids: list[str]) -> None:
    """Both the server's output and its log file: every run logged its failure, the provider's
    words included, and no form of the key."""
    time.sleep(0.2)  # the last run's line is written as its final frame goes out
    for log in (app.log.read_text(), app.log_file.read_text()):
        assert not leaks(log), leaks(log)
        for run_id in run_ids:
            line = next(line for line in log.splitlines() if f"run {run_id} failed" in line)
            assert REDACTED in line, line
