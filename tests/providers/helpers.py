"""Building requests and collecting a run's events, shared by the provider tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from playground.providers.client import stream_events
from playground.providers.types import (
    Endpoint,
    Event,
    Failure,
    Finished,
    Limits,
    ReasoningDelta,
    Retrying,
    TextDelta,
    Turn,
    UpstreamRequest,
    Usage,
)
from tests.providers.upstream import Reply

PATHS = {"chat": "/chat/completions", "responses": "/responses", "messages": "/messages"}
FAST = Limits(
    connect=1.0,
    first_token=1.0,
    idle=0.5,
    total=5.0,
    max_retries=2,
    backoff_base=0.01,
    backoff_max=0.05,
)
SECRET = "sk-test-SECRET-123"


def make_request(
    url: str,
    dialect: str = "chat",
    *,
    params: dict[str, Any] | None = None,
    turns: tuple[Turn, ...] = (Turn("user", "Hi"),),
    system: str = "",
    auth: str = "bearer",
    stream: bool = True,
    model_field: str = "model",
    extra_headers: dict[str, str] | None = None,
) -> UpstreamRequest:
    endpoint = Endpoint(
        base_url=url,
        dialect=dialect,
        path=PATHS[dialect],
        auth=auth,
        model_field=model_field,
        api_key=SECRET,
        provider_name="EmpirioLabs",
        key_env="EMPIRIOLABS_API_KEY",
    )
    return UpstreamRequest(
        endpoint=endpoint,
        model="seed-2-0-mini",
        turns=turns,
        system=system,
        params=params or {},
        stream=stream,
        extra_headers=extra_headers or {},
    )


@dataclass
class Outcome:
    events: list[Event] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))

    @property
    def reasoning(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, ReasoningDelta))

    @property
    def usage(self) -> Usage | None:
        usages = [e for e in self.events if isinstance(e, Usage)]
        assert len(usages) <= 1, usages
        return usages[0] if usages else None

    @property
    def end(self) -> Event:
        return self.events[-1]

    @property
    def failure(self) -> Failure:
        assert isinstance(self.end, Failure), self.end
        return self.end

    @property
    def finished(self) -> Finished:
        assert isinstance(self.end, Finished), self.end
        return self.end

    @property
    def retries(self) -> list[Retrying]:
        return [e for e in self.events if isinstance(e, Retrying)]

    def check_shape(self) -> None:
        """Exactly one terminal event, and it is the last one."""
        terminals = [e for e in self.events if isinstance(e, Finished | Failure)]
        assert terminals == [self.end], self.events


async def run(
    client: httpx.AsyncClient,
    request: UpstreamRequest,
    *,
    limits: Limits = FAST,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> Outcome:
    outcome = Outcome()
    started = asyncio.get_running_loop().time()
    async for event in stream_events(client=client, request=request, limits=limits, sleep=sleep):
        outcome.events.append(event)
    outcome.elapsed = asyncio.get_running_loop().time() - started
    outcome.check_shape()
    return outcome


class RecordingSleep:
    """An injected sleep that records the delays and waits only a token amount."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(0)


def in_pieces(data: bytes, size: int = 61) -> list[bytes]:
    """Odd-sized pieces, so frames, CRLFs and UTF-8 characters straddle chunk boundaries."""
    return [data[i : i + size] for i in range(0, len(data), size)]


async def replay(upstream, client: httpx.AsyncClient, dialect: str, data: bytes) -> Outcome:
    """Serve `data` as an SSE body in odd-sized pieces and run a request of `dialect` on it."""
    server = await upstream(Reply(body=in_pieces(data)))
    return await run(client, make_request(server.url, dialect))
