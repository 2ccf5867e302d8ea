"""Prompt-prefix caching in the three dialects: a repeat within the TTL reports cached tokens."""

from playground.tokens import count_message_tokens
from tests.simulator.helpers import unique


def conversation(system: str, question: str) -> list[dict]:
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": "What is a B-tree?"},
        {"role": "assistant", "content": "A balanced search tree used by databases."},
        {"role": "user", "content": question},
    ]


def test_chat_repeat_reports_the_prefix_as_cached(simulator):
    system = unique("You are a database tutor.")
    messages = conversation(system, "And a B+ tree?")
    prefix = sum(count_message_tokens(m["content"]) for m in messages[:-1])
    body = {"model": "seed-2-0-lite", "messages": messages, "enable_caching": True}
    first = simulator.post("chat", body).json()["usage"]
    second = simulator.post("chat", body).json()["usage"]
    assert first["prompt_tokens_details"]["cached_tokens"] == 0
    assert second["prompt_tokens_details"]["cached_tokens"] == prefix
    assert second["prompt_tokens"] == first["prompt_tokens"]


def test_cache_is_per_model_and_needs_the_flag(simulator):
    messages = conversation(unique("You are terse."), "Why?")
    simulator.post("chat", {"model": "seed-2-0-lite", "messages": messages, "enable_caching": True})
    other_model = simulator.post(
        "chat", {"model": "seed-2-0-pro", "messages": messages, "enable_caching": True}
    ).json()["usage"]
    no_flag = simulator.post("chat", {"model": "seed-2-0-lite", "messages": messages}).json()[
        "usage"
    ]
    assert other_model["prompt_tokens_details"]["cached_tokens"] == 0
    assert no_flag["prompt_tokens_details"]["cached_tokens"] == 0


def test_a_conversation_grown_by_a_turn_hits_the_earlier_prompt(simulator):
    system = unique("You are a chef.")
    turn_one = [{"role": "system", "content": system}, {"role": "user", "content": "Pasta tips?"}]
    turn_two = [
        *turn_one,
        {"role": "assistant", "content": "Salt the water."},
        {"role": "user", "content": "How much salt?"},
    ]
    simulator.post("chat", {"model": "seed-2-0-mini", "messages": turn_one, "enable_caching": True})
    usage = simulator.post(
        "chat", {"model": "seed-2-0-mini", "messages": turn_two, "enable_caching": True}
    ).json()["usage"]
    expected = count_message_tokens(system) + count_message_tokens("Pasta tips?")
    assert usage["prompt_tokens_details"]["cached_tokens"] == expected


def test_responses_caching_reports_input_tokens_details(simulator):
    instructions = unique("You are a historian.")
    body = {
        "model": "seed-2-0-mini",
        "instructions": instructions,
        "caching": {"type": "enabled"},
        "input": [{"role": "user", "content": "Who built the pyramids?"}],
    }
    simulator.post("responses", body)
    usage = simulator.post("responses", body).json()["usage"]
    assert usage["input_tokens_details"]["cached_tokens"] == count_message_tokens(instructions)


def test_messages_cache_read_is_excluded_from_input_tokens(simulator):
    system = [
        {
            "type": "text",
            "text": unique("You are a botanist."),
            "cache_control": {"type": "ephemeral"},
        }
    ]
    body = {
        "model": "seed-2-0-mini",
        "max_tokens": 512,
        "system": system,
        "messages": [{"role": "user", "content": "Why are leaves green?"}],
    }
    first = simulator.post("messages", body).json()["usage"]
    second = simulator.post("messages", body).json()["usage"]
    cached = count_message_tokens(system[0]["text"])
    assert first["cache_read_input_tokens"] == 0
    assert second["cache_read_input_tokens"] == cached
    assert second["input_tokens"] == first["input_tokens"] - cached
