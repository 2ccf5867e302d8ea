"""Timing of a simulated reply: time to first token, then tokens per second.

Tokens are grouped so that a stream sends at most ~MAX_EVENTS_PER_SECOND events: 2,000 tok/s becomes
100 events of 20 tokens, not 2,000 tiny writes, which keeps high-speed benchmarks off the CPU.
Sleeps target an absolute schedule (start + ttft + n / tps), so per-event overhead does not drift.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field

MAX_EVENTS_PER_SECOND = 100
# tps <= 0 or above this means "as fast as possible" (benchmarks).
UNLIMITED_TPS = 1_000_000
FAST_BATCH_TOKENS = 64


@dataclass
class Pace:
    tps: float
    ttft: float
    start: float = field(default_factory=time.monotonic)

    @property
    def unlimited(self) -> bool:
        return self.tps <= 0 or self.tps >= UNLIMITED_TPS

    @property
    def batch_tokens(self) -> int:
        if self.unlimited:
            return FAST_BATCH_TOKENS
        return max(1, math.ceil(self.tps / MAX_EVENTS_PER_SECOND))

    def due(self, tokens: int) -> float:
        """When `tokens` tokens should have been sent (monotonic clock)."""
        per_token = 0.0 if self.unlimited else tokens / self.tps
        return self.start + self.ttft + per_token

    async def wait_for(self, tokens: int) -> None:
        # sleep(0) still yields, so a disconnect is noticed even at unlimited speed.
        await asyncio.sleep(max(0.0, self.due(tokens) - time.monotonic()))

    def postpone(self, seconds: float) -> None:
        """After a stall the stream resumes at its pace instead of bursting to catch up."""
        self.start += seconds


def pace_for(
    *, tps: float | None, ttft: float | None, default_tps: float, default_ttft: float
) -> Pace:
    return Pace(
        tps=default_tps if tps is None else tps, ttft=default_ttft if ttft is None else ttft
    )
