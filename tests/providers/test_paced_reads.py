"""Once an answer flows, the upstream is read at most every `read_every` seconds: several SSE
events per read, the same text, and a connection that goes back to the pool unpaced."""

import time
from itertools import pairwise

import httpx

from playground.providers.client import stream_events
from playground.providers.network import use_asyncio_network
from playground.providers.types import Endpoint, Limits, TextDelta, Turn, UpstreamRequest


def _request(live_app, prompt: str, tokens: int) -> UpstreamRequest:
    endpoint = Endpoint(
        base_url=live_app.url + "/simulator/v1", dialect="chat", path="/chat/completions",
        auth="none",
    )  # fmt: skip
    return UpstreamRequest(
        endpoint=endpoint, model="seed-2-0-mini", turns=(Turn(role="user", text=prompt),),
        params={"enable_thinking": False, "max_tokens": tokens},
    )  # fmt: skip


async def _arrivals(client, request, every: float) -> list[tuple[float, str]]:
    limits = Limits(read_every=every)
    return [
        (time.monotonic(), event.text)
        async for event in stream_events(client=client, request=request, limits=limits)
        if isinstance(event, TextDelta)
    ]


def _bursts(arrivals: list[tuple[float, str]]) -> int:
    """Groups of deltas handed over together (one read each): a gap over 5 ms starts one."""
    times = [at for at, _ in arrivals]
    return 1 + sum(1 for earlier, later in pairwise(times) if later - earlier > 0.005)


async def test_paced_reads_carry_several_events_each_and_lose_nothing(live_app):
    prompt = "Paced reads [[sim tps=100 ttft=0]]"
    async with httpx.AsyncClient() as client:
        use_asyncio_network(client)
        paced = await _arrivals(client, _request(live_app, prompt, 80), every=0.2)
        unpaced = await _arrivals(client, _request(live_app, prompt, 80), every=0)
    assert "".join(text for _, text in paced) == "".join(text for _, text in unpaced)
    assert len(paced) >= 60  # one delta per token at 100 tokens/s: ~0.8 s of answer
    # 0.8 s read every 0.2 s: the first token at once, then about four reads (load only
    # merges reads further). Read as it comes, it would be one burst per token.
    assert _bursts(paced) <= 7, _bursts(paced)


async def test_a_connection_back_in_the_pool_reads_its_next_answer_at_once(live_app):
    async with httpx.AsyncClient() as client:
        use_asyncio_network(client)
        await _arrivals(client, _request(live_app, "First [[sim tps=200 ttft=0]]", 40), every=3)
        started = time.monotonic()
        second = await _arrivals(client, _request(live_app, "Second [[sim tps=0 ttft=0]]", 5), 0)
        pool = client._transport._pool  # httpcore's pool: the only place connections are visible
        assert len(pool.connections) == 1  # the same connection served both
    # A pace left on the connection would hold this answer's reads for up to 3 s.
    assert second and second[0][0] - started < 1.5
