"""Percentiles and the per-stream figures both benchmarks report."""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Iterable


def percentile(values: Iterable[float], p: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default); None without data."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def spread(values: Iterable[float], *, scale: float = 1000.0) -> dict:
    """p50, p99, max and count (seconds in, milliseconds out by default)."""
    values = [v * scale for v in values]
    return {
        "p50": rounded(percentile(values, 50)),
        "p99": rounded(percentile(values, 99)),
        "min": rounded(min(values, default=None)),
        "max": rounded(max(values, default=None)),
        "n": len(values),
    }


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def added(app: dict, direct: dict) -> dict:
    """What the app adds at each percentile: app's percentile minus the direct one."""
    return {
        key: rounded(app[key] - direct[key])
        if app[key] is not None and direct[key] is not None
        else None
        for key in ("p50", "p99")
    }


def gaps(text_frames: list[tuple[float, int]]) -> list[float]:
    """Seconds between consecutive frames (or network reads) that carried text."""
    times = [at for at, _ in text_frames]
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def token_lags(app: list[tuple[float, int]], direct: list[tuple[float, int]]) -> list[float]:
    """For each frame of the app stream, how much later its last character arrived than the
    same character of the direct stream of the same prompt (both timed from their own send)."""
    direct_chars = [chars for _, chars in direct]
    lags = []
    for at, chars in app:
        index = bisect.bisect_left(direct_chars, chars)
        if index < len(direct):
            lags.append(at - direct[index][0])
    return lags


class LoopLag:
    """How late this process's event loop wakes up: if the load generator itself is starved,
    its timings are inflated by about this much, and the report says so."""

    def __init__(self, period: float = 0.05):
        self.period, self.samples = period, []
        self.task: asyncio.Task | None = None

    async def _watch(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.period)
            self.samples.append(time.perf_counter() - started - self.period)

    def __enter__(self) -> LoopLag:
        self.task = asyncio.create_task(self._watch())
        return self

    def __exit__(self, *exc) -> None:
        self.task.cancel()
