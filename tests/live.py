"""A real daphne serving the whole app (and its /simulator/v1) on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, *, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {seconds} s")


# A suite sends far more than a person would in a minute from one visitor: the send rate limit
# is off unless a test sets it (tests/playground/test_fair_use.py and the fair-use browser and
# stack tests check it with their own values).
TEST_DEFAULTS = {"PLAYGROUND_SENDS_PER_MINUTE": "0"}


def rate_window_ahead(seconds: float = 40) -> None:
    """The send rate limit counts per clock minute (a fixed window): a test that fills it waits,
    if need be, until `seconds` of the current minute are left, so it cannot straddle two."""
    left = 60 - time.time() % 60
    if left < seconds:
        time.sleep(left + 0.5)


class LiveApp:
    def __init__(self, tmp: Path, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            SQLITE_PATH=str(tmp / "live.sqlite3"),
            DJANGO_SETTINGS_MODULE="playground.settings",
            **(TEST_DEFAULTS | env),
        )
        self.env.pop("PLAYGROUND_SIMULATOR_URL", None)
        self.log = tmp / "daphne.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> LiveApp:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=120,
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "playground.serve",  # daphne, as `make run` starts it
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "playground.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_for(self.url + "/simulator/v1/models", process=self.process)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
