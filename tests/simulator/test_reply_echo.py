"""The reply=echo directive: answer, reasoning and error text repeat the prompt verbatim, so the
XSS suite (tests/hostile/) can push exact hostile text through every rendering."""

import pytest

from tests.simulator.helpers import BODIES, DIALECTS, chat_texts, unique

HOSTILE = "<img src=x onerror=alert(1)>\n\n\"'><svg/onload=alert`1`>\t&lt;b&gt; ‘–’ \u2028 x"


def texts(dialect: str, result) -> tuple[str, str]:
    """(reasoning, answer) of a stream in any dialect."""
    if dialect == "chat":
        return chat_texts(result)
    reasoning, answer = "", ""
    for payload in result.payloads:
        kind = payload.get("type", "")
        if dialect == "responses" and kind == "response.reasoning_summary_text.delta":
            reasoning += payload["delta"]
        elif dialect == "responses" and kind == "response.output_text.delta":
            answer += payload["delta"]
        elif dialect == "messages" and kind == "content_block_delta":
            reasoning += payload["delta"].get("thinking", "")
            answer += payload["delta"].get("text", "")
    return reasoning, answer


@pytest.mark.parametrize("dialect", DIALECTS)
def test_answer_and_reasoning_repeat_the_prompt_verbatim(simulator, dialect):
    prompt = unique(HOSTILE)
    thinking = {"thinking": {"type": "enabled", "budget_tokens": 2048}}
    extra = thinking if dialect == "messages" else {}
    result = simulator.stream(dialect, BODIES[dialect](f"  {prompt} [[sim reply=echo]]", **extra))
    assert texts(dialect, result) == (prompt, prompt)


def test_without_the_directive_the_answer_is_generated(simulator):
    result = simulator.stream("chat", BODIES["chat"](unique(HOSTILE)))
    reasoning, answer = chat_texts(result)
    assert answer and answer != unique(HOSTILE) and HOSTILE not in reasoning


def test_max_tokens_still_cuts_an_echoed_answer(simulator):
    body = BODIES["chat"](unique("one two six ten red big cat dog") + "[[sim reply=echo]]")
    reasoning, answer = chat_texts(simulator.stream("chat", {**body, "max_tokens": 3}))
    assert answer == "one two six"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_http_fault_message_ends_with_the_prompt(simulator, dialect):
    prompt = unique(HOSTILE)
    reply = simulator.post(dialect, BODIES[dialect](f"{prompt} [[sim reply=echo fault=400]]"))
    assert reply.status_code == 400
    assert reply.json()["error"]["message"].endswith(f"(simulated: fault=400). {prompt}")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_midstream_error_message_ends_with_the_prompt(simulator, dialect):
    prompt = unique(HOSTILE)
    result = simulator.stream(
        dialect, BODIES[dialect](f"{prompt} [[sim reply=echo fault=error after=3]]")
    )
    errors = [p["error"]["message"] for p in result.payloads if isinstance(p.get("error"), dict)]
    assert errors and all(message.endswith(f" {prompt}") for message in errors)


def test_reply_accepts_only_echo(simulator):
    reply = simulator.post("chat", BODIES["chat"]("hi [[sim reply=shout]]"))
    assert reply.status_code == 400 and "reply=echo" in reply.json()["error"]["message"]
