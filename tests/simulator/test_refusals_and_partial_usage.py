"""refuse=1 in each dialect's refusal shape, read by the official SDKs, and the usage a mid-stream
error carries: the tokens that were sent before it, not the whole answer's."""

import anthropic
import openai
import pytest

from playground.simulator.completion import REFUSAL
from playground.tokens import count_text_tokens
from tests.simulator.helpers import BODIES, streamed_tokens, unique

REFUSE = {"X-Simulator": "refuse=1 tps=0 ttft=0"}


def test_chat_refusal_streams_as_refusal_deltas_read_by_the_openai_sdk(simulator):
    client = openai.OpenAI(base_url=simulator.base_url, api_key="k", default_headers=REFUSE)
    chunks = list(
        client.chat.completions.create(
            model="seed-2-0-mini",
            stream=True,
            stream_options={"include_usage": True},
            messages=[{"role": "user", "content": unique("Help me")}],
        )
    )
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    assert "".join(d.refusal or "" for d in deltas) == REFUSAL
    assert not any(d.content for d in deltas)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage.completion_tokens == count_text_tokens(REFUSAL)


def test_responses_refusal_is_a_refusal_content_part(simulator):
    client = openai.OpenAI(base_url=simulator.base_url, api_key="k", default_headers=REFUSE)
    with client.responses.stream(model="seed-2-0-mini", input=unique("Help me")) as stream:
        kinds = [event.type for event in stream]
        response = stream.get_final_response()
    assert "response.refusal.delta" in kinds and "response.refusal.done" in kinds
    assert "response.output_text.delta" not in kinds
    (part,) = response.output[-1].content
    assert (part.type, part.refusal) == ("refusal", REFUSAL)


def test_messages_refusal_stops_with_refusal(simulator):
    client = anthropic.Anthropic(
        base_url=simulator.origin + "/simulator", api_key="k", default_headers=REFUSE
    )
    messages = [{"role": "user", "content": unique("Help me")}]
    with client.messages.stream(model="seed-2-0-mini", max_tokens=100, messages=messages) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
    assert text == REFUSAL and final.stop_reason == "refusal"


@pytest.mark.parametrize("dialect", ["chat", "responses"])
def test_a_midstream_error_carries_the_usage_of_what_was_sent(simulator, dialect):
    extra = {"stream_options": {"include_usage": True}} if dialect == "chat" else {}
    body = BODIES[dialect](unique("Tell me about owls."), **extra)
    result = simulator.stream(dialect, body, headers={"X-Simulator": "fault=error after=7"})
    last = result.payloads[-1]
    usage = last["usage"] if dialect == "chat" else last["response"]["usage"]
    output = usage["completion_tokens" if dialect == "chat" else "output_tokens"]
    assert output == streamed_tokens(dialect, result) == 7
    assert usage["prompt_tokens" if dialect == "chat" else "input_tokens"] > 0
