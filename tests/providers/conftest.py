"""Fixtures for the upstream client tests: scripted loopback servers and an httpx client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

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


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http
