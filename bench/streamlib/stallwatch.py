"""What upload_stall.py watches while it works: the server's own loop lag (loopwatch.py), two
probes polling the app, a run streaming through the page's websocket, the server's peak RSS and
what the simulator read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

from bench.streamlib.procs import rss_bytes
from tests.deploy.page import composer_message, socket_path
from tests.live import ROOT, LiveApp, wait_for

# The checkout whose app is measured (its manage.py and playground package): this one, or
# BENCH_ROOT (e.g. main, for a before/after).
APP_ROOT = Path(os.environ.get("BENCH_ROOT") or ROOT)
STREAM_PROMPT = "Explain the tides, the moon and the oceans in detail [[sim tps=40 ttft=0]]"


LOOPWATCH = Path(__file__).resolve().parent / "loopwatch.py"


class WatchedApp(LiveApp):
    """LiveApp's daphne, started through loopwatch.py: the server notes its own loop's lags."""

    def start(self) -> WatchedApp:
        self.lags = self.log.with_name("loop-lags.txt")
        migrate = [sys.executable, "manage.py", "migrate", "-v0"]
        subprocess.run(migrate, cwd=APP_ROOT, env=self.env, check=True, timeout=120)  # noqa: S603
        command = [sys.executable, str(LOOPWATCH), str(self.lags), "-b", "127.0.0.1"]
        command += ["-p", str(self.port), "playground.asgi:application"]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our own daphne)
                command, cwd=APP_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_for(self.url + "/simulator/v1/models", process=self.process)
        return self

    def lags_between(self, start: float, end: float) -> list[tuple[float, str]]:
        lines = self.lags.read_text().splitlines() if self.lags.exists() else []
        found = [line.split(" ", 2) + [""] for line in lines]
        return [(float(ms), where) for at, ms, where, *_ in found if start <= float(at) <= end]


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
