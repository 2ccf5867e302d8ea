"""The phases of stream_load.py: N streams read directly, then N tabs through the app (open,
sit idle, stream), each phase with its CPU window and RSS marks."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from .direct import DirectStream, read_direct
from .page import Page
from .procs import CpuWindow, RssSampler
from .rawsse import DirectConnection
from .servers import Target
from .tab import AppStream, Tab, TabError

TOPIC = (
    "explain how rivers carve canyons, glaciers shape valleys, tides move sediment and why "
    "deltas grow, with a python function."
)
SETUP_CONCURRENCY = 16  # pages fetched and sockets opened at once before a phase (not timed)
SETTLE_SECONDS = 1.0


def prompt_for(index: int, *, label: str) -> str:
    return f"Benchmark stream {label} {index}: {TOPIC}"


@dataclass
class Environment:
    """What every phase needs: the app, the upstream, shared HTTP plumbing and the samplers."""

    target: Target
    simulator_url: str
    simulator_pid: int
    direct: httpx.AsyncClient | None  # None: the lean reader of rawsse.py
    transport: httpx.AsyncHTTPTransport
    rss: RssSampler

    def cpu_window(self, *, app: bool) -> CpuWindow:
        groups = {"simulator": [self.simulator_pid], "client": [os.getpid()]}
        if app:
            groups |= {"app": self.target.workers, **self.target.others}
        return CpuWindow(groups)

    async def close(self) -> None:
        if self.direct is not None:
            await self.direct.aclose()
        await self.transport.aclose()

    def tab(self) -> Tab:
        return Tab(Page(base_url=self.target.url, transport=self.transport))


@dataclass
class AppPhase:
    streams: dict[int, AppStream] = field(default_factory=dict)  # by prompt index
    handshakes: list[float] = field(default_factory=list)
    setup_errors: Counter = field(default_factory=Counter)
    setup_details: list[str] = field(default_factory=list)
    cpu: CpuWindow | None = None
    rss: dict = field(default_factory=dict)  # bytes at each mark


async def staggered(coroutines: list, *, ramp: float) -> list:
    """Start coroutine i at i/N of the ramp (all at once when ramp is 0)."""
    count = len(coroutines)

    async def later(index: int, coroutine):
        await asyncio.sleep(ramp * index / count if count > 1 else 0)
        return await coroutine

    return await asyncio.gather(*(later(i, c) for i, c in enumerate(coroutines)))


async def bounded(coroutines: list, *, limit: int = SETUP_CONCURRENCY) -> list:
    gate = asyncio.Semaphore(limit)

    async def one(coroutine):
        async with gate:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines), return_exceptions=True)


async def direct_phase(env: Environment, *, prompts: list[str], tokens: int, ramp: float):
    if env.direct is None:
        connections = await bounded([DirectConnection(env.simulator_url).open() for _ in prompts])
        failed = [c for c in connections if isinstance(c, BaseException)]
        if failed:
            raise RuntimeError(f"{len(failed)} connections to the upstream failed: {failed[0]}")
        reads = [c.read(prompt=p, tokens=tokens) for c, p in zip(connections, prompts, strict=True)]
    else:
        url = env.simulator_url
        reads = [read_direct(env.direct, base_url=url, prompt=p, tokens=tokens) for p in prompts]
    cpu = env.cpu_window(app=False).start()
    streams: list[DirectStream] = await staggered(reads, ramp=ramp)
    return streams, cpu.stop()


async def app_phase(
    env: Environment, *, prompts: list[str], tokens: int, ramp: float, timeout: float
) -> AppPhase:
    phase, rss = AppPhase(), env.rss
    phase.rss["base"] = rss.rss()
    tabs = await _open_tabs(env, phase, count=len(prompts))
    await asyncio.sleep(SETTLE_SECONDS)
    phase.rss["idle"] = rss.rss()
    phase.cpu = env.cpu_window(app=True).start()
    began = time.monotonic()
    runs = [
        tab.run(message=tab.page.send_message(prompt=prompts[i], tokens=tokens), timeout=timeout)
        for i, tab in tabs.items()
    ]
    phase.streams = dict(zip(tabs, await staggered(runs, ramp=ramp), strict=True))
    phase.cpu.stop()
    phase.rss["peak"] = rss.peak(began, time.monotonic())
    await bounded([tab.close() for tab in tabs.values()], limit=64)
    await asyncio.sleep(SETTLE_SECONDS)
    phase.rss["after"] = rss.rss()
    return phase


async def _open_tabs(env: Environment, phase: AppPhase, *, count: int) -> dict[int, Tab]:
    """Pages first (their memory is not the sockets'), then the sockets; by prompt index."""
    tabs = {index: env.tab() for index in range(count)}
    opened = await bounded([tab.page.open() for tab in tabs.values()])
    tabs = {i: tab for (i, tab), got in zip(tabs.items(), opened, strict=True) if _ok(phase, got)}
    phase.rss["pages"] = env.rss.rss()
    connected = await bounded([tab.connect() for tab in tabs.values()])
    ready = {}
    for (index, tab), result in zip(tabs.items(), connected, strict=True):
        if _ok(phase, result, kind="handshake"):
            phase.handshakes.append(result)
            ready[index] = tab
    return ready


def _ok(phase: AppPhase, result, *, kind: str = "page") -> bool:
    if not isinstance(result, BaseException):
        return True
    kind = result.kind if isinstance(result, TabError) else kind
    phase.setup_errors[kind] += 1
    first_line = str(result).splitlines()[0] if str(result) else ""
    phase.setup_details.append(f"{kind}: {type(result).__name__}: {first_line}"[:300])
    return False


async def warm_up(env: Environment, *, count: int = 4) -> None:
    """Imports, templates, connection pools: paid once, before anything is measured."""
    prompts = [prompt_for(i, label="warm-up") + " [[sim tps=0 ttft=0]]" for i in range(count)]
    await direct_phase(env, prompts=prompts, tokens=50, ramp=0)
    phase = await app_phase(env, prompts=prompts, tokens=50, ramp=0, timeout=60)
    failed = [s.error for s in phase.streams.values() if s.error] + phase.setup_details
    if failed or len(phase.streams) != count:
        raise RuntimeError(f"the warm-up failed: {failed}")
