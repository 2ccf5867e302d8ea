"""Responses: the official openai SDK as client, and the event sequence on the wire."""

import openai
import pytest

from tests.simulator.helpers import FAST, expected_input, responses_body, tokens


@pytest.fixture
def client(simulator):
    return openai.OpenAI(
        base_url=simulator.base_url, api_key="any", default_headers=FAST, max_retries=0
    )


def test_openai_sdk_stream_events_text_and_usage(client):
    prompt = "Summarise the causes of the French Revolution."
    events = list(
        client.responses.create(
            model="seed-2-0-pro", input=prompt, stream=True, reasoning={"effort": "low"}
        )
    )
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    summary = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    final = events[-1].response
    assert events[-1].type == "response.completed" and final.status == "completed"
    assert final.output_text == text and "Revolution" in text and "Revolution" in summary
    assert final.usage.input_tokens == expected_input(prompt)
    assert final.usage.output_tokens_details.reasoning_tokens == tokens(summary) > 0
    assert final.usage.output_tokens == tokens(summary) + tokens(text)
    assert final.usage.total_tokens == final.usage.input_tokens + final.usage.output_tokens


def test_openai_sdk_non_streaming_reply(client):
    reply = client.responses.create(
        model="seed-2-0-mini",
        instructions="Answer kindly.",
        input=[{"role": "user", "content": "Why is sleep important?"}],
    )
    reasoning, message = reply.output
    assert reasoning.type == "reasoning" and reasoning.summary[0].text
    assert message.type == "message" and "sleep" in reply.output_text
    assert reply.usage.input_tokens == expected_input("Answer kindly.", "Why is sleep important?")


def test_event_order_and_sequence_numbers(simulator):
    result = simulator.stream("responses", responses_body("What makes sourdough rise?"))
    payloads = result.payloads
    assert [e.event for e in result.events] == [p["type"] for p in payloads]
    assert [p["sequence_number"] for p in payloads] == list(range(len(payloads)))
    kinds = [p["type"] for p in payloads if not p["type"].endswith(".delta")]
    assert kinds == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert result.raw.endswith(b"\n\n") and b"[DONE]" not in result.raw


def test_max_output_tokens_makes_the_response_incomplete(simulator):
    result = simulator.stream(
        "responses", responses_body("Explain photosynthesis.", max_output_tokens=5)
    )
    last = result.payloads[-1]
    text = "".join(p["delta"] for p in result.payloads if p["type"] == "response.output_text.delta")
    assert last["type"] == "response.incomplete"
    assert last["response"]["incomplete_details"] == {"reason": "max_output_tokens"}
    assert tokens(text) == 5


def test_thinking_disabled_sends_no_reasoning_item(simulator):
    reply = simulator.post(
        "responses", responses_body("Best way to learn chess?", thinking={"type": "disabled"})
    ).json()
    assert [item["type"] for item in reply["output"]] == ["message"]
    assert reply["usage"]["output_tokens_details"]["reasoning_tokens"] == 0


def test_reasoning_effort_controls_reasoning_length(simulator):
    def reasoning_tokens(effort):
        body = responses_body(
            "How do vaccines train the immune system?", reasoning={"effort": effort}
        )
        return simulator.post("responses", body).json()["usage"]["output_tokens_details"][
            "reasoning_tokens"
        ]

    assert reasoning_tokens("low") < reasoning_tokens("high")
    assert reasoning_tokens("minimal") == 0


def test_unknown_model_and_missing_input_use_the_openai_envelope(simulator):
    missing = simulator.post("responses", {"model": "seed-2-0-mini"})
    unknown = simulator.post("responses", responses_body("hi", model="nope"))
    assert missing.status_code == 400
    assert "'input' is required" in missing.json()["error"]["message"]
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "invalid_request_error"
