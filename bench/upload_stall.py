"""Does one person's upload stall everyone else? (issue #12, item 2)

Starts the app (tests/live.py, one daphne) pointed at a standalone simulator, keeps a stream
running through the page's websocket and two probes polling the app, and meanwhile:

  upload-45   a 45 MiB video uploaded to /attachments/ (accepted: it is under the video limit)
  upload-60   a 60 MiB video (over every limit: must be refused at once, naming the limit)
  send-300x   a 1 MiB image uploaded, then one websocket send naming it 300 times

For each phase it prints how long the action took and its answer, the probes' worst latency
(`asgi` = a request that never leaves the event loop, `view` = a Django view), the longest gap
between the stream's frames (frames come every ~80 ms), the app's peak RSS growth, and the bytes
the simulator read (what went upstream). Everything it started is stopped on exit.

    .venv/bin/python bench/upload_stall.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.streamlib.procs import rss_bytes  # noqa: E402
from bench.streamlib.servers import Simulator  # noqa: E402
from tests.deploy.page import composer_message, socket_path  # noqa: E402
from tests.live import LiveApp  # noqa: E402

MIB = 1024 * 1024
ATTACHMENT_ID = re.compile(r'name="attachment" value="([0-9a-f-]{36})"')
STREAM_PROMPT = "Explain the tides, the moon and the oceans in detail [[sim tps=40 ttft=0]]"


class Probe(threading.Thread):
    """GET `url` every `period` seconds; each request's latency is a sample."""

    def __init__(self, url: str, period: float = 0.01):
        super().__init__(daemon=True)
        self.url, self.period, self.samples = url, period, []
        self.stopping = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=120) as client:
            while not self.stopping.is_set():
                started = time.perf_counter()
                client.get(self.url)
                self.samples.append(time.perf_counter() - started)
                self.stopping.wait(self.period)


class FrameWatch(threading.Thread):
    """A run streaming through the page's websocket, started again whenever one ends; the
    gaps between consecutive frames of a run are the samples."""

    def __init__(self, app: LiveApp, cookie: str, page: str):
        super().__init__(daemon=True)
        self.url = app.url.replace("http", "ws", 1) + socket_path(page)
        self.origin, self.page = app.url, page
        self.headers = {"Cookie": f"sessionid={cookie}"}
        self.gaps: list[float] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        with connect(self.url, origin=self.origin, additional_headers=self.headers) as socket:
            while not self.stopping.is_set():
                self._one_run(socket)

    def _one_run(self, socket) -> None:
        socket.send(composer_message(self.page, prompt=STREAM_PROMPT))
        last = None
        while not self.stopping.is_set():
            try:
                frame = socket.recv(timeout=0.5)
            except TimeoutError:
                continue
            now = time.perf_counter()
            if last is not None:
                self.gaps.append(now - last)
            last = now
            if "data-run-final" in frame:
                return
        socket.send(json.dumps({"action": "stop_all"}))


class PeakRss(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.start_rss = pid, rss_bytes(pid)
        self.peak = self.start_rss
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.02):
            self.peak = max(self.peak, rss_bytes(self.pid))


def read_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/io") as io:
        return next(int(line.split()[1]) for line in io if line.startswith("rchar:"))


class Browser:
    """One person's tab: its cookies, CSRF token and session page."""

    def __init__(self, app: LiveApp):
        self.client = httpx.Client(base_url=app.url, follow_redirects=True, timeout=300)
        self.page = self.client.get("/").text
        self.cookie = self.client.cookies["sessionid"]
        self.csrf = self.client.cookies["csrftoken"]

    def upload(self, *, name: str, mime: str, data: bytes) -> httpx.Response:
        return self.client.post(
            "/attachments/",
            files={"file": (name, data, mime)},
            headers={"X-CSRFToken": self.csrf, "HX-Request": "true"},
        )


def upload_action(browser: Browser, size: int, label: str):
    def action() -> str:
        answer = browser.upload(name=f"{label}.mp4", mime="video/mp4", data=os.urandom(size))
        return f"HTTP {answer.status_code}: {_text(answer.text)}"

    return action


def send_repeated_action(app: LiveApp, browser: Browser, times: int):
    image = browser.upload(name="photo.png", mime="image/png", data=os.urandom(MIB))
    attachment_id = ATTACHMENT_ID.search(image.text).group(1)

    def action() -> str:
        message = json.loads(composer_message(browser.page, prompt="Describe it [[sim ttft=0]]"))
        message["attachment"] = [attachment_id] * times
        url = app.url.replace("http", "ws", 1) + socket_path(browser.page)
        headers = {"Cookie": f"sessionid={browser.cookie}"}
        with connect(url, origin=app.url, additional_headers=headers, max_size=None) as socket:
            socket.send(json.dumps(message))
            first = socket.recv(timeout=120)
            if 'id="composer-reset"' not in first:
                return "refused: " + _text(first)
            while "data-run-final" not in (frame := socket.recv(timeout=120)):
                pass
            return "accepted; run ended: " + _status(frame)

    return action


def _text(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(text.split())[:160]


def _status(frame: str) -> str:
    found = re.search(r'class="run status-(\w+)', frame)
    return found.group(1) if found else "?"


def phase(name: str, app: LiveApp, sim: Simulator, action) -> dict:
    browser = Browser(app)  # the stream runs in a tab of its own
    probes = [Probe(app.url + "/simulator/v1/models"), Probe(app.url + "/robots.txt")]
    frames = FrameWatch(app, browser.cookie, browser.page)
    rss = PeakRss(app.process.pid)
    upstream_before = read_bytes(sim.process.pid)
    for watcher in (*probes, frames, rss):
        watcher.start()
    time.sleep(1.5)
    started = time.perf_counter()
    outcome = action() if action else "(nothing: baseline)"
    took = time.perf_counter() - started
    time.sleep(1.5)
    for watcher in (*probes, frames, rss):
        watcher.stopping.set()
    for watcher in (*probes, frames, rss):
        watcher.join(timeout=30)
    return {
        "phase": name,
        "took_s": took,
        "outcome": outcome,
        "asgi_max_ms": 1000 * max(probes[0].samples),
        "asgi_p50_ms": 1000 * statistics.median(probes[0].samples),
        "view_max_ms": 1000 * max(probes[1].samples),
        "view_p50_ms": 1000 * statistics.median(probes[1].samples),
        "frame_gap_max_ms": 1000 * max(frames.gaps, default=0),
        "frame_gap_p50_ms": 1000 * statistics.median(frames.gaps or [0]),
        "rss_growth_mib": (rss.peak - rss.start_rss) / MIB,
        "upstream_mib": (read_bytes(sim.process.pid) - upstream_before) / MIB,
    }


def report(rows: list[dict]) -> None:
    head = (
        f"{'phase':<10} {'took':>7} {'asgi p50/max ms':>16} {'view p50/max ms':>16} "
        f"{'frame gap p50/max ms':>21} {'RSS +MiB':>9} {'upstream MiB':>13}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['phase']:<10} {r['took_s']:>6.2f}s "
            f"{r['asgi_p50_ms']:>7.1f}/{r['asgi_max_ms']:<8.1f} "
            f"{r['view_p50_ms']:>7.1f}/{r['view_max_ms']:<8.1f} "
            f"{r['frame_gap_p50_ms']:>10.1f}/{r['frame_gap_max_ms']:<10.1f} "
            f"{r['rss_growth_mib']:>9.1f} {r['upstream_mib']:>13.1f}"
        )
    for r in rows:
        print(f"  {r['phase']}: {r['outcome']}")


def run(repeat: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        sim = Simulator(rate=40, ttft=0.0, log=Path(tmp) / "simulator.log").start()
        app = LiveApp(Path(tmp))
        app.env["PLAYGROUND_SIMULATOR_URL"] = sim.base_url
        try:
            app.start()
            rows = []
            for _ in range(repeat):
                actions = {
                    "idle": None,
                    "upload-45": upload_action(Browser(app), 45 * MIB, "v45"),
                    "upload-60": upload_action(Browser(app), 60 * MIB, "v60"),
                    "send-300x": send_repeated_action(app, Browser(app), 300),
                }
                rows += [phase(name, app, sim, action) for name, action in actions.items()]
            return rows
        finally:
            app.stop()
            sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = run(args.repeat)
    print(json.dumps(rows, indent=1)) if args.json else report(rows)


if __name__ == "__main__":
    main()
