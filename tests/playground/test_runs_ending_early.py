"""Runs that end early or unusually, end to end: the socket, a run task, the simulator over
loopback HTTP. What the run stores and shows must be exactly what arrived: the provider's usage
when it gave one (even on an error), the token rule where it did not, refusals as answers, and
messages that only claim a partial answer when there is one."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from playground.models import Run
from playground.simulator.completion import REFUSAL
from playground.tokens import count_text_tokens
from tests.browser.conftest import Gates
from tests.playground.test_consumer import connect, form, frames_until_final, open_page

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("simulator_url")]
FAST = "tps=2000 ttft=0"
DIALECTS = ["chat", "responses", "messages"]


async def finished_run(async_client, prompt: str, **params) -> tuple[Run, str]:
    """Send `prompt` from a fresh page; the stored run and its final frame."""
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, prompt, **params))
    frames = await frames_until_final(communicator)
    await communicator.disconnect()
    return await Run.objects.aget(), frames[-1]


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_a_refusal_is_the_answer_and_is_marked_as_a_refusal(async_client, dialect):
    run, final = await finished_run(
        async_client, f"Help me with this [[sim refuse=1 {FAST}]]", dialect=dialect
    )
    assert run.status == "done" and run.finish_reason == "refusal"
    assert run.text == REFUSAL and not run.reasoning
    assert run.usage_source == "reported" and run.output_tokens == count_text_tokens(REFUSAL)
    assert "sorry, but I can" in final and 'class="badge refusal"' in final
    assert "The model declined to answer" in final


@pytest.mark.parametrize("dialect", ["chat", "responses"])
async def test_usage_sent_with_a_mid_stream_error_is_the_runs_usage(async_client, dialect):
    run, final = await finished_run(
        async_client, f"Explain tides [[sim fault=error after=12 {FAST}]]", dialect=dialect
    )
    assert run.status == "failed" and run.error_kind == "stream_error"
    assert run.usage_source == "reported"  # not re-counted by the token rule
    assert (run.output_tokens, run.reasoning_tokens) == (12, 12)  # 12 reasoning tokens streamed
    assert run.input_tokens > 0 and run.cost > 0
    assert 'data-metric="output">12 (12 reasoning)<' in final and "partial · estimated" not in final


async def test_a_messages_error_keeps_the_reported_input_and_counts_the_output_received(
    async_client,
):
    run, final = await finished_run(
        async_client, f"Explain tides [[sim fault=error after=12 {FAST}]]", dialect="messages"
    )
    assert run.status == "failed" and run.text == "" and run.reasoning
    # message_start reported the input exactly; its output count (1) is a placeholder, so the
    # output is the reasoning that arrived, counted with the token rule.
    assert run.input_tokens == run.estimated_input_tokens > 0
    assert run.output_tokens == run.reasoning_tokens == count_text_tokens(run.reasoning) == 12
    assert run.usage_source == "estimated" and "partial · estimated" in final


@pytest.mark.parametrize("dialect", DIALECTS)
async def test_an_error_before_anything_arrived_does_not_mention_a_partial_answer(
    async_client, dialect
):
    run, final = await finished_run(
        async_client, f"Explain tides [[sim fault=error after=0 {FAST}]]", dialect=dialect
    )
    assert run.status == "failed" and not run.text and not run.reasoning
    assert "partial" not in run.error_message.lower()
    assert run.error_message.endswith("No answer had arrived; try again.")
    assert "before the failure is kept" not in final


async def test_stop_after_reasoning_only_says_no_answer_text_arrived(async_client, live_app):
    gates = Gates(live_app.url)
    gate = gates.new()
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    prompt = f"Explain tides [[sim gate={gate} after=5 {FAST}]]"
    await communicator.send_to(text_data=form(pane, prompt))
    await communicator.receive_from(timeout=5)  # accepted
    await communicator.receive_from(timeout=10)  # the reasoning so far; the stream waits
    run = await Run.objects.aget()
    await communicator.send_to(text_data=json.dumps({"action": "stop", "run": str(run.id)}))
    final = (await frames_until_final(communicator))[-1]
    await communicator.disconnect()
    await run.arefresh_from_db()
    assert run.status == "stopped" and run.reasoning and not run.text
    assert run.output_tokens == run.reasoning_tokens == 5 and run.cost > 0
    assert "Only reasoning had arrived, no answer text" in final
    assert "partial answer" not in final


async def test_a_run_orphaned_before_anything_arrived_says_nothing_had_arrived(async_client):
    session, pane, cookie = await open_page(async_client)
    run = await Run.objects.acreate(
        pane=pane,
        prompt="before the restart",
        provider_id="simulator",
        model_id="seed-2-0-mini",
        model_name="Seed 2.0 Mini",
        dialect="chat",
        estimated_input_tokens=20,
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    communicator, _, _ = await connect(session, cookie)
    frame = await communicator.receive_from(timeout=5)
    await communicator.disconnect()
    await run.arefresh_from_db()
    assert run.status == "interrupted" and run.error_message == (
        "The server stopped while this run was streaming. Nothing had arrived yet; retry to run "
        "it again."
    )
    assert (run.input_tokens, run.output_tokens, run.cost) == (0, 0, 0)
    assert "not billed" in frame and "text received before" not in frame
