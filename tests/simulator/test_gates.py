"""The gate directive: a stream pauses after N tokens until a test releases the gate."""

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from playground.providers.client import stream_events
from playground.providers.types import Endpoint, Finished, Limits, Turn, UpstreamRequest, Usage
from tests.simulator.helpers import (
    BODIES,
    DIALECTS,
    PATHS,
    streamed_tokens,
    terminal_seen,
    tokens,
    unique,
)


def gate_name() -> str:
    return f"g-{uuid.uuid4().hex[:12]}"


def directive(value: str) -> dict:
    return {"X-Simulator": f"tps=0 ttft=0 {value}"}


def start_paused(simulator, dialect: str, topic: str, keys: str = ""):
    """(gate name, stream): a stream of `dialect` paused at a fresh gate; `keys`: more pairs."""
    name = gate_name()
    stream = simulator.stream_in_background(
        dialect,
        BODIES[dialect](unique(f"Tell me about {topic}.")),
        headers=directive(f"gate={name} {keys}"),
    )
    simulator.wait_paused(name)
    return name, stream


def wait_for_tokens(stream, dialect: str, count: int, *, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while streamed_tokens(dialect, result := stream.so_far()) < count:
        assert time.monotonic() < deadline, f"only {streamed_tokens(dialect, result)} tokens came"
        time.sleep(0.01)
    return result


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_gated_stream_pauses_after_n_tokens_until_released(simulator, dialect):
    name, stream = start_paused(simulator, dialect, "herons", "after=5")
    assert simulator.gate(name) == {"name": name, "released": False, "waiting": 1}
    wait_for_tokens(stream, dialect, 5)
    time.sleep(0.3)  # paused: nothing more arrives, however long we look
    paused = stream.so_far()
    assert streamed_tokens(dialect, paused) == 5 and not terminal_seen(dialect, paused)
    assert not stream.done

    released = simulator.release(name)
    assert released.status_code == 200
    assert released.json() == {"name": name, "released": True, "waiting": 1}
    result = stream.result()
    assert result.status == 200 and terminal_seen(dialect, result)
    assert streamed_tokens(dialect, result) > 5
    assert simulator.gate(name) == {"name": name, "released": True, "waiting": 0}


def test_the_gate_directive_works_in_the_prompt_and_defaults_to_one_token(simulator):
    name = gate_name()
    stream = simulator.stream_in_background(
        "chat", BODIES["chat"](unique(f"Tell me about storks. [[sim gate={name}]]"))
    )
    simulator.wait_paused(name)
    assert streamed_tokens("chat", wait_for_tokens(stream, "chat", 1)) == 1
    simulator.release(name)
    assert terminal_seen("chat", stream.result())


def test_after_zero_pauses_before_the_first_token(simulator):
    name, stream = start_paused(simulator, "messages", "cranes", "after=0")
    time.sleep(0.1)
    opening = stream.so_far()
    assert [e.event for e in opening.events] == ["message_start"]
    simulator.release(name)
    assert terminal_seen("messages", stream.result())


def test_releasing_before_the_stream_reaches_the_gate_means_no_pause(simulator):
    name = gate_name()
    assert simulator.release(name).json() == {"name": name, "released": True, "waiting": 0}
    started = time.monotonic()
    result = simulator.stream(
        "responses",
        BODIES["responses"](unique("Tell me about ibises.")),
        headers=directive(f"gate={name}"),
    )
    assert terminal_seen("responses", result) and time.monotonic() - started < 2


def test_an_unknown_gate_reads_as_closed_with_nobody_waiting(simulator):
    name = gate_name()
    assert simulator.gate(name) == {"name": name, "released": False, "waiting": 0}


def test_a_paused_stream_goes_on_by_itself_after_its_wait_bound(simulator):
    name = gate_name()
    started = time.monotonic()
    result = simulator.stream(
        "chat",
        BODIES["chat"](unique("Tell me about egrets.")),
        headers=directive(f"gate={name} after=3 wait=0.4"),
    )
    assert terminal_seen("chat", result)
    assert 0.4 <= time.monotonic() - started < 3
    assert simulator.gate(name) == {"name": name, "released": False, "waiting": 0}


def test_a_client_leaving_a_paused_stream_ends_it_at_once(simulator):
    name = gate_name()
    cancelled = simulator.stats()["cancelled"]
    with httpx.stream(
        "POST",
        simulator.base_url + PATHS["chat"],
        json=BODIES["chat"](unique("Tell me about spoonbills."), stream=True),
        headers=directive(f"gate={name} after=2"),
        timeout=10,
    ) as response:
        chunks = response.iter_raw()  # kept: a dropped iterator closes the response
        next(chunks)
        simulator.wait_paused(name)
    assert simulator.wait_idle(seconds=1.0) < 1.0
    assert simulator.stats()["cancelled"] > cancelled
    assert simulator.gate(name)["waiting"] == 0


def test_two_streams_wait_on_one_gate_and_one_release_frees_both(simulator):
    name = gate_name()
    streams = [
        simulator.stream_in_background(
            dialect,
            BODIES[dialect](unique("Tell me about bitterns.")),
            headers=directive(f"gate={name}"),
        )
        for dialect in ("chat", "messages")
    ]
    simulator.wait_paused(name, waiting=2)
    assert simulator.release(name).json()["waiting"] == 2
    assert all(
        terminal_seen(d, s.result()) for d, s in zip(("chat", "messages"), streams, strict=True)
    )


def test_the_gate_pauses_before_a_fault_at_the_same_token(simulator):
    name, stream = start_paused(simulator, "chat", "pelicans", "fault=error after=4")
    assert not any("error" in p for p in wait_for_tokens(stream, "chat", 4).payloads)
    simulator.release(name)
    result = stream.result()
    assert result.payloads[-1]["error"]["type"] == "server_error"
    assert streamed_tokens("chat", result) == 4


def test_a_non_streaming_reply_is_held_at_the_gate(simulator):
    name = gate_name()
    body = BODIES["chat"](unique("Tell me about flamingos."))
    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(simulator.post, "chat", body, headers=directive(f"gate={name}"))
        simulator.wait_paused(name)
        assert not reply.done()
        simulator.release(name)
        assert reply.result(timeout=10).json()["choices"][0]["message"]["content"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/gates/no%20spaces", 404),
        ("GET", "/gates/g1/unknown", 404),
        ("GET", "/gates/g1/release", 405),
        ("POST", "/gates/g1", 405),
    ],
)
def test_bad_gate_routes_are_refused(simulator, method, path, status):
    reply = httpx.request(method, simulator.base_url + path, timeout=5)
    assert reply.status_code == status and reply.json()["error"]["message"]


def test_an_invalid_gate_name_in_a_directive_is_400(simulator):
    reply = simulator.post("chat", BODIES["chat"]("hi"), headers=directive("gate=../x"))
    assert reply.status_code == 400 and "gate name" in reply.json()["error"]["message"]


async def test_the_playground_client_waits_at_a_gate_and_finishes_after_release(simulator):
    name = gate_name()
    endpoint = Endpoint(simulator.base_url, dialect="chat", path=PATHS["chat"], auth="none")
    prompt = unique(f"Tell me about terns. [[sim gate={name} after=3 tps=0 ttft=0]]")
    request = UpstreamRequest(endpoint, model="seed-2-0-mini", turns=(Turn("user", prompt),))
    events = []

    async def consume(http: httpx.AsyncClient) -> None:
        async for event in stream_events(client=http, request=request, limits=Limits()):
            events.append(event)

    async with httpx.AsyncClient() as http:
        consumer = asyncio.create_task(consume(http))
        await asyncio.to_thread(simulator.wait_paused, name)
        await asyncio.sleep(0.1)
        assert tokens("".join(e.text for e in events)) == 3 and not consumer.done()
        await asyncio.to_thread(simulator.release, name)
        await asyncio.wait_for(consumer, 10)
    assert isinstance(events[-1], Finished) and isinstance(events[-2], Usage)
