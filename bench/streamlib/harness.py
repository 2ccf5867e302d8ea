"""Everything a benchmark runs against, started and stopped together: the simulator, the app
(one daphne or the stack), the samplers, and the shared HTTP plumbing of the load generator."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from . import procs, report
from .dbwatch import ConnectionWatch
from .direct import direct_client
from .phases import Environment
from .servers import Simulator, app_running, keep_logs, log_problems

TTFT_SECONDS = 0.05  # the upstream's time to first token (the measurement that filed #8)


@dataclass
class Observed:
    """What the servers showed besides the streams: filled in when the harness stops."""

    logs: Path
    database_connections: dict | None = None
    server_log_problems: dict | None = None

    def record(self) -> dict:
        return {
            "logs": str(self.logs),
            "database_connections": self.database_connections,
            "server_log_problems": self.server_log_problems or {},
        }


def machine() -> dict:
    return {"cpus": os.cpu_count(), "load_before": procs.load_average()}


def logs_dir(name: str) -> Path:
    return report.RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}-logs"


@contextlib.asynccontextmanager
async def harness(
    *, name: str, workers: int, rate: float, rss_period: float, direct_httpx: int = 0
) -> AsyncIterator[tuple[Environment, Observed]]:
    """direct_httpx: connections of an httpx client for direct reads (0: the lean reader)."""
    observed = Observed(logs=logs_dir(name))
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmpdir:
        tmp = Path(tmpdir)
        simulator = Simulator(rate=rate, ttft=TTFT_SECONDS, log=tmp / "simulator.log")
        try:
            simulator.start()
            with app_running(tmp, workers=workers, simulator_url=simulator.base_url) as target:
                rss = procs.RssSampler(target.workers, period=rss_period).start()
                watch = ConnectionWatch(target.database_url) if target.database_url else None
                env = Environment(
                    target=target,
                    simulator_url=simulator.base_url,
                    simulator_pid=simulator.process.pid,
                    direct=direct_client(connections=direct_httpx) if direct_httpx else None,
                    transport=httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=64)),
                    rss=rss,
                )
                try:
                    watch = watch.start() if watch else None
                    yield env, observed
                finally:
                    rss.stop()
                    observed.database_connections = watch.stop() if watch else None
                    await env.close()
                    keep_logs([*target.logs, simulator.log], into=observed.logs)
                    observed.server_log_problems = log_problems(target.logs)
        finally:
            simulator.stop()
