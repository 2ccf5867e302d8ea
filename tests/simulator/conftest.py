"""A real simulator (manage.py simulate under daphne) on a free loopback port, for the session."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from tests.simulator.helpers import Simulator

ROOT = Path(__file__).resolve().parents[2]


def _announced_url(process: subprocess.Popen, *, seconds: float = 60) -> str:
    lines: queue.Queue[str] = queue.Queue()
    # Keep draining stdout so the server can never block on a full pipe.
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()
    while True:
        try:
            line = lines.get(timeout=seconds)
        except queue.Empty:
            raise RuntimeError("the simulator did not announce its URL") from None
        if line.startswith("Simulator serving "):
            return line.split()[2]


@pytest.fixture(scope="session")
def simulator(tmp_path_factory) -> Simulator:
    log = tmp_path_factory.mktemp("simulator") / "daphne.log"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="playground.settings", PYTHONUNBUFFERED="1")
    # --port 0: the OS picks the port and the command prints the URL it really serves.
    process = subprocess.Popen(
        [sys.executable, "manage.py", "simulate", "--port", "0", "--tps", "2000", "--ttft", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
    )
    try:
        url = _announced_url(process)
        httpx.get(url + "/models", timeout=10).raise_for_status()
        yield Simulator(base_url=url)
    finally:
        process.terminate()
        process.wait(timeout=10)
