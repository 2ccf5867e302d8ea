"""What a benchmark runs against: the standalone simulator (the fake upstream, in a process of
its own so its CPU is not charged to the app) and the app pointed at it, either one daphne
(tests/live.py) or nginx + N daphne workers on PostgreSQL and Redis (tests/stack.py)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.live import ROOT, LiveApp
from tests.stack import StackUnderTest, missing_service

SERVING = re.compile(r"Simulator serving (\S+)")


@dataclass
class Simulator:
    """`manage.py simulate` on a free port: every stream at `rate` tokens/s after `ttft` s."""

    rate: float
    ttft: float
    log: Path
    process: subprocess.Popen | None = None
    base_url: str = ""

    def start(self, *, seconds: float = 30) -> Simulator:
        command = [sys.executable, "manage.py", "simulate", "--port", "0"]
        command += ["--tps", str(self.rate), "--ttft", str(self.ttft)]
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="playground.settings")
        with self.log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our own manage.py)
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + seconds
        while not self.base_url:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the simulator did not start:\n{self.log.read_text()}")
            found = SERVING.search(self.log.read_text())
            self.base_url = found.group(1) if found else ""
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Target:
    """The app under test: where a browser reaches it and which processes serve it."""

    url: str
    workers: list[int]  # daphne pids: their CPU and RSS are the app's
    logs: list[Path]
    others: dict[str, list[int]] = field(default_factory=dict)  # e.g. nginx, for context
    database_url: str = ""  # PostgreSQL (the stack); empty for SQLite

    @property
    def host_port(self) -> tuple[str, int]:
        host, port = self.url.removeprefix("http://").rsplit(":", 1)
        return host, int(port)


@contextlib.contextmanager
def app_running(tmp: Path, *, workers: int, simulator_url: str) -> Iterator[Target]:
    """One daphne on SQLite and the in-memory channel layer, or the production-shaped stack."""
    starter = _single if workers == 1 else _stack
    with starter(tmp, workers=workers, simulator_url=simulator_url) as target:
        yield target


@contextlib.contextmanager
def _single(tmp: Path, *, workers: int, simulator_url: str) -> Iterator[Target]:
    app = LiveApp(tmp)
    app.env["PLAYGROUND_SIMULATOR_URL"] = simulator_url  # LiveApp drops an inherited one
    try:
        app.start()
        yield Target(url=app.url, workers=[app.process.pid], logs=[app.log])
    finally:
        app.stop()


@contextlib.contextmanager
def _stack(tmp: Path, *, workers: int, simulator_url: str) -> Iterator[Target]:
    stack = StackUnderTest(tmp, workers=workers)
    reason = missing_service(stack.database_url)
    if reason:
        raise RuntimeError(f"--workers {workers} needs the stack: {reason}")
    stack.stack.base_env["PLAYGROUND_SIMULATOR_URL"] = simulator_url
    try:
        stack.start()
        inner = stack.stack
        logs = [inner.log(f"worker-{i + 1}") for i in range(workers)]
        nginx = [inner.nginx.pid, *children_of(inner.nginx.pid)]
        yield Target(
            url=stack.url,
            workers=[w.pid for w in inner.workers],
            logs=logs,
            others={"nginx": nginx},
            database_url=stack.database_url,
        )
    finally:
        stack.stop()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[1] == str(pid):
                    found.append(int(entry.name))
    return found


def log_problems(logs: list[Path]) -> dict[str, int]:
    """The exceptions the workers logged, counted: the message before each traceback and the
    exception it ended with. Evidence for the report."""
    found: Counter = Counter()
    for log in logs:
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        context, in_traceback = "", False
        for line in lines:
            if line.startswith("Traceback"):
                in_traceback = True
            elif line.startswith((" ", "\t")) or not line:
                continue
            elif in_traceback:
                found[f"{log.name}: {_shorter(context)} -> {line[:160]}"] += 1
                in_traceback = False
            else:
                context = line
    return dict(found.most_common(12))


def _shorter(line: str) -> str:
    # Run and session ids differ on every line; the rest says what happened.
    return re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", line)[:120]


def keep_logs(paths: list[Path], *, into: Path) -> Path:
    """Copy the servers' logs out of the temporary directory before it goes."""
    into.mkdir(parents=True, exist_ok=True)
    for path in paths:
        if path.exists():
            shutil.copy(path, into / path.name)
    return into
