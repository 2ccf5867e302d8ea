"""After a complete stream the connection goes back to the pool (no new TCP/TLS per run)."""

import httpx

from playground.providers.client import stream_events
from playground.providers.types import Endpoint, Finished, Limits, TextDelta, Turn, UpstreamRequest


async def test_consecutive_streams_reuse_one_connection(live_app):
    endpoint = Endpoint(
        base_url=live_app.url + "/simulator/v1",
        dialect="chat",
        path="/chat/completions",
        auth="none",
    )
    async with httpx.AsyncClient() as client:
        for attempt in range(3):
            request = UpstreamRequest(
                endpoint=endpoint,
                model="seed-2-0-mini",
                turns=(Turn(role="user", text=f"Run {attempt} [[sim tps=0 ttft=0]]"),),
                params={"enable_thinking": False, "max_tokens": 20},
            )
            events = [
                e async for e in stream_events(client=client, request=request, limits=Limits())
            ]
            assert any(isinstance(e, TextDelta) for e in events)
            assert isinstance(events[-1], Finished)
        pool = client._transport._pool  # httpcore's pool: the only place connections are visible
        assert len(pool.connections) == 1
