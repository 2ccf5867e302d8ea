"""Does one person's upload stall everyone else? (issue #12, item 2)

Starts the app (tests/live.py, one daphne) pointed at a standalone simulator, keeps a stream
running through the page's websocket and two probes polling the app, and meanwhile:

  upload-45   a 45 MiB video uploaded to /attachments/ (accepted: it is under the video limit)
  preview-45  that video served back (what the page's preview of it loads)
  upload-60   a 60 MiB video (over every limit: must be refused at once, naming the limit)
  refuse-60   the same size declared by a client that waits for an answer after the head
  send-300x   a 1 MiB image uploaded, then one websocket send naming it 300 times

For each phase it prints how long the action took and its answer, the probes' worst latency
(`asgi` = a request that never leaves the event loop, `view` = a Django view), the longest gap
between the stream's frames (frames come every ~80 ms), the app's peak RSS growth, and the bytes
the simulator read (what went upstream), and the longest lag of the server's own event loop
(streamlib/loopwatch.py, the one figure that does not depend on the machine's other load).
Everything it started is stopped on exit.

    .venv/bin/python bench/upload_stall.py [--repeat 1] [--json]

BENCH_ROOT=/path/to/other/checkout serves that checkout's app instead (this checkout's bench
and test helpers drive it): how the before/after figures in bench/README.md were taken.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.streamlib.servers import Simulator  # noqa: E402
from bench.streamlib.stallwatch import (  # noqa: E402
    FrameWatch,
    PeakRss,
    Probe,
    WatchedApp,
    read_bytes,
)
from tests.deploy.page import composer_message, socket_path  # noqa: E402
from tests.live import LiveApp  # noqa: E402

MIB = 1024 * 1024
ATTACHMENT_ID = re.compile(r'name="attachment" value="([0-9a-f-]{36})"')


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


def preview_action(browser: Browser, size: int):
    """The page's preview of a video just attached: its bytes served back."""
    answer = browser.upload(name="preview.mp4", mime="video/mp4", data=os.urandom(size))
    url = f"/attachments/{ATTACHMENT_ID.search(answer.text).group(1)}/"

    def action() -> str:
        served = browser.client.get(url)
        return f"HTTP {served.status_code}, {len(served.content) / MIB:.0f} MiB"

    return action


def refusal_action(app: LiveApp, browser: Browser, size: int):
    """The head of an upload of `size` bytes, then the body; when does an answer come?"""

    def action() -> str:
        head = (
            f"POST /attachments/ HTTP/1.1\r\nHost: 127.0.0.1:{app.port}\r\n"
            f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {size}\r\n"
            f"Cookie: sessionid={browser.cookie}; csrftoken={browser.csrf}\r\n"
            f"X-CSRFToken: {browser.csrf}\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", app.port), timeout=120) as sock:
            started = time.perf_counter()
            sock.sendall(head.encode())
            sock.settimeout(1.0)
            try:
                answer = sock.recv(4096)
                return f"answered {_ms(started)} after the head, no body sent: {_first(answer)}"
            except TimeoutError:
                pass
            sock.settimeout(120)
            sock.sendall(b"x" * size)
            answer = sock.recv(4096)
            return f"no answer to the head; answered {_ms(started)} after: {_first(answer)}"

    return action


def _ms(started: float) -> str:
    return f"{1000 * (time.perf_counter() - started):.0f} ms"


def _first(answer: bytes) -> str:
    return answer.split(b"\r\n", 1)[0].decode("latin-1")


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


def phase(name: str, app: WatchedApp, sim: Simulator, action) -> dict:
    browser = Browser(app)  # the stream runs in a tab of its own
    probes = [Probe(app.url + "/simulator/v1/models"), Probe(app.url + "/robots.txt")]
    frames = FrameWatch(app, browser.cookie, browser.page)
    rss = PeakRss(app.process.pid)
    upstream_before = read_bytes(sim.process.pid)
    for watcher in (*probes, frames, rss):
        watcher.start()
    time.sleep(1.5)
    started, wall_start = time.perf_counter(), time.time()
    outcome = action() if action else "(nothing: baseline)"
    took = time.perf_counter() - started
    time.sleep(1.5)
    lags = app.lags_between(wall_start - 1.0, time.time())
    busy = [(ms, at) for ms, at in lags if at and not at.startswith("select@")]
    for watcher in (*probes, frames, rss):
        watcher.stopping.set()
    for watcher in (*probes, frames, rss):
        watcher.join(timeout=30)
    return {
        "phase": name,
        "took_s": took,
        "outcome": outcome,
        "loop_lag_max_ms": max((ms for ms, _ in lags), default=0.0),
        "loop_lags_over_2ms": len(lags),
        # Late while waiting in select(), or so starved that even the watching thread did not
        # run: the process was not given a CPU (the machine's other load). Late anywhere else:
        # the loop was busy running something.
        "loop_busy_max_ms": max((ms for ms, at in busy), default=0.0),
        "loop_busy_worst_at": max(busy, default=(0, ""))[1],
        "asgi_p99_ms": 1000 * p99(probes[0].samples),
        "view_p99_ms": 1000 * p99(probes[1].samples),
        "asgi_max_ms": 1000 * max(probes[0].samples),
        "asgi_p50_ms": 1000 * statistics.median(probes[0].samples),
        "view_max_ms": 1000 * max(probes[1].samples),
        "view_p50_ms": 1000 * statistics.median(probes[1].samples),
        "frame_gap_max_ms": 1000 * max(frames.gaps, default=0),
        "frame_gap_p50_ms": 1000 * statistics.median(frames.gaps or [0]),
        "rss_growth_mib": (rss.peak - rss.start_rss) / MIB,
        "upstream_mib": (read_bytes(sim.process.pid) - upstream_before) / MIB,
    }


def p99(samples: list[float]) -> float:
    return (
        statistics.quantiles(samples, n=100, method="inclusive")[98]
        if len(samples) > 1
        else max(samples)
    )


def report(rows: list[dict]) -> None:
    head = (
        f"{'phase':<11} {'took':>7} {'loop lag max/busy ms (n>2)':>27} "
        f"{'asgi p50/p99/max ms':>22} {'view p50/p99/max ms':>22} "
        f"{'frame gap p50/max ms':>21} {'RSS +MiB':>9} {'upstream MiB':>13}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['phase']:<11} {r['took_s']:>6.2f}s "
            f"{r['loop_lag_max_ms']:>9.1f}/{r['loop_busy_max_ms']:>8.1f} "
            f"({r['loop_lags_over_2ms']:>4}) "
            f"{r['asgi_p50_ms']:>6.1f}/{r['asgi_p99_ms']:>6.1f}/{r['asgi_max_ms']:<8.1f} "
            f"{r['view_p50_ms']:>6.1f}/{r['view_p99_ms']:>6.1f}/{r['view_max_ms']:<8.1f} "
            f"{r['frame_gap_p50_ms']:>10.1f}/{r['frame_gap_max_ms']:<10.1f} "
            f"{r['rss_growth_mib']:>9.1f} {r['upstream_mib']:>13.1f}"
        )
    for r in rows:
        print(f"  {r['phase']}: {r['outcome']}")
        if r["loop_busy_worst_at"]:
            print(f"    longest busy lag at: {r['loop_busy_worst_at'][:160]}")


def run(repeat: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        sim = Simulator(rate=40, ttft=0.0, log=Path(tmp) / "simulator.log").start()
        app = WatchedApp(Path(tmp))
        app.env["PLAYGROUND_SIMULATOR_URL"] = sim.base_url
        try:
            app.start()
            rows = []
            for _ in range(repeat):
                actions = {
                    "idle": None,
                    "upload-45": upload_action(Browser(app), 45 * MIB, "v45"),
                    "preview-45": preview_action(Browser(app), 45 * MIB),
                    "upload-60": upload_action(Browser(app), 60 * MIB, "v60"),
                    "refuse-60": refusal_action(app, Browser(app), 60 * MIB),
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
