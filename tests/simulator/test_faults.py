"""Fault directives in every dialect: HTTP errors, mid-stream faults, times=N, SDK behaviour."""

import json
import time

import anthropic
import openai
import pytest

from tests.simulator.helpers import (
    BODIES,
    DIALECTS,
    assert_envelope,
    streamed_tokens,
    terminal_seen,
    unique,
)


def fault(value: str) -> dict:
    return {"X-Simulator": value}


@pytest.mark.parametrize("dialect", DIALECTS)
def test_429_sends_retry_after_and_the_dialect_envelope(simulator, dialect):
    reply = simulator.post(
        dialect, BODIES[dialect](unique("Busy?")), headers=fault("fault=429 retry_after=2")
    )
    assert reply.status_code == 429 and reply.headers["retry-after"] == "2"
    assert_envelope(dialect, reply.json())


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_from_a_directive_in_the_prompt(simulator, dialect, status):
    body = BODIES[dialect](unique(f"Hello [[sim fault={status}]]"), stream=True)
    reply = simulator.post(dialect, body)
    assert reply.status_code == status
    assert_envelope(dialect, reply.json())
    if dialect == "messages":
        assert reply.json()["error"]["type"] == {500: "api_error", 503: "overloaded_error"}[status]


def test_header_wins_over_the_prompt_directive(simulator):
    reply = simulator.post(
        "chat",
        BODIES["chat"](unique("Hi [[sim fault=500]]")),
        headers=fault("fault=503; retry_after=3"),
    )
    assert reply.status_code == 503 and reply.headers["retry-after"] == "3"


def test_times_one_fails_once_then_answers(simulator):
    body = BODIES["chat"](unique("Flaky upstream?"))
    statuses = [
        simulator.post("chat", body, headers=fault("fault=429; times=1")).status_code
        for _ in range(3)
    ]
    assert statuses == [429, 200, 200]


def test_openai_sdk_retries_a_single_429_and_succeeds(simulator):
    client = openai.OpenAI(
        base_url=simulator.base_url,
        api_key="k",
        max_retries=1,
        default_headers=fault("fault=429 times=1 retry_after=0.1 tps=0"),
    )
    reply = client.chat.completions.create(
        model="seed-2-0-mini", messages=[{"role": "user", "content": unique("Retry me")}]
    )
    assert reply.choices[0].message.content


@pytest.mark.parametrize("dialect", DIALECTS)
def test_disconnect_ends_the_stream_after_n_tokens_without_a_terminal_event(simulator, dialect):
    result = simulator.stream(
        dialect,
        BODIES[dialect](unique("Tell me about otters.")),
        headers=fault("fault=disconnect after=20"),
    )
    assert result.status == 200 and not terminal_seen(dialect, result)
    assert streamed_tokens(dialect, result) == 20


@pytest.mark.parametrize("dialect", DIALECTS)
def test_error_fault_sends_the_dialects_midstream_error(simulator, dialect):
    result = simulator.stream(
        dialect,
        BODIES[dialect](unique("Tell me about owls.")),
        headers=fault("fault=error after=5"),
    )
    payloads = result.payloads
    assert not terminal_seen(dialect, result)
    if dialect == "chat":
        assert payloads[-1]["error"]["type"] == "server_error"
    elif dialect == "responses":
        assert [p["type"] for p in payloads[-2:]] == ["error", "response.failed"]
        assert payloads[-2]["error"]["message"] == payloads[-2]["message"]
        assert payloads[-1]["response"]["status"] == "failed"
    else:
        assert result.events[-1].event == "error"
        assert payloads[-1] == {
            "type": "error",
            "error": {"type": "overloaded_error", "message": payloads[-1]["error"]["message"]},
        }


def test_sdks_raise_on_midstream_errors(simulator):
    headers = fault("fault=error after=3")
    chat = openai.OpenAI(base_url=simulator.base_url, api_key="k", default_headers=headers)
    with pytest.raises(openai.APIError, match="simulated"):
        list(
            chat.chat.completions.create(
                model="seed-2-0-mini",
                stream=True,
                messages=[{"role": "user", "content": unique("Error please")}],
            )
        )
    claude = anthropic.Anthropic(
        base_url=simulator.origin + "/simulator", api_key="k", default_headers=headers
    )
    messages = [{"role": "user", "content": unique("Error please")}]
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        claude.messages.stream(model="seed-2-0-mini", max_tokens=100, messages=messages) as stream,
    ):
        list(stream.text_stream)
    assert caught.value.type == "overloaded_error"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_malformed_fault_sends_one_bad_event_then_continues(simulator, dialect):
    result = simulator.stream(
        dialect,
        BODIES[dialect](unique("Tell me about lynxes.")),
        headers=fault("fault=malformed after=5"),
    )
    bad = []
    for event in result.events:
        try:
            json.loads(event.data) if event.data != "[DONE]" else None
        except ValueError:
            bad.append(event)
    assert len(bad) == 1 and terminal_seen(dialect, result)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_stall_pauses_then_resumes(simulator, dialect):
    start = time.monotonic()
    result = simulator.stream(
        dialect,
        BODIES[dialect](unique("Tell me about wolves.")),
        headers=fault("fault=stall after=5 seconds=0.4 tps=0"),
    )
    assert time.monotonic() - start >= 0.4 and terminal_seen(dialect, result)


def test_non_streaming_faults(simulator):
    body = BODIES["chat"](unique("Non-streaming faults"))
    error = simulator.post("chat", body, headers=fault("fault=error"))
    overloaded = simulator.post(
        "messages", BODIES["messages"](unique("x")), headers=fault("fault=error")
    )
    cut = simulator.post("chat", body, headers=fault("fault=malformed"))
    assert error.status_code == 500 and overloaded.status_code == 529
    assert overloaded.json()["error"]["type"] == "overloaded_error"
    assert cut.status_code == 200
    with pytest.raises(ValueError):
        cut.json()


@pytest.mark.parametrize("directive", ["fault=teapot", "tps=fast", "color=blue", "after"])
def test_invalid_directives_are_400(simulator, directive):
    reply = simulator.post("chat", BODIES["chat"]("hi"), headers=fault(directive))
    assert reply.status_code == 400 and "Simulator directive" in reply.json()["error"]["message"]


def test_a_directive_naming_a_model_applies_only_to_that_model(simulator):
    prompt = unique(
        "Compare us [[sim model=seed-2-0-lite fault=500]] [[sim dialect=responses fault=503]]"
    )
    lite = BODIES["chat"](prompt) | {"model": "seed-2-0-lite"}
    pro = BODIES["chat"](prompt) | {"model": "seed-2-0-pro"}
    assert simulator.post("chat", lite).status_code == 500
    assert simulator.post("chat", pro).status_code == 200
    assert simulator.post("responses", BODIES["responses"](prompt)).status_code == 503
