"""Simulator gates on the stack: a run provably paused until the test releases it, so a test
that joins a live run cannot race a stream that finishes first on a loaded machine.

The simulator answering a worker's run lives in that worker's process, so its gates are read
and released on every worker."""

from __future__ import annotations

import time
import uuid

import httpx


def gated(prompt: str, gate: str) -> str:
    return f"{prompt} [[sim tps=0 ttft=0 gate={gate} after=1]]"


def new_gate() -> str:
    return f"g{uuid.uuid4().hex[:12]}"


def paused(stack, gate: str) -> int:
    bases = [f"http://{address}/simulator/v1/gates/{gate}" for address in stack.worker_addresses]
    return sum(httpx.get(base, timeout=5).json().get("waiting", 0) for base in bases)


def wait_paused(stack, gate: str, *, streams: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while paused(stack, gate) < streams:
        assert time.monotonic() < deadline, f"fewer than {streams} streams paused at {gate}"
        time.sleep(0.05)


def release(stack, gate: str) -> None:
    for address in stack.worker_addresses:
        url = f"http://{address}/simulator/v1/gates/{gate}/release"
        httpx.post(url, timeout=5).raise_for_status()
