"""Anthropic Messages: the official anthropic SDK as client, and the event sequence on the wire."""

import anthropic
import pytest

from tests.simulator.helpers import FAST, expected_input, messages_body, tokens


@pytest.fixture
def client(simulator):
    # The SDK appends /v1/messages to its base URL, so it gets the mount's parent.
    return anthropic.Anthropic(
        base_url=simulator.base_url.removesuffix("/v1"),
        api_key="any",
        default_headers=FAST,
        max_retries=0,
    )


def test_anthropic_sdk_stream_with_thinking_and_final_message(client):
    prompt = "What should I pack for a winter hike in the Alps?"
    with client.messages.stream(
        model="seed-2-0-pro",
        max_tokens=4096,
        thinking={"type": "enabled", "budget_tokens": 2048},
        messages=[{"role": "user", "content": prompt}],
    ) as stream:
        text = "".join(stream.text_stream)
        message = stream.get_final_message()
    thinking, answer = message.content
    assert thinking.type == "thinking" and thinking.signature and "Alps" in thinking.thinking
    assert answer.type == "text" and answer.text == text and "Alps" in text
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == expected_input(prompt)
    assert message.usage.output_tokens == tokens(thinking.thinking) + tokens(text)


def test_anthropic_sdk_without_thinking_gets_only_text(client):
    message = client.messages.create(
        model="seed-2-0-mini",
        max_tokens=1024,
        system="You are a librarian.",
        messages=[{"role": "user", "content": "Recommend a novel."}],
    )
    assert [block.type for block in message.content] == ["text"]
    assert "novel" in message.content[0].text
    assert message.usage.input_tokens == expected_input(
        "You are a librarian.", "Recommend a novel."
    )


def test_event_names_match_types_and_usage_is_cumulative(simulator):
    result = simulator.stream(
        "messages",
        messages_body(
            "Why do leaves change colour?", thinking={"type": "enabled", "budget_tokens": 1024}
        ),
    )
    payloads = result.payloads
    assert [e.event for e in result.events] == [p["type"] for p in payloads]
    names = [p["type"] for p in payloads if p["type"] != "content_block_delta"]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_stop",
        "content_block_start",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    deltas = [p["delta"]["type"] for p in payloads if p["type"] == "content_block_delta"]
    assert deltas.index("signature_delta") == deltas.index("text_delta") - 1
    start, delta = payloads[0]["message"]["usage"], payloads[-2]["usage"]
    assert start["input_tokens"] == delta["input_tokens"] and delta["output_tokens"] > 1


def test_thinking_budget_caps_reasoning_and_sets_effort(simulator):
    def thinking_tokens(budget):
        body = messages_body(
            "How do tides work?", thinking={"type": "enabled", "budget_tokens": budget}
        )
        reply = simulator.post("messages", body).json()
        return tokens(reply["content"][0]["thinking"])

    assert thinking_tokens(30) == 30
    assert thinking_tokens(1024) < thinking_tokens(16384)


def test_stop_sequences_set_stop_reason_and_sequence(simulator):
    reply = simulator.post(
        "messages", messages_body("Tell me about the moon landing.", stop_sequences=["moon"])
    ).json()
    assert reply["stop_reason"] == "stop_sequence" and reply["stop_sequence"] == "moon"
    assert "moon" not in reply["content"][-1]["text"]


def test_max_tokens_sets_stop_reason_max_tokens(simulator):
    reply = simulator.post("messages", messages_body("Explain inflation.", max_tokens=9)).json()
    assert reply["stop_reason"] == "max_tokens" and reply["stop_sequence"] is None
    assert tokens(reply["content"][-1]["text"]) == 9 == reply["usage"]["output_tokens"]


def test_errors_use_the_anthropic_envelope(client, simulator):
    with pytest.raises(anthropic.NotFoundError) as caught:
        client.messages.create(
            model="claude-9", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
    body = caught.value.body
    assert body["type"] == "error" and body["error"]["type"] == "not_found_error"
    assert body["request_id"].startswith("req_")
    assert caught.value.response.headers["request-id"] == body["request_id"]


def test_count_tokens_matches_message_start(client, simulator):
    prompt = "How many moons does Jupiter have?"
    counted = client.messages.count_tokens(
        model="seed-2-0-mini", system="Be brief.", messages=[{"role": "user", "content": prompt}]
    )
    started = simulator.stream("messages", messages_body(prompt, system="Be brief."))
    assert counted.input_tokens == expected_input("Be brief.", prompt)
    assert counted.input_tokens == started.payloads[0]["message"]["usage"]["input_tokens"]
