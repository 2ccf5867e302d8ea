"""Serving: model list, base URLs, pacing, and stopping work when the client goes away."""

import os
import subprocess
import sys
import threading
import time

import anthropic
import httpx
import openai
import pytest

from playground.catalog import catalog_load
from tests.simulator.conftest import ROOT
from tests.simulator.helpers import FAST, chat_body, chat_texts, parse_sse, tokens, unique


def simulator_ids() -> list[str]:
    catalog = catalog_load()
    return [m.id for m in catalog.models.values() if catalog.providers[m.provider].simulated]


def test_models_lists_every_simulator_model_for_both_sdks(simulator):
    listed = [m.id for m in openai.OpenAI(base_url=simulator.base_url, api_key="k").models.list()]
    claude = anthropic.Anthropic(base_url=simulator.origin, api_key="k")
    assert listed == simulator_ids()
    assert "bytedance-seed-seed-2.0-mini" in listed and "seed-2-0-code" in listed
    assert [m.id for m in claude.models.list()] == listed
    assert httpx.get(simulator.base_url + "/models/seed-2-0-pro").json()["id"] == "seed-2-0-pro"


@pytest.mark.parametrize("prefix", ["", "/v1", "/simulator/v1"])
def test_standalone_serves_under_root_v1_and_simulator_v1(simulator, prefix):
    reply = httpx.post(
        simulator.origin + prefix + "/chat/completions",
        headers=FAST,
        json=chat_body("Hello from any base URL"),
    )
    assert reply.status_code == 200 and reply.json()["object"] == "chat.completion"


def test_time_to_first_token_and_tokens_per_second_are_honoured(simulator):
    body = chat_body(
        unique("Give me a long answer about bridges."),
        reasoning_effort="minimal",
        max_tokens=60,
        stream=True,
    )
    start = time.monotonic()
    with httpx.stream(
        "POST",
        simulator.base_url + "/chat/completions",
        json=body,
        headers={"X-Simulator": "tps=120 ttft=0.4"},
    ) as response:
        chunks = [(time.monotonic() - start, chunk) for chunk in response.iter_raw()]
    first_content = next(
        t for t, chunk in chunks if b'"content":"' in chunk and b'"content":""' not in chunk
    )
    assert 0.4 <= first_content < 0.8
    assert 0.4 + 59 / 120 <= chunks[-1][0] < 0.4 + 60 / 120 + 0.6


def test_fast_streams_batch_tokens_into_few_events(simulator):
    result = simulator.stream(
        "chat",
        chat_body("Explain the history of the printing press.", reasoning_effort="high"),
        headers={"X-Simulator": "tps=5000 ttft=0"},
    )
    reasoning, answer = chat_texts(result)
    content_events = len(result.events) - 3  # role chunk, finish chunk, [DONE]
    assert content_events <= (tokens(reasoning) + tokens(answer)) / 40


def test_client_disconnect_stops_generation_at_once(simulator):
    cancelled = simulator.stats()["cancelled"]
    body = chat_body(unique("A long essay on rivers."), reasoning_effort="high", stream=True)
    with httpx.stream(
        "POST",
        simulator.base_url + "/chat/completions",
        json=body,
        headers={"X-Simulator": "tps=20 ttft=0"},
    ) as response:
        next(response.iter_raw())  # the stream is under way (it would last ~30 s)
    assert simulator.wait_idle(seconds=1.0) < 1.0
    assert simulator.stats()["cancelled"] > cancelled


def test_a_stalled_stream_ends_when_the_client_gives_up(simulator):
    body = chat_body(unique("Stall forever"), stream=True)
    with (
        pytest.raises(httpx.ReadTimeout),
        httpx.stream(
            "POST",
            simulator.base_url + "/chat/completions",
            json=body,
            headers={"X-Simulator": "fault=stall after=3 tps=0"},
            timeout=httpx.Timeout(5, read=0.3),
        ) as response,
    ):
        for _ in response.iter_raw():
            pass
    assert simulator.wait_idle(seconds=1.0) < 1.0


def test_a_slow_non_streaming_request_is_cancelled_with_its_client(simulator):
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            simulator.base_url + "/messages",
            timeout=httpx.Timeout(5, read=0.3),
            headers={"X-Simulator": "tps=5 ttft=1"},
            json={
                "model": "seed-2-0-mini",
                "max_tokens": 100,
                "messages": [{"role": "user", "content": unique("slow")}],
            },
        )
    assert simulator.wait_idle(seconds=1.0) < 1.0


def read_daphne_port(process: subprocess.Popen) -> int:
    for line in process.stderr:
        if "Listening on TCP address" in line:
            # Keep draining the log so daphne never blocks on a full pipe.
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return int(line.rsplit(":", 1)[1])
    raise RuntimeError("daphne did not start")


def test_the_app_mounts_the_simulator_under_simulator_v1_on_any_port():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="playground.settings", PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            "0",
            "-v",
            "2",
            "playground.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{read_daphne_port(process)}/simulator/v1"
        with httpx.stream(
            "POST",
            base + "/chat/completions",
            headers=FAST,
            timeout=30,
            json=chat_body("Mounted?", stream=True),
        ) as response:
            events = parse_sse(response.read())
        assert response.status_code == 200 and events[-1].data == "[DONE]"
    finally:
        process.terminate()
        process.wait(timeout=10)
