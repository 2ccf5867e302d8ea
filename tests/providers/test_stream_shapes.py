"""Stream shapes beyond the recorded fixtures, per dialect, over real loopback HTTP."""

from __future__ import annotations

import time
from decimal import Decimal

from playground.providers.types import Finished, ReasoningDelta, TextDelta, Usage
from tests.providers.helpers import make_request, run
from tests.providers.upstream import Hang, Reply, json_reply, sse


def chunk(content=None, *, reasoning=None, finish=None, usage=None, **delta_extra):
    delta = {"content": content, **delta_extra}
    if reasoning is not None:
        delta["reasoning_content"] = reasoning
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}], "usage": usage}


DONE = b"data: [DONE]\n\n"


async def chat_run(upstream, client, *body):
    server = await upstream(Reply(body=list(body)))
    return await run(client, make_request(server.url))


# --- chat -----------------------------------------------------------------------------------------


async def test_chat_usage_chunk_with_null_or_missing_choices_is_read(upstream, client):
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "prompt_tokens_details": None}
    for usage_chunk in ({"choices": None, "usage": usage}, {"usage": usage}):
        frames = sse(chunk("Hi"), chunk(finish="stop"), usage_chunk)
        outcome = await chat_run(upstream, client, frames, DONE)
        assert outcome.usage == Usage(input_tokens=5, output_tokens=2)
        assert outcome.end == Finished("stop")


async def test_chat_cumulative_usage_on_every_chunk_keeps_the_last(upstream, client):
    outcome = await chat_run(
        upstream,
        client,
        sse(
            chunk("a", usage={"prompt_tokens": 9, "completion_tokens": 1}),
            chunk("b", usage={"prompt_tokens": 9, "completion_tokens": 2}),
            chunk(
                finish="stop",
                usage={
                    "prompt_tokens": 9,
                    "completion_tokens": 3,
                    "prompt_tokens_details": {"cached_tokens": 4},
                    "completion_tokens_details": {"reasoning_tokens": 1},
                },
            ),
        ),
        DONE,
    )
    assert outcome.text == "ab"
    assert outcome.usage == Usage(
        input_tokens=9, cached_input_tokens=4, output_tokens=3, reasoning_tokens=1
    )


async def test_chat_deepseek_cache_hit_and_openrouter_cost_are_read(upstream, client):
    usage = {
        "prompt_tokens": 30,
        "completion_tokens": 5,
        "prompt_cache_hit_tokens": 24,
        "cost": 0.000123,
    }
    outcome = await chat_run(upstream, client, sse(chunk("x", finish="stop", usage=usage)), DONE)
    assert outcome.usage == Usage(
        input_tokens=30, cached_input_tokens=24, output_tokens=5, reported_cost=Decimal("0.000123")
    )


async def test_chat_reasoning_from_reasoning_content_or_reasoning_in_order(upstream, client):
    outcome = await chat_run(
        upstream,
        client,
        sse(
            chunk("", reasoning="think "),
            chunk(None, reasoning=None, reasoning_extra=1),
            {"choices": [{"delta": {"reasoning": "more"}}]},
            chunk("answer"),
            chunk(finish="stop"),
        ),
        DONE,
    )
    kinds = [type(e) for e in outcome.events]
    assert kinds == [ReasoningDelta, ReasoningDelta, TextDelta, Finished]
    assert (outcome.reasoning, outcome.text) == ("think more", "answer")


async def test_chat_u2028_and_u2029_inside_text_survive(upstream, client):
    text = "line\u2028separator\u2029paragraph\u0085next"
    outcome = await chat_run(upstream, client, sse(chunk(text), chunk(finish="stop")), DONE)
    assert outcome.text == text


async def test_chat_finish_reason_without_done_still_finishes(upstream, client):
    outcome = await chat_run(upstream, client, sse(chunk("cut"), chunk(finish="length")))
    assert outcome.text == "cut" and outcome.end == Finished("length")


async def test_chat_bytes_after_done_are_ignored_and_the_connection_closed(upstream, client):
    server = await upstream(Reply(body=[sse(chunk("ok")), DONE + b"data: {garbage\n\n", Hang()]))
    outcome = await run(client, make_request(server.url))
    assert outcome.text == "ok" and outcome.end == Finished("stop")
    assert outcome.elapsed < 0.5
    assert await server.wait_disconnect(timeout=1.0) is not None


async def test_chat_openrouter_error_finish_reason_fails(upstream, client):
    outcome = await chat_run(upstream, client, sse(chunk("pa"), chunk(finish="error")))
    assert outcome.text == "pa" and outcome.failure.kind == "stream_error"


async def test_malformed_lines_up_to_three_are_skipped(upstream, client):
    bad = b"data: {not json\n\n"
    outcome = await chat_run(
        upstream,
        client,
        sse(chunk("a")),
        bad * 3,
        b"no colon line\n\n",
        sse(chunk("b"), chunk(finish="stop")),
        DONE,
    )
    assert outcome.text == "ab" and outcome.end == Finished("stop")


async def test_a_fourth_malformed_line_fails_and_keeps_the_text(upstream, client):
    outcome = await chat_run(
        upstream, client, sse(chunk("partial")), b"data: [1,2\n\n" * 4, sse(chunk("never")), DONE
    )
    assert outcome.text == "partial"
    assert outcome.failure.kind == "malformed"
    assert outcome.failure.message.startswith("Upstream sent malformed data")


# --- responses ------------------------------------------------------------------------------------


def responses_event(kind, **fields):
    return sse({"type": kind, **fields}, event=kind)


def summary(delta, index=0):
    return responses_event(
        "response.reasoning_summary_text.delta", item_id="rs", summary_index=index, delta=delta
    )


async def responses_run(upstream, client, *body):
    server = await upstream(Reply(body=list(body)))
    return await run(client, make_request(server.url, "responses"))


async def test_responses_ark_stream_with_trailing_done_and_usage_details(upstream, client):
    usage = {
        "input_tokens": 42,
        "output_tokens": 846,
        "input_tokens_details": {"cached_tokens": 8},
        "output_tokens_details": {"reasoning_tokens": 408},
    }
    outcome = await responses_run(
        upstream,
        client,
        responses_event("response.created", response={"status": "in_progress"}),
        summary("\n"),
        summary("ok"),
        responses_event("response.web_search_call.searching", item_id="ws"),
        responses_event("response.output_text.delta", item_id="m", delta="Hi"),
        responses_event("response.completed", response={"status": "completed", "usage": usage}),
        DONE,
    )
    assert (outcome.reasoning, outcome.text) == ("\nok", "Hi")
    assert outcome.usage == Usage(
        input_tokens=42, cached_input_tokens=8, output_tokens=846, reasoning_tokens=408
    )
    assert outcome.end == Finished("stop")


async def test_responses_new_summary_part_starts_a_new_paragraph(upstream, client):
    outcome = await responses_run(
        upstream,
        client,
        summary("One.", index=0),
        summary("Two.", index=1),
        responses_event(
            "response.reasoning_text.delta", item_id="rs", content_index=0, delta="Raw."
        ),
        responses_event("response.completed", response={"status": "completed"}),
    )
    assert outcome.reasoning == "One.\n\nTwo.\n\nRaw."


async def test_responses_incomplete_finishes_with_length(upstream, client):
    outcome = await responses_run(
        upstream,
        client,
        responses_event("response.output_text.delta", delta="cut"),
        responses_event(
            "response.incomplete",
            response={
                "status": "incomplete",
                "incomplete_details": {"reason": "max_output_tokens"},
                "usage": {"input_tokens": 3, "output_tokens": 7},
            },
        ),
    )
    assert outcome.text == "cut" and outcome.end == Finished("length")
    assert outcome.usage == Usage(input_tokens=3, output_tokens=7)


async def test_responses_flat_error_event_fails_with_its_message(upstream, client):
    outcome = await responses_run(
        upstream,
        client,
        responses_event("response.output_text.delta", delta="so far"),
        responses_event("error", code="server_error", message="Flat shaped failure", param=None),
    )
    assert outcome.text == "so far"
    assert outcome.failure.kind == "stream_error"
    assert outcome.failure.provider_message == "Flat shaped failure"
    assert outcome.failure.retryable


async def test_responses_failed_without_error_event_fails(upstream, client):
    outcome = await responses_run(
        upstream,
        client,
        responses_event(
            "response.failed",
            response={
                "status": "failed",
                "error": {"code": "rate_limit_exceeded", "message": "Request too large for TPM"},
            },
        ),
    )
    assert outcome.failure.kind == "stream_error"
    assert outcome.failure.provider_message == "Request too large for TPM"


async def test_responses_done_before_a_terminal_event_is_truncated(upstream, client):
    text = responses_event("response.output_text.delta", delta="x")
    outcome = await responses_run(upstream, client, text, DONE)
    assert outcome.text == "x" and outcome.failure.kind == "truncated"


# --- messages -------------------------------------------------------------------------------------


def messages_event(kind, **fields):
    return sse({"type": kind, **fields}, event=kind)


def text_delta(text):
    delta = {"type": "text_delta", "text": text}
    return messages_event("content_block_delta", index=0, delta=delta)


def message_delta(stop_reason, output_tokens):
    delta = {"stop_reason": stop_reason} if stop_reason else {}
    return messages_event("message_delta", delta=delta, usage={"output_tokens": output_tokens})


async def messages_run(upstream, client, *body):
    server = await upstream(Reply(body=list(body)))
    return await run(client, make_request(server.url, "messages"))


async def test_messages_cache_usage_sums_input_and_keeps_cumulative_output(upstream, client):
    start_usage = {
        "input_tokens": 10,
        "cache_read_input_tokens": 100,
        "cache_creation_input_tokens": 20,
        "output_tokens": 1,
    }
    outcome = await messages_run(
        upstream,
        client,
        messages_event("message_start", message={"usage": start_usage}),
        b'event: ping\ndata: {"type": "ping"}\n\n',
        text_delta("Hel"),
        text_delta("lo"),
        message_delta("max_tokens", 4),
        message_delta(None, 9),
        messages_event("message_stop"),
    )
    assert outcome.text == "Hello"
    assert outcome.usage == Usage(
        input_tokens=130, cached_input_tokens=100, output_tokens=9, reasoning_tokens=0
    )
    assert outcome.end == Finished("length")


async def test_messages_stop_sequence_is_reported(upstream, client):
    outcome = await messages_run(
        upstream,
        client,
        text_delta("a"),
        message_delta("stop_sequence", 1),
        messages_event("message_stop"),
    )
    assert outcome.end == Finished("stop_sequence")


async def test_messages_error_event_midstream_keeps_text_and_fails(upstream, client):
    outcome = await messages_run(
        upstream,
        client,
        messages_event("message_start", message={"usage": {"input_tokens": 5}}),
        text_delta("partial"),
        messages_event("error", error={"type": "overloaded_error", "message": "Overloaded"}),
    )
    assert outcome.text == "partial"
    # What was known, reported before the Failure: the input only (no message_delta counted the
    # output, so the app counts the text that arrived instead).
    assert outcome.usage == Usage(input_tokens=5, output_counted=False)
    assert outcome.failure.kind == "stream_error"
    assert outcome.failure.provider_message == "Overloaded"
    assert outcome.failure.retryable


async def test_messages_without_message_stop_or_stop_reason_is_truncated(upstream, client):
    outcome = await messages_run(upstream, client, text_delta("half"))
    assert outcome.text == "half" and outcome.failure.kind == "truncated"


# --- whole JSON bodies and wrong content types ----------------------------------------------------


async def test_non_streaming_chat_body_gives_the_same_events(upstream, client):
    body = {
        "choices": [
            {"message": {"content": "Full", "reasoning_content": "why"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 2, "completion_tokens": 3},
    }
    server = await upstream(json_reply(200, body))
    outcome = await run(client, make_request(server.url, stream=False))
    assert (outcome.reasoning, outcome.text) == ("why", "Full")
    assert outcome.usage == Usage(input_tokens=2, output_tokens=3)
    assert outcome.end == Finished("stop")


async def test_non_streaming_responses_and_messages_bodies(upstream, client):
    usage = {"input_tokens": 1, "output_tokens": 2}
    responses_body = {
        "status": "completed",
        "usage": usage,
        "output": [
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "R"}]},
            {"type": "message", "content": [{"type": "output_text", "text": "T"}]},
        ],
    }
    messages_body = {
        "stop_reason": "end_turn",
        "usage": usage,
        "content": [
            {"type": "thinking", "thinking": "R"},
            {"type": "text", "text": "T"},
        ],
    }
    for dialect, body in (("responses", responses_body), ("messages", messages_body)):
        server = await upstream(json_reply(200, body))
        outcome = await run(client, make_request(server.url, dialect, stream=False))
        assert (outcome.reasoning, outcome.text, outcome.end) == ("R", "T", Finished("stop"))
        assert outcome.usage == Usage(input_tokens=1, output_tokens=2)


async def test_html_page_with_200_is_reported_as_non_sse(upstream, client):
    page = b"<!DOCTYPE html><html><head><title>Login</title></head><body>" + b"x" * 500
    server = await upstream(Reply(headers={"content-type": "text/html"}, body=[page]))
    outcome = await run(client, make_request(server.url))
    assert outcome.failure.kind == "malformed"
    assert "non-SSE content (text/html)" in outcome.failure.message
    assert outcome.failure.provider_message.startswith("<!DOCTYPE html>")
    assert len(outcome.failure.provider_message) <= 200


async def test_a_stream_ends_within_a_moment_of_its_terminator(upstream, client):
    started = time.monotonic()
    await chat_run(upstream, client, sse(chunk("a"), chunk(finish="stop")), DONE)
    assert time.monotonic() - started < 0.5
