"""Every recorded stream in shared/fixtures/protocols, replayed through the real client over
loopback HTTP.

The expected text, reasoning and usage were read off the fixture files by hand and are written here
literally, so a parser change that alters any of them fails a test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.providers.types import Finished, Usage
from tests.providers.helpers import replay

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "protocols"

DEEPSEEK_REASONING = (
    'We need to count the number of the letter "r" in the word "strawberry". The word is spelled: '
    's-t-r-a-w-b-e-r-r-y. Let\'s list the letters and count the "r"s:\n\nPosition 1: s\n2: t\n'
    "3: r (first r)\n4: a\n5: w\n6: b\n7: e\n8: r (second r)\n9: r (third r)\n10: y\n\n"
    "So there are "
    'three "r"s. But wait, let\'s double-check: "strawberry" indeed has three "r"s: one after "t", '
    'and then two consecutive "r"s before "y". So the answer is 3.\n\nThe question is '
    "straightforward. However, sometimes people might miscount. Let's ensure: The word has 10 "
    'letters. The "r"s are at positions 3, 8, and 9. So yes, 3.\n\nThus, the answer is 3.'
)
OPENAI_WEATHER = (
    "I'm unable to provide real-time weather updates. To get the current weather in San Francisco, "
    "I recommend checking a reliable weather website or a weather app."
)
SUMMARY_REASONING = (
    "**Calculating step-by-step using calculator**\n\nI'll compute 12 plus 7, then multiply the "
    "result by 3, and finally multiply that by 10, reporting the final product."
)
PELICAN_REASONING = (
    "The user wants two names for a pet pelican, and wants me to be brief. I'll give two simple, "
    "fitting names.\n\nSome options:\n- Pete\n- Percy\n- Captain\n- Scoop\n- Bill\n- Gully\n\n"
    "I'll pick two good ones and keep it very short."
)
DIVISION_REASONING = "The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185"
QUOTA_MESSAGE = (
    "You exceeded your current quota, please check your plan and billing details. For more "
    "information on this error, read the docs: "
    "https://platform.openai.com/docs/guides/error-codes/api-errors."
)


def fixture(name: str) -> bytes:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"fixture {name} not available at {FIXTURES}")
    return path.read_bytes()


def frame_jsonl(lines: list[str], *, with_event_names: bool, done: bool) -> bytes:
    frames = []
    for line in lines:
        event = f"event: {json.loads(line)['type']}\r\n" if with_event_names else ""
        frames.append(f"{event}data: {line}\r\n\r\n")
    return ("".join(frames) + ("data: [DONE]\r\n\r\n" if done else "")).encode()


async def test_chat_openai_basic_usage_replays_text_and_usage_chunk(upstream, client):
    outcome = await replay(upstream, client, "chat", fixture("chat-openai-basic-usage.sse"))
    assert outcome.text == OPENAI_WEATHER
    assert outcome.reasoning == ""
    assert outcome.usage == Usage(input_tokens=14, output_tokens=30, reasoning_tokens=0)
    assert outcome.end == Finished("stop")


async def test_chat_deepseek_reasoning_replays_reasoning_and_finish_chunk_usage(upstream, client):
    outcome = await replay(upstream, client, "chat", fixture("chat-deepseek-reasoning.sse"))
    assert outcome.text == 'The word "strawberry" contains three "r"s.'
    assert outcome.reasoning == DEEPSEEK_REASONING
    assert outcome.usage == Usage(
        input_tokens=18, cached_input_tokens=0, output_tokens=219, reasoning_tokens=205
    )
    assert outcome.end == Finished("stop")


async def test_chat_deepseek_chunks_reframed_with_crlf_replay_the_same(upstream, client):
    lines = fixture("chat-deepseek-reasoning.chunks.jsonl").decode().splitlines()
    data = frame_jsonl(lines, with_event_names=False, done=True)
    outcome = await replay(upstream, client, "chat", data)
    assert outcome.text == 'The word "strawberry" contains three "r"s.'
    assert outcome.reasoning == DEEPSEEK_REASONING
    assert outcome.usage == Usage(input_tokens=18, output_tokens=219, reasoning_tokens=205)
    assert outcome.end == Finished("stop")


async def test_responses_basic_reasoning_item_replays_text_and_usage(upstream, client):
    data = fixture("responses-basic-reasoning-item.sse")
    outcome = await replay(upstream, client, "responses", data)
    assert outcome.text == "Hello, World!"
    assert outcome.reasoning == ""
    assert outcome.usage == Usage(input_tokens=12, output_tokens=10)
    assert outcome.end == Finished("stop")


async def test_responses_error_midstream_ends_in_stream_error(upstream, client):
    outcome = await replay(upstream, client, "responses", fixture("responses-error-midstream.sse"))
    assert outcome.text == ""
    assert outcome.failure.kind == "stream_error"
    assert outcome.failure.provider_message == QUOTA_MESSAGE
    assert "EmpirioLabs reported an error" in outcome.failure.message


async def test_responses_reasoning_summary_replays_summary_as_reasoning(upstream, client):
    data = fixture("responses-reasoning-summary-toolcall.sse")
    outcome = await replay(upstream, client, "responses", data)
    assert outcome.text == ""
    assert outcome.reasoning == SUMMARY_REASONING
    assert outcome.usage == Usage(input_tokens=134, output_tokens=28)
    assert outcome.end == Finished("stop")


RESPONSES_TOOL_LOOP = [  # (text, reasoning starts with, input tokens, output tokens) per stream
    ("", SUMMARY_REASONING, 134, 28),
    ("", "", 221, 26),
    ("", "", 260, 26),
    ("The final result is **570**.", "", 299, 12),
]


@pytest.mark.parametrize("index", range(4))
async def test_responses_chunks_each_of_the_four_streams_replays(upstream, client, index):
    streams: list[list[str]] = []
    for line in fixture("responses-reasoning-summary-toolcall.chunks.jsonl").decode().splitlines():
        if json.loads(line)["type"] == "response.created":
            streams.append([])
        streams[-1].append(line)
    data = frame_jsonl(streams[index], with_event_names=True, done=False)
    outcome = await replay(upstream, client, "responses", data)
    text, reasoning, input_tokens, output_tokens = RESPONSES_TOOL_LOOP[index]
    assert (outcome.text, outcome.reasoning) == (text, reasoning)
    assert outcome.usage == Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    assert outcome.end == Finished("stop")


async def test_responses_chunks_concatenated_stop_at_the_first_completed(upstream, client):
    lines = fixture("responses-reasoning-summary-toolcall.chunks.jsonl").decode().splitlines()
    data = frame_jsonl(lines, with_event_names=True, done=False)
    outcome = await replay(upstream, client, "responses", data)
    assert outcome.reasoning == SUMMARY_REASONING
    assert outcome.usage == Usage(input_tokens=134, output_tokens=28)
    assert outcome.end == Finished("stop")


async def test_messages_basic_replays_text_and_falls_back_to_start_usage(upstream, client):
    outcome = await replay(upstream, client, "messages", fixture("messages-basic.sse"))
    assert outcome.text == "Hello there!"
    assert outcome.usage == Usage(input_tokens=11, output_tokens=6)
    assert outcome.end == Finished("stop")


async def test_messages_thinking_with_wire_padding_replays(upstream, client):
    outcome = await replay(upstream, client, "messages", fixture("messages-thinking.sse"))
    assert outcome.text == "- Captain\n- Scoop"
    assert outcome.reasoning == PELICAN_REASONING
    assert outcome.usage == Usage(input_tokens=46, cached_input_tokens=0, output_tokens=84)
    assert outcome.end == Finished("stop")


async def test_messages_thinking_cache_usage_replays(upstream, client):
    data = fixture("messages-thinking-cache-usage.sse")
    outcome = await replay(upstream, client, "messages", data)
    assert outcome.text == "925 ÷ 5 = 185"
    assert outcome.reasoning == DIVISION_REASONING
    assert outcome.usage == Usage(input_tokens=69, output_tokens=53)
    assert outcome.end == Finished("stop")


async def test_messages_chunks_reframed_replay_the_same(upstream, client):
    lines = fixture("messages-thinking-cache-usage.chunks.jsonl").decode().splitlines()
    data = frame_jsonl(lines, with_event_names=True, done=False)
    outcome = await replay(upstream, client, "messages", data)
    assert outcome.text == "925 ÷ 5 = 185"
    assert outcome.reasoning == DIVISION_REASONING
    assert outcome.usage == Usage(input_tokens=69, output_tokens=53)
    assert outcome.end == Finished("stop")
