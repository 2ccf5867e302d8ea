"""CPU and memory of processes, read from /proc (Linux).

/proc/<pid>/stat's utime and stime cover every thread of the process, including threads that
already ended, so the database thread pools and daphne's reactor are all counted.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import dataclass, field

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the whole process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command name (field 2) may hold spaces: split after its closing parenthesis.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs: how loaded the whole machine was, other users included."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


@dataclass
class CpuWindow:
    """CPU seconds used by each named process group between start() and stop()."""

    groups: dict[str, list[int]]
    used: dict[str, float] = field(default_factory=dict)
    machine_busy: float = 0.0  # fraction of all CPUs busy over the window, everyone included
    seconds: float = 0.0

    def _read(self) -> dict[str, float]:
        return {name: sum(map(cpu_seconds, pids)) for name, pids in self.groups.items()}

    def start(self) -> CpuWindow:
        self._began, self._jiffies, self._wall = self._read(), machine_jiffies(), time.monotonic()
        return self

    def stop(self) -> CpuWindow:
        ended, jiffies = self._read(), machine_jiffies()
        self.used = {name: ended[name] - self._began[name] for name in ended}
        busy, total = (after - before for after, before in zip(jiffies, self._jiffies, strict=True))
        self.machine_busy = busy / total if total else 0.0
        self.seconds = time.monotonic() - self._wall
        return self


class RssSampler:
    """Samples the summed VmRSS of some processes every `period` seconds in a thread."""

    def __init__(self, pids: list[int], *, period: float):
        self.pids, self.period = pids, period
        self.samples: list[tuple[float, int]] = []  # (monotonic time, bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss(self) -> int:
        return sum(map(rss_bytes, self.pids))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), self.rss()))
            self._stop.wait(self.period)

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> list[tuple[float, int]]:
        self._stop.set()
        self._thread.join()
        return self.samples

    def between(self, began: float, ended: float) -> list[int]:
        return [value for at, value in self.samples if began <= at <= ended]

    def peak(self, began: float, ended: float) -> int:
        return max(self.between(began, ended), default=self.rss())

    def median(self, began: float, ended: float) -> float:
        values = self.between(began, ended)
        return statistics.median(values) if values else float(self.rss())
