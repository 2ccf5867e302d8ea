"""Usage, finish reasons and failure wording exactly as the wire says, replayed over loopback HTTP.

The .sse files in tests/providers/fixtures are derived from the recordings in
shared/fixtures/protocols: each keeps the recorded events it needs verbatim and changes only what
makes its case (an error chunk, a refusal field, a renamed usage field, a new item_id per event),
as its `.source.txt` says, with the recording's origin and licence. The first line of each is an
SSE comment naming its source (SSE readers skip it).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from playground.providers.types import Failure, Finished, TextDelta, Usage
from tests.providers.helpers import FAST, make_request, replay, run
from tests.providers.upstream import Hang, Reply, Reset, json_reply, sse

FIXTURES = Path(__file__).parent / "fixtures"
DONE = b"data: [DONE]\n\n"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def chunk(content=None, *, usage=None, **delta):
    return {"choices": [{"index": 0, "delta": {"content": content, **delta}}], "usage": usage}


def typed(kind: str, **fields) -> bytes:
    return sse({"type": kind, **fields}, event=kind)


def kinds(outcome) -> list[type]:
    return [type(event) for event in outcome.events]


# --- a. usage on the same chunk as a mid-stream error ---------------------------------------------


async def test_chat_usage_on_the_error_chunk_comes_before_the_failure(upstream, client):
    outcome = await replay(upstream, client, "chat", fixture("chat-error-chunk-with-usage.sse"))
    assert outcome.text == "I'm unable to provide real-time weather"
    assert kinds(outcome)[-2:] == [Usage, Failure]
    assert outcome.usage == Usage(input_tokens=14, output_tokens=7)
    assert outcome.failure.kind == "stream_error"
    assert outcome.failure.provider_message == "Upstream provider went away"


async def test_responses_usage_on_response_failed_after_an_error_event_is_kept(upstream, client):
    data = fixture("responses-error-then-failed-with-usage.sse")
    outcome = await replay(upstream, client, "responses", data)
    assert (outcome.reasoning, outcome.text) == ("", "Hello,")
    assert kinds(outcome)[-2:] == [Usage, Failure]
    assert outcome.usage == Usage(input_tokens=12, output_tokens=2)
    assert outcome.failure.kind == "stream_error"
    assert outcome.failure.provider_message.startswith("You exceeded your current quota")
    assert "during the answer" in outcome.failure.message


async def test_responses_failed_alone_with_usage_reports_it(upstream, client):
    failed = {
        "status": "failed",
        "error": {"code": "rate_limit_exceeded", "message": "Request too large"},
        "usage": {"input_tokens": 3, "output_tokens": 0},
    }
    server = await upstream(Reply(body=[typed("response.failed", response=failed)]))
    outcome = await run(client, make_request(server.url, "responses"))
    assert kinds(outcome) == [Usage, Failure]
    assert outcome.usage == Usage(input_tokens=3)


async def test_responses_error_event_then_silence_fails_within_the_grace(upstream, client):
    error = typed("error", error={"type": "server_error", "message": "Boom"})
    server = await upstream(
        Reply(body=[typed("response.output_text.delta", delta="x"), error, Hang()])
    )
    patient = dataclasses.replace(FAST, idle=5.0, total=10.0)
    outcome = await run(client, make_request(server.url, "responses"), limits=patient)
    assert outcome.failure.kind == "stream_error" and outcome.failure.provider_message == "Boom"
    assert outcome.elapsed < 2.0
    assert await server.wait_disconnect() is not None


async def test_responses_error_event_then_arks_done_fails_with_the_error(upstream, client):
    error = typed("error", code="server_error", message="Flat and final")
    server = await upstream(Reply(body=[error, DONE]))
    outcome = await run(client, make_request(server.url, "responses"))
    assert outcome.failure.provider_message == "Flat and final"


async def test_messages_error_after_message_delta_usage_reports_that_usage(upstream, client):
    outcome = await replay(upstream, client, "messages", fixture("messages-error-after-usage.sse"))
    assert outcome.reasoning.startswith("The user wants two names for a pet pelican")
    assert outcome.reasoning.endswith("I'll pick two good ones and keep it very short.")
    assert outcome.text == "- Captain"
    assert kinds(outcome)[-2:] == [Usage, Failure]
    assert outcome.usage == Usage(input_tokens=46, output_tokens=80, reasoning_tokens=76)
    assert outcome.failure.provider_message == "Overloaded"


async def test_messages_error_before_message_delta_marks_the_output_count_a_placeholder(
    upstream, client
):
    data = fixture("messages-error-after-message-start.sse")
    outcome = await replay(upstream, client, "messages", data)
    assert outcome.reasoning == "The user wants two names for a pet pelican, and wants me"
    assert kinds(outcome)[-2:] == [Usage, Failure]
    # message_start's output_tokens (3) was counted before anything was generated: the input is
    # exact, the output is not, and the run counts the output from the text that arrived.
    assert outcome.usage == Usage(input_tokens=46, output_tokens=3, output_counted=False)
    assert "Only reasoning had arrived" in outcome.failure.message


async def test_chat_running_totals_cut_by_a_reset_report_the_last_total(upstream, client):
    body = [
        sse(chunk("a", usage={"prompt_tokens": 9, "completion_tokens": 1})),
        sse(chunk("b", usage={"prompt_tokens": 9, "completion_tokens": 2})),
        Reset(),
    ]
    server = await upstream(Reply(body=body))
    outcome = await run(client, make_request(server.url))
    assert kinds(outcome) == [TextDelta, TextDelta, Usage, Failure]
    assert outcome.usage == Usage(input_tokens=9, output_tokens=2)
    assert outcome.failure.kind == "disconnected"


# --- b. thinking_tokens count as reasoning tokens -------------------------------------------------


async def test_responses_thinking_tokens_are_reasoning_tokens(upstream, client):
    outcome = await replay(upstream, client, "responses", fixture("responses-thinking-tokens.sse"))
    assert outcome.text == "Hello, World!"
    assert outcome.usage == Usage(input_tokens=12, output_tokens=10, reasoning_tokens=6)
    assert outcome.end == Finished("stop")


async def test_chat_completion_thinking_tokens_are_reasoning_tokens(upstream, client):
    usage = {
        "prompt_tokens": 4,
        "completion_tokens": 20,
        "completion_tokens_details": {"thinking_tokens": 15},
    }
    server = await upstream(Reply(body=[sse(chunk("ok"), {"choices": [], "usage": usage}), DONE]))
    outcome = await run(client, make_request(server.url))
    assert outcome.usage == Usage(input_tokens=4, output_tokens=20, reasoning_tokens=15)


async def test_reasoning_tokens_win_over_thinking_tokens_when_both_are_given(upstream, client):
    details = {"reasoning_tokens": 6, "thinking_tokens": 99}
    usage = {"input_tokens": 1, "output_tokens": 8, "output_tokens_details": details}
    completed = typed("response.completed", response={"status": "completed", "usage": usage})
    server = await upstream(Reply(body=[completed]))
    outcome = await run(client, make_request(server.url, "responses"))
    assert outcome.usage.reasoning_tokens == 6


async def test_messages_non_streamed_thinking_tokens_are_reasoning_tokens(upstream, client):
    body = {
        "stop_reason": "end_turn",
        "content": [{"type": "text", "text": "Hi"}],
        "usage": {
            "input_tokens": 3,
            "output_tokens": 11,
            "output_tokens_details": {"thinking_tokens": 9},
        },
    }
    server = await upstream(json_reply(200, body))
    outcome = await run(client, make_request(server.url, "messages", stream=False))
    assert outcome.usage == Usage(input_tokens=3, output_tokens=11, reasoning_tokens=9)


# --- c. refusals are the answer, finishing as "refusal" ------------------------------------------


async def test_chat_refusal_becomes_the_answer_and_finishes_as_refusal(upstream, client):
    outcome = await replay(upstream, client, "chat", fixture("chat-refusal.sse"))
    assert outcome.text == (
        "I'm unable to provide real-time weather updates. To get the current weather in San "
        "Francisco, I recommend checking a reliable weather website or a weather app."
    )
    assert outcome.usage == Usage(input_tokens=14, output_tokens=30)
    assert outcome.end == Finished("refusal")


async def test_chat_refusal_cut_by_the_length_limit_keeps_length(upstream, client):
    frames = sse(
        chunk(None, refusal="I can"), {"choices": [{"delta": {}, "finish_reason": "length"}]}
    )
    server = await upstream(Reply(body=[frames, DONE]))
    outcome = await run(client, make_request(server.url))
    assert outcome.text == "I can" and outcome.end == Finished("length")


async def test_responses_refusal_deltas_become_the_answer(upstream, client):
    body = [
        typed("response.refusal.delta", item_id="msg", output_index=0, delta="No, "),
        typed("response.refusal.delta", item_id="msg", output_index=0, delta="sorry."),
        typed("response.refusal.done", item_id="msg", output_index=0, refusal="No, sorry."),
        typed("response.completed", response={"status": "completed"}),
    ]
    server = await upstream(Reply(body=body))
    outcome = await run(client, make_request(server.url, "responses"))
    assert outcome.text == "No, sorry." and outcome.end == Finished("refusal")


async def test_non_streamed_refusals_become_the_answer(upstream, client):
    chat_body = {
        "choices": [{"message": {"content": None, "refusal": "Nope."}, "finish_reason": "stop"}]
    }
    refusal_part = {"type": "refusal", "refusal": "Nope."}
    responses_body = {
        "status": "completed",
        "output": [{"type": "message", "content": [refusal_part]}],
    }
    for dialect, body in (("chat", chat_body), ("responses", responses_body)):
        server = await upstream(json_reply(200, body))
        outcome = await run(client, make_request(server.url, dialect, stream=False))
        assert (outcome.text, outcome.end) == ("Nope.", Finished("refusal"))


# --- d. reasoning summary parts are told apart by position, not by item_id ------------------------


async def test_summary_parts_get_one_blank_line_even_when_item_id_changes_per_event(
    upstream, client
):
    data = fixture("responses-summary-item-id-per-event.sse")
    outcome = await replay(upstream, client, "responses", data)
    # The two parts joined by one blank line give back the recorded summary exactly.
    assert outcome.reasoning == (
        "**Calculating step-by-step using calculator**\n\nI'll compute 12 plus 7, then multiply "
        "the result by 3, and finally multiply that by 10, reporting the final product."
    )
    assert outcome.usage == Usage(input_tokens=134, output_tokens=28)


async def test_a_part_added_event_alone_marks_a_boundary(upstream, client):
    def delta(text):
        return typed("response.reasoning_summary_text.delta", summary_index=0, delta=text)

    body = [
        typed("response.reasoning_summary_part.added", summary_index=0),
        delta("One."),
        typed("response.reasoning_summary_part.added", summary_index=0),
        delta("Two."),
        typed("response.completed", response={"status": "completed"}),
    ]
    server = await upstream(Reply(body=body))
    outcome = await run(client, make_request(server.url, "responses"))
    assert outcome.reasoning == "One.\n\nTwo."


# --- e. failure messages only mention a partial answer that exists --------------------------------


async def test_a_failure_before_anything_arrived_does_not_claim_a_partial_answer(upstream, client):
    error = {"error": {"message": "Quota gone", "type": "insufficient_quota"}}
    server = await upstream(Reply(body=[sse(chunk("")), sse(error)]))
    outcome = await run(client, make_request(server.url))
    message = outcome.failure.message
    assert "partial" not in message
    assert message == (
        "EmpirioLabs reported an error before answering: Quota gone. No answer had arrived; "
        "try again."
    )


async def test_a_failure_after_reasoning_only_says_only_reasoning_arrived(upstream, client):
    server = await upstream(Reply(body=[sse(chunk("", reasoning_content="Let me think"))]))
    outcome = await run(client, make_request(server.url))
    assert outcome.reasoning == "Let me think" and outcome.failure.kind == "truncated"
    assert outcome.failure.message == (
        "The answer from EmpirioLabs ended early, without a finish marker. Only reasoning had "
        "arrived, no answer text; retry to get an answer."
    )


async def test_a_failure_after_text_keeps_the_partial_answer_wording(upstream, client):
    server = await upstream(Reply(body=[sse(chunk("Some")), Reset()]))
    outcome = await run(client, make_request(server.url))
    assert outcome.failure.message.endswith("The partial answer is kept; retry to get a full one.")


async def test_an_idle_timeout_after_reasoning_says_no_answer_text_arrived(upstream, client):
    thinking = typed("content_block_delta", delta={"type": "thinking_delta", "thinking": "Hm"})
    server = await upstream(Reply(body=[thinking, Hang()]))
    limits = dataclasses.replace(FAST, idle=0.3)
    outcome = await run(client, make_request(server.url, "messages"), limits=limits)
    assert outcome.failure.kind == "timeout_idle"
    assert "Only reasoning had arrived" in outcome.failure.message


async def test_malformed_events_before_any_text_say_nothing_arrived(upstream, client):
    server = await upstream(Reply(body=[b"data: {broken\n\n" * 4]))
    outcome = await run(client, make_request(server.url))
    assert outcome.failure.kind == "malformed"
    assert outcome.failure.message.endswith("No answer had arrived; try again.")
