"""Simulator gates for the in-process socket tests: a run streams its first token and then
waits until the test releases it, so it is streaming for as long as the test needs, however
loaded the machine is (a slow `tps` only makes the race less likely)."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx


def gated(prompt: str, gate: str) -> str:
    return f"{prompt} [[sim tps=0 ttft=0 gate={gate} after=1]]"


def new_gate() -> str:
    return f"g{uuid.uuid4().hex[:12]}"


async def wait_paused(simulator_url: str, gate: str, *, streams: int = 1, seconds: float = 20):
    async with httpx.AsyncClient() as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            state = (await client.get(f"{simulator_url}/gates/{gate}")).json()
            if state.get("waiting", 0) >= streams:
                return
            await asyncio.sleep(0.05)
    raise AssertionError(f"no {streams} streams paused at gate {gate}")


async def release(simulator_url: str, gate: str) -> None:
    async with httpx.AsyncClient() as client:
        (await client.post(f"{simulator_url}/gates/{gate}/release")).raise_for_status()
