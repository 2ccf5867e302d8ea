"""The upstream connection pool keeps an idle connection for PLAYGROUND_UPSTREAM_KEEPALIVE, so
a send after a pause reuses it instead of connecting (and, for a provider, a TLS handshake)."""

import asyncio

import pytest

from playground.runs.upstream import http_client


async def connection_after_a_pause(url: str, *, pause: float):
    """The network streams of two requests `pause` seconds apart, on one fresh pooled client."""
    client = http_client()
    try:
        streams = []
        for _ in range(2):
            response = await client.get(url)
            assert response.status_code == 200
            streams.append(response.extensions["network_stream"])
            await asyncio.sleep(pause)
        return streams
    finally:
        await client.aclose()


@pytest.mark.parametrize(("keepalive", "reused"), [(90, True), (0.2, False)])
async def test_an_idle_upstream_connection_is_kept_for_the_keepalive_setting(
    settings, simulator_url, keepalive, reused
):
    settings.PLAYGROUND_UPSTREAM_KEEPALIVE = keepalive
    first, second = await connection_after_a_pause(f"{simulator_url}/models", pause=0.5)
    assert (first is second) is reused
