"""Fixtures for the upstream client tests: scripted loopback servers and an httpx client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from playground.providers.network import use_asyncio_network
from tests.providers.upstream import Reply, ScriptedUpstream

StartUpstream = Callable[..., Awaitable[ScriptedUpstream]]


@pytest.fixture
async def upstream() -> AsyncIterator[StartUpstream]:
    """Call with one or more Reply objects; returns a running ScriptedUpstream."""
    servers: list[ScriptedUpstream] = []

    async def start(*replies: Reply) -> ScriptedUpstream:
        server = await ScriptedUpstream(replies).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


@pytest.fixture(params=["anyio", "asyncio"])
async def client(request) -> AsyncIterator[httpx.AsyncClient]:
    """Every upstream behaviour is checked on httpcore's own network layer and on the asyncio
    one the playground uses (playground/providers/network.py)."""
    async with httpx.AsyncClient() as http:
        if request.param == "asyncio":
            use_asyncio_network(http)
        yield http
