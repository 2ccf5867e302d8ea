"""The websocket consumer against the real ASGI app, streaming from the simulator over loopback."""

import asyncio
import json
import re
import time
from html.parser import HTMLParser

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from playground.asgi import application
from playground.models import Pane, PlaygroundSession, Run
from tests.gates import gated, new_gate, wait_paused

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("simulator_url")]
FAST = "[[sim tps=2000 ttft=0]]"


async def open_page(async_client):
    await async_client.get("/")
    session = await PlaygroundSession.objects.alatest("created_at")
    pane = await Pane.objects.aget(session=session)
    return session, pane, async_client.cookies["sessionid"].value


async def connect(session, cookie, *, origin=b"http://testserver"):
    headers = [(b"origin", origin)] if origin else []
    headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(
        application, f"/ws/sessions/{session.id}/", headers=headers
    )
    connected, code = await communicator.connect()
    return communicator, connected, code


async def held_at_gate(async_client, simulator_url, prompt: str):
    """A page whose run (thinking off) has streamed its first word and waits at a simulator
    gate until the test releases it: (its socket, the gate, the first delta frame)."""
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    gate = new_gate()
    await communicator.send_to(text_data=form(pane, gated(prompt, gate), enable_thinking=None))
    await communicator.receive_from(timeout=5)  # accepted
    await wait_paused(simulator_url, gate)
    return communicator, gate, await communicator.receive_from(timeout=5)


def form(pane, prompt, **params):
    """What the page sends: the composer, and every pane's settings under its prefix."""
    p = f"p{pane.id}"
    settings = {
        "model": "simulator/seed-2-0-mini",
        "dialect": "chat",
        "system": "",
        "max_tokens": "4096",
        "enable_thinking": "on",
        "reasoning_effort": "low",
        "image_detail": "high",
    } | params
    data = {"action": "send", "prompt": prompt, "edit_of": "", "HEADERS": {"HX-Request": "true"}}
    data |= {f"{p}-{name}": value for name, value in settings.items() if value is not None}
    return json.dumps(data)


FINAL = re.compile(r'<article id="run-[^"]+"[^>]*hx-swap-oob="true"')


async def frames_until_final(communicator, *, timeout=20.0, count=1):
    frames, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = await communicator.receive_from(timeout=deadline - time.monotonic())
        frames.append(frame)
        if FINAL.search(frame):
            count -= 1
            if count == 0:
                return frames
    raise AssertionError("no final frame")


def streamed(frames, part):
    pieces = re.findall(
        rf'<span id="run-[^"]+-{part}" hx-swap-oob="beforeend">(.*?)</span>', "".join(frames), re.S
    )
    return "".join(pieces)


class ElementLog(HTMLParser):
    def __init__(self):
        super().__init__()
        self.seen = set()

    def handle_starttag(self, tag, attrs):
        self.seen.update((tag, name, value) for name, value in attrs)


def unescape(text):
    import html

    return html.unescape(text)


async def test_send_streams_reasoning_then_answer_and_records_cost(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, connected, _ = await connect(session, cookie)
    assert connected
    await communicator.send_to(text_data=form(pane, f"Explain tides briefly. {FAST}"))
    accepted = await communicator.receive_from(timeout=5)
    assert 'id="composer-reset"' in accepted and 'hx-swap-oob="beforeend"' in accepted
    frames = await frames_until_final(communicator)
    run = await Run.objects.aget()
    assert run.status == "done" and run.usage_source == "reported"
    assert unescape(streamed(frames, "answer")) == run.text and "tides" in run.text.lower()
    assert unescape(streamed(frames, "reasoning")) == run.reasoning and run.reasoning
    assert run.cost > 0 and run.price_snapshot["input"] == "0.12"
    assert run.ttft_ms is not None and run.output_tokens >= run.reasoning_tokens > 0
    final = frames[-1]
    assert "Thinking" in final and "Cost" in final and 'data-metric="ttft"' in final
    assert run.request["url"] == "https://api.empiriolabs.ai/v1/chat/completions"
    assert run.request["headers"]["Authorization"] == "Bearer $EMPIRIOLABS_API_KEY"
    await communicator.disconnect()


async def test_deltas_are_coalesced_into_a_few_dozen_frames_per_second(async_client, settings):
    settings.PLAYGROUND_FRAMES_PER_SECOND = 20
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(
        text_data=form(
            pane, "Write a long essay on rivers [[sim tps=600 ttft=0]]", max_tokens="1500"
        )
    )
    started = time.monotonic()
    frames = await frames_until_final(communicator)
    elapsed = time.monotonic() - started
    run = await Run.objects.aget()
    deltas = [f for f in frames if 'hx-swap-oob="beforeend"' in f and "run-" in f][1:]
    assert run.output_tokens > 150
    assert len(deltas) <= elapsed * 20 + 3, (len(deltas), elapsed)
    assert len(deltas) < run.output_tokens / 4  # many tokens per frame
    assert unescape(streamed(frames, "answer")) == run.text
    await communicator.disconnect()


async def test_stop_cancels_upstream_and_keeps_partial_text_and_cost(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(
        text_data=form(pane, "Tell a long story [[sim tps=40 ttft=0]]", enable_thinking="")
    )
    await communicator.receive_from(timeout=5)  # accepted
    first = await communicator.receive_from(timeout=5)
    assert "-answer" in first
    run = await Run.objects.aget()
    await communicator.send_to(text_data=json.dumps({"action": "stop", "run": str(run.id)}))
    frames = await frames_until_final(communicator, timeout=5)
    await run.arefresh_from_db()
    assert run.status == "stopped" and run.text and run.usage_source == "estimated"
    assert run.cost > 0 and "Stopped" in frames[-1]
    assert run.output_tokens < 400
    await communicator.disconnect()


async def test_run_goes_on_after_the_socket_closes(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, "Short answer please [[sim tps=300 ttft=0]]"))
    await communicator.receive_from(timeout=5)
    await communicator.disconnect()
    run = await Run.objects.aget()
    for _ in range(100):
        await asyncio.sleep(0.1)
        await run.arefresh_from_db()
        if not run.is_active:
            break
    assert run.status == "done" and run.text


async def test_reconnect_mid_run_gets_a_snapshot_then_the_rest_without_duplicates(async_client):
    session, pane, cookie = await open_page(async_client)
    first, _, _ = await connect(session, cookie)
    await first.send_to(
        text_data=form(
            pane, "Describe a forest [[sim tps=150 ttft=0]]", enable_thinking="", max_tokens="300"
        )
    )
    await first.receive_from(timeout=5)
    await first.receive_from(timeout=5)
    await first.disconnect()
    await asyncio.sleep(0.3)
    second, connected, _ = await connect(session, cookie)
    assert connected
    frames = await frames_until_final(second)
    snapshot = next(
        f for f in frames if re.search(r'id="run-[^"]+-body"[^>]*hx-swap-oob="true"', f)
    )
    before = unescape(re.search(r'-answer">(.*?)</div>', snapshot, re.S).group(1))
    after = unescape(streamed(frames[frames.index(snapshot) + 1 :], "answer"))
    run = await Run.objects.aget()
    assert before and before + after == run.text
    await second.disconnect()


async def test_upstream_error_shows_status_and_message_and_keeps_the_prompt(async_client, settings):
    settings.PLAYGROUND_MAX_RETRIES = 0
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, "Hello [[sim fault=429 retry_after=7]]"))
    frames = await frames_until_final(communicator)
    run = await Run.objects.aget()
    assert run.status == "failed" and run.error_status == 429
    assert "429" in frames[-1] and "Retry" in frames[-1]
    assert run.prompt.startswith("Hello") and run.cost == 0
    await communicator.disconnect()


async def test_out_of_range_parameter_comes_back_as_a_form_error(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, "hi", max_tokens="999999"))
    frame = await communicator.receive_from(timeout=5)
    p = f"p{pane.id}"
    slot = re.search(rf'<p class="error" id="id_{p}-max_tokens-error"[^>]*>(.*?)</p>', frame)
    assert slot.group(1) == "Max output tokens must be a whole number from 1 to 65536."
    assert frame.count("must be a whole number") == 1  # once, beside its field
    assert "Check Max output tokens in the settings." in frame
    assert 'id="composer-reset"' not in frame  # the prompt stays in the page
    assert not await Run.objects.aexists()
    await communicator.disconnect()


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[1, 2]",
        '"text"',
        "{" * 10,
        "x" * 600_000,
        '{"action": "explode"}',
        '{"action": "stop", "run": 5}',
        '{"action": []}',
        '{"action": "send", "pane": {}, "prompt": 1}',
        '{"action": "regenerate", "run": [1]}',
        '{"action": "send", "max_tokens": {"a": 1}, "prompt": "x"}',
    ],
)
async def test_malformed_messages_get_an_error_and_the_socket_survives(async_client, message):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=message)
    assert 'id="composer-errors"' in await communicator.receive_from(timeout=5)
    await communicator.send_to(text_data=form(pane, f"still alive? {FAST}"))
    assert 'id="composer-reset"' in await communicator.receive_from(timeout=5)
    await frames_until_final(communicator)
    await communicator.disconnect()


async def test_foreign_or_missing_origin_is_rejected(async_client):
    session, _, cookie = await open_page(async_client)
    for origin in (b"https://evil.example", b"null", b"http://testserver.evil.example", None):
        communicator, connected, _ = await connect(session, cookie, origin=origin)
        assert not connected, origin


async def test_another_owners_session_and_runs_are_not_reachable(async_client, client):
    session, pane, cookie = await open_page(async_client)
    await sync_to_async(client.get)("/")
    stranger_cookie = client.cookies["sessionid"].value
    communicator, connected, code = await connect(session, stranger_cookie)
    assert not connected and code == 4404
    owner, _, _ = await connect(session, cookie)
    await owner.send_to(text_data=form(pane, "Long story [[sim tps=50 ttft=0]]"))
    await owner.receive_from(timeout=5)
    run = await Run.objects.aget()
    stranger_session = await PlaygroundSession.objects.exclude(pk=session.pk).aget()
    intruder, connected, _ = await connect(stranger_session, stranger_cookie)
    assert connected
    await intruder.send_to(text_data=json.dumps({"action": "stop", "run": str(run.id)}))
    assert "That run does not exist." in await intruder.receive_from(timeout=5)
    await run.arefresh_from_db()
    assert run.is_active
    await owner.send_to(text_data=json.dumps({"action": "stop", "run": str(run.id)}))
    await frames_until_final(owner)
    await owner.disconnect()
    await intruder.disconnect()


async def test_a_run_orphaned_by_a_restart_is_shown_interrupted_with_its_text(async_client):
    session, pane, cookie = await open_page(async_client)
    run = await Run.objects.acreate(
        pane=pane,
        prompt="before the restart",
        provider_id="simulator",
        model_id="seed-2-0-mini",
        model_name="Seed 2.0 Mini",
        dialect="chat",
        text="Partial answer",
        status="streaming",
    )
    communicator, connected, _ = await connect(session, cookie)
    assert connected
    frame = await communicator.receive_from(timeout=5)
    assert f'id="run-{run.id}"' in frame and "The server stopped while this run" in frame
    assert "Partial answer" in frame and "Retry" in frame
    await run.arefresh_from_db()
    assert run.status == "interrupted" and run.text == "Partial answer"
    # What arrived before the crash is counted and priced, not shown as "—".
    assert run.output_tokens == 4 and run.cost > 0 and run.usage_source == "estimated"
    assert 'data-metric="output">4<' in frame and "partial · estimated" in frame
    await communicator.disconnect()


async def test_model_output_in_frames_is_escaped(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    payload = '<img src=x onerror=alert(1)> <div hx-get="/x" hx-trigger="load">'
    await communicator.send_to(text_data=form(pane, f"Explain {payload} {FAST}"))
    frames = await frames_until_final(communicator)
    run = await Run.objects.aget()
    assert "<img src=x" in run.text  # the simulator echoed it back...
    joined = "".join(frames)
    elements = ElementLog()
    elements.feed(joined)
    assert ("img", "src", "x") not in elements.seen  # ...and it stayed text
    assert ("div", "hx-get", "/x") not in elements.seen
    assert "&lt;img src=x onerror=alert(1)&gt;" in joined
    await communicator.disconnect()


async def test_follow_up_sends_the_conversation_so_far(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, f"Name a river. {FAST}", system="Be terse."))
    await frames_until_final(communicator)
    await communicator.send_to(text_data=form(pane, f"How long is it? {FAST}", system="Be terse."))
    await frames_until_final(communicator)
    first, second = [run async for run in Run.objects.order_by("created_at")]
    assert second.parent_id == first.id
    messages = second.request["json"]["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == first.text
    assert second.input_tokens > first.input_tokens + first.output_tokens - first.reasoning_tokens
    # The pre-send estimate builds on the first turn's reported usage and lands exactly.
    assert second.estimated_input_tokens == second.input_tokens
    await communicator.disconnect()


async def test_a_run_that_failed_before_answering_is_left_out_of_the_context(
    async_client, settings
):
    settings.PLAYGROUND_MAX_RETRIES = 0
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, "First try [[sim fault=503]]"))
    failed = await frames_until_final(communicator)
    assert "not billed" in failed[-1]
    await communicator.send_to(text_data=form(pane, f"Second try {FAST}"))
    await frames_until_final(communicator)
    second = await Run.objects.aget(prompt__startswith="Second")
    assert [m["content"] for m in second.request["json"]["messages"]] == [second.prompt]
    await communicator.disconnect()


async def test_a_second_send_while_streaming_is_refused_and_nothing_is_lost(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, "Long story [[sim tps=20 ttft=0]]"))
    assert 'id="composer-reset"' in await communicator.receive_from(timeout=5)
    await communicator.send_to(text_data=form(pane, "Impatient follow-up"))
    frames = []
    while not any("still streaming" in f for f in frames):
        frames.append(await communicator.receive_from(timeout=5))
    refusal = next(f for f in frames if "still streaming" in f)
    assert 'id="composer-reset"' not in refusal  # the page keeps the new prompt
    assert await Run.objects.acount() == 1
    await communicator.send_to(text_data=json.dumps({"action": "stop_all"}))
    await frames_until_final(communicator)
    run = await Run.objects.aget()
    assert run.status == "stopped" and run.prompt.startswith("Long story")
    await communicator.disconnect()


async def test_regenerate_keeps_the_original_as_a_sibling_branch(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, f"Name a river. {FAST}"))
    await frames_until_final(communicator)
    first = await Run.objects.aget()
    await communicator.send_to(text_data=json.dumps({"action": "regenerate", "run": str(first.id)}))
    frames = await frames_until_final(communicator)
    second = await Run.objects.exclude(pk=first.pk).aget()
    assert second.parent_id == first.parent_id and second.round_id != first.round_id
    redraw = frames[0]
    assert f'id="pane-{pane.id}-thread"' in redraw and 'hx-swap-oob="true"' in redraw
    assert '<span class="branch-position">2/2</span>' in frames[-1]
    await pane.arefresh_from_db()
    assert pane.head_id == second.id
    await communicator.disconnect()


async def test_edit_branches_from_the_edited_turn_and_keeps_the_old_branch(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    for prompt in ("First question", "Second question"):
        await communicator.send_to(text_data=form(pane, f"{prompt} {FAST}"))
        await frames_until_final(communicator)
    first = await Run.objects.aget(prompt__startswith="First")
    edited = json.loads(form(pane, f"First, rephrased {FAST}")) | {"edit_of": str(first.id)}
    await communicator.send_to(text_data=json.dumps(edited))
    await frames_until_final(communicator)
    rephrased = await Run.objects.aget(prompt__startswith="First, rephrased")
    assert rephrased.parent_id is None
    assert await Run.objects.filter(prompt__startswith="Second").aexists()  # not dropped
    await communicator.disconnect()


async def test_a_second_tab_sees_the_run_start_and_stream(async_client):
    session, pane, cookie = await open_page(async_client)
    sender, _, _ = await connect(session, cookie)
    watcher, _, _ = await connect(session, cookie)
    await sender.send_to(text_data=form(pane, "Describe a lake [[sim tps=200 ttft=0]]"))
    frames = await frames_until_final(watcher)
    assert f'id="pane-{pane.id}-thread" hx-swap-oob="beforeend"' in frames[0]
    assert 'id="composer-reset"' not in frames[0]  # the other tab's prompt is its own
    run = await Run.objects.aget()
    assert run.status == "done" and "Stop" not in frames[-1]
    await frames_until_final(sender)
    await sender.disconnect()
    await watcher.disconnect()


async def test_settings_sent_with_a_prompt_stick_and_apply_when_not_sent(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(
        text_data=form(pane, f"Hi {FAST}", system="Be terse.", max_tokens="77")
    )
    await frames_until_final(communicator)
    await pane.arefresh_from_db()
    assert pane.system == "Be terse." and pane.params["max_tokens"] == 77
    await communicator.send_to(text_data=json.dumps({"action": "send", "prompt": f"Again {FAST}"}))
    await frames_until_final(communicator)
    again = await Run.objects.aget(prompt__startswith="Again")
    assert again.system == "Be terse." and again.sent_params["max_tokens"] == 77
    await communicator.disconnect()


async def test_a_send_over_the_workers_run_cap_is_answered_busy(async_client, settings):
    settings.PLAYGROUND_MAX_ACTIVE_RUNS = 0
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, "hi"))
    frame = await communicator.receive_from(timeout=5)
    assert "The server is busy streaming other runs. Nothing was sent; retry in 5 s." in frame
    assert not await Run.objects.aexists()
    await communicator.disconnect()


async def test_the_title_is_the_first_prompt_without_directives(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, f"Why is the sky blue? {FAST}"))
    await frames_until_final(communicator)
    await session.arefresh_from_db()
    assert session.title == "Why is the sky blue?"
    await communicator.disconnect()


async def test_a_page_that_shows_a_run_streaming_gets_how_it_ended(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, f"Quick one {FAST}"))
    await frames_until_final(communicator)
    await communicator.disconnect()
    run = await Run.objects.aget()
    # A reload drew the page while the run streamed; its socket opens after the run ended.
    late, _, _ = await connect(session, cookie)
    await late.send_to(text_data=json.dumps({"action": "resync", "runs": [str(run.id), "x"]}))
    frame = await late.receive_from(timeout=5)
    assert f'<article id="run-{run.id}"' in frame and "data-run-final" in frame
    assert 'data-status="done"' in frame
    await late.disconnect()
