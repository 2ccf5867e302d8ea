"""Chat Completions: the official openai SDK as client, plus the wire details it hides."""

import openai
import pytest

from tests.simulator.helpers import FAST, chat_body, chat_texts, expected_input, tokens, unique


@pytest.fixture
def client(simulator):
    return openai.OpenAI(
        base_url=simulator.base_url, api_key="any", default_headers=FAST, max_retries=0
    )


def test_openai_sdk_stream_text_and_usage_agree_with_the_token_rule(client):
    prompt = "How should I index a PostgreSQL table of customer orders by date?"
    stream = client.chat.completions.create(
        model="seed-2-0-lite",
        messages=[{"role": "user", "content": prompt}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    usage = chunks[-1].usage
    answer = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    reasoning = "".join(
        (c.choices[0].delta.model_extra or {}).get("reasoning_content") or ""
        for c in chunks
        if c.choices
    )
    assert chunks[-1].choices == []
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert "PostgreSQL" in answer and "orders" in answer and "PostgreSQL" in reasoning
    assert usage.prompt_tokens == expected_input(prompt)
    assert usage.completion_tokens_details.reasoning_tokens == tokens(reasoning) > 0
    assert usage.completion_tokens == tokens(reasoning) + tokens(answer)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_openai_sdk_non_streaming_reply_matches_the_stream(client, simulator):
    prompt = "Compare Rust and Go for writing a small command-line tool."
    reply = client.chat.completions.create(
        model="seed-2-0-code",
        messages=[
            {"role": "system", "content": "Be concise."},
            {"role": "user", "content": prompt},
        ],
    )
    message = reply.choices[0].message
    reasoning = message.model_extra["reasoning_content"]
    streamed = simulator.stream(
        "chat",
        {
            "model": "seed-2-0-code",
            "messages": [
                {"role": "system", "content": "Be concise."},
                {"role": "user", "content": prompt},
            ],
        },
    )
    assert chat_texts(streamed) == (reasoning, message.content)
    assert reply.usage.prompt_tokens == expected_input("Be concise.", prompt)
    assert reply.usage.completion_tokens == tokens(reasoning) + tokens(message.content)


def test_stream_framing_is_sse_with_ark_reasoning_chunks_and_done(simulator):
    result = simulator.stream(
        "chat", chat_body("Why do cats purr?", stream_options={"include_usage": True})
    )
    assert result.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert result.headers["cache-control"] == "no-cache"
    assert result.events[-1].data == "[DONE]"
    assert all(e.event is None for e in result.events)
    first, *rest = result.payloads
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    deltas = [p["choices"][0]["delta"] for p in rest if p["choices"]]
    reasoning = [d for d in deltas if "reasoning_content" in d]
    assert reasoning and all(d["content"] == "" for d in reasoning)
    assert rest[-1]["choices"] == [] and rest[-1]["usage"]["prompt_tokens"] > 0
    assert all(p["usage"] is None for p in rest[:-1])


def test_usage_chunk_is_only_sent_when_asked(simulator):
    result = simulator.stream("chat", chat_body("Name three rivers in Europe."))
    assert all(p["choices"] for p in result.payloads)


def test_same_request_gives_the_same_answer_and_another_prompt_another(simulator):
    body = chat_body("What is a good name for a pet hedgehog?")
    first, second = simulator.post("chat", body).json(), simulator.post("chat", body).json()
    other = simulator.post("chat", chat_body("What is a good name for a pet goldfish?")).json()
    assert first["choices"][0]["message"] == second["choices"][0]["message"]
    assert first["choices"][0]["message"]["content"] != other["choices"][0]["message"]["content"]
    assert "hedgehog" in first["choices"][0]["message"]["content"]


def test_answer_restates_the_question_and_adds_code_when_asked_about_code(simulator):
    prompt = "Write a Python function that removes duplicate emails from a list."
    answer = simulator.post("chat", chat_body(prompt)).json()["choices"][0]["message"]["content"]
    assert prompt in answer
    assert "```python" in answer and "emails" in answer


@pytest.mark.parametrize(
    "switch",
    [
        {"reasoning_effort": "minimal"},
        {"enable_thinking": False},
        {"thinking": {"type": "disabled"}},
    ],
)
def test_reasoning_can_be_switched_off(simulator, switch):
    reply = simulator.post("chat", chat_body("Is tea healthier than coffee?", **switch)).json()
    assert "reasoning_content" not in reply["choices"][0]["message"]
    assert reply["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0


def test_reasoning_grows_with_effort(simulator):
    def reasoning_tokens(effort):
        body = chat_body("Plan a three-day trip to Kyoto in autumn.", reasoning_effort=effort)
        return simulator.post("chat", body).json()["usage"]["completion_tokens_details"][
            "reasoning_tokens"
        ]

    assert reasoning_tokens("low") < reasoning_tokens("medium") < reasoning_tokens("high")


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_caps_the_answer_and_separately_the_reasoning(simulator, field):
    """Reasoning is not counted in max_tokens, but stops at as many tokens of its own: the
    ceiling the playground's estimate and budgets reserve (answer + reasoning)."""
    result = simulator.stream(
        "chat",
        chat_body(
            "Describe the water cycle in detail.",
            **{field: 7, "stream_options": {"include_usage": True}},
        ),
    )
    reasoning, answer = chat_texts(result)
    usage = result.payloads[-1]["usage"]
    assert tokens(answer) == 7 and tokens(reasoning) == 7
    assert usage["completion_tokens"] == 7 + usage["completion_tokens_details"]["reasoning_tokens"]
    assert result.payloads[-2]["choices"][0]["finish_reason"] == "length"


@pytest.mark.parametrize("stop", ["volcano", ["zzz-never", "volcano"]])
def test_stop_sequence_ends_the_answer_before_it(simulator, stop):
    reply = simulator.post("chat", chat_body("How does a volcano erupt?", stop=stop)).json()
    answer = reply["choices"][0]["message"]["content"]
    assert "volcano" not in answer and answer.endswith("“How does a ")
    assert reply["choices"][0]["finish_reason"] == "stop"


def test_modelslab_style_model_id_and_body_key_are_accepted(simulator):
    body = {
        "model_id": "bytedance-seed-seed-2.0-mini",
        "key": "secret",
        "messages": [{"role": "user", "content": "Hello there"}],
    }
    reply = simulator.post("chat", body, headers={"Authorization": "Bearer whatever"})
    assert reply.status_code == 200
    assert reply.json()["model"] == "bytedance-seed-seed-2.0-mini"


def test_unknown_model_is_404_in_the_openai_envelope(client):
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="gpt-17", messages=[{"role": "user", "content": "hi"}])
    error = caught.value.body
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == "model_not_found" and "seed-2-0-mini" in error["message"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"model": "seed-2-0-mini"}', "'messages' is required"),
        (b'{"model": "seed-2-0-mini", "messages": []}', "'messages' is required"),
        (b'{"messages": [{"role": "user", "content": "x"}]}', "model"),
    ],
)
def test_bad_requests_are_400_with_a_clear_message(simulator, body, needle):
    import httpx

    reply = httpx.post(simulator.base_url + "/chat/completions", content=body)
    assert reply.status_code == 400
    assert needle in reply.json()["error"]["message"]


@pytest.mark.parametrize("value", [0, 128_001, "100", True])
def test_out_of_range_max_tokens_is_400_naming_the_field(simulator, value):
    reply = simulator.post("chat", chat_body("hi", max_tokens=value))
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["param"] == "max_tokens" and "between 1 and 128000" in error["message"]


def test_more_than_four_stop_sequences_is_400(simulator):
    reply = simulator.post("chat", chat_body("hi", stop=["a", "b", "c", "d", "e"]))
    assert reply.status_code == 400 and "at most 4" in reply.json()["error"]["message"]


def test_unknown_reasoning_effort_is_400(simulator):
    reply = simulator.post("chat", chat_body("hi", reasoning_effort="extreme"))
    assert reply.status_code == 400 and "reasoning_effort" in reply.json()["error"]["message"]


def test_directive_is_removed_from_the_prompt_before_answering(simulator):
    prompt = unique("Tips for growing basil?")
    plain = simulator.post("chat", chat_body(prompt)).json()
    tagged = simulator.post("chat", chat_body(prompt + " [[sim tps=0 ttft=0]]")).json()
    assert tagged["choices"][0]["message"] == plain["choices"][0]["message"]
    # Usage counts the text as sent, directive included.
    assert tagged["usage"]["prompt_tokens"] > plain["usage"]["prompt_tokens"]
