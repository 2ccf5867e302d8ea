"""Fair use over the real websocket, streaming from the live simulator: a cap on one person's
concurrent runs, a rate limit on sends, runs nobody watches stopped, greyed-out models and
prompts over the context window refused before anything is sent."""

import asyncio
import json
import re
import time

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache

from playground import compare, limits, services
from playground.access import access_for_owner
from playground.catalog import get_catalog
from playground.models import Pane, Run
from tests.gates import gated, new_gate, release, wait_paused
from tests.live import rate_window_ahead
from tests.playground.helpers import add_run
from tests.playground.test_consumer import FAST, connect, form, frames_until_final, open_page
from tests.playground.test_share_socket import follow, share

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("simulator_url")]
RESET = 'id="composer-reset"'  # the accepted frame clears the composer; a refusal never does


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Send counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def repeated(message: str, times: int) -> str:
    """The composer's message with Repeat set."""
    return json.dumps(json.loads(message) | {"repeat": str(times)})


async def second_session_of(session):
    """Another session of the same browser (the same person), with its pane."""
    other = await sync_to_async(services.session_create)(owner_key=session.owner_key)
    return other, await Pane.objects.aget(session=other)


async def status_becomes(run_id, wanted: str, *, seconds: float = 15) -> Run:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = await Run.objects.aget(pk=run_id)
        if run.status == wanted:
            return run
        await asyncio.sleep(0.1)
    raise AssertionError(f"run is {run.status}, never {wanted}")


# --- Concurrent runs per person ------------------------------------------------------------------


async def test_a_send_over_the_persons_run_cap_is_answered_busy_and_nothing_is_stored(
    async_client, settings, simulator_url
):
    settings.PLAYGROUND_MAX_RUNS_PER_PERSON = 2
    session, pane, cookie = await open_page(async_client)
    gate = new_gate()
    first, _, _ = await connect(session, cookie)
    await first.send_to(text_data=repeated(form(pane, gated("Rivers", gate)), 2))
    await wait_paused(simulator_url, gate, streams=2)
    other, other_pane = await second_session_of(session)
    second, _, _ = await connect(other, cookie)
    await second.send_to(text_data=form(other_pane, f"Lakes {FAST}"))
    refused = await second.receive_from(timeout=5)
    assert "Busy: you have 2 runs streaming and may stream 2 at once" in refused
    assert "retry in 5 s" in refused and RESET not in refused  # the prompt stays in the composer
    assert not await Run.objects.filter(pane=other_pane).aexists()
    await release(simulator_url, gate)
    await frames_until_final(first, count=2)
    await second.send_to(text_data=form(other_pane, f"Lakes {FAST}"))
    assert RESET in await second.receive_from(timeout=5)  # room again: the same send goes
    await frames_until_final(second)
    await first.disconnect()
    await second.disconnect()


async def test_a_send_larger_than_the_cap_says_how_to_fit_it(async_client, settings):
    settings.PLAYGROUND_MAX_RUNS_PER_PERSON = 4
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=repeated(form(pane, "Rivers"), 5))
    refused = await communicator.receive_from(timeout=5)
    assert "This send would start 5 runs; one person may stream at most 4 at once." in refused
    assert "lower Repeat" in refused and not await Run.objects.aexists()
    await communicator.disconnect()


async def test_by_default_one_socket_cannot_start_eight_panes_times_ten(async_client, settings):
    """The issue's "65+ upstream streams from one socket": 8 panes x repeat x10 is refused by
    default (a cap of 24: 8 panes x repeat x3 fit), and nothing is stored or sent."""
    assert settings.PLAYGROUND_MAX_RUNS_PER_PERSON == 3 * settings.PLAYGROUND_MAX_PANES == 24
    session, _, cookie = await open_page(async_client)
    access = await sync_to_async(access_for_owner)(
        viewer_key=session.owner_key, session_id=session.id
    )
    for _ in range(settings.PLAYGROUND_MAX_PANES - 1):
        await sync_to_async(compare.pane_add)(access=access)
    communicator, _, _ = await connect(session, cookie)
    message = {"action": "send", "prompt": "Rivers [[sim tps=2000 ttft=0]]", "repeat": "10"}
    await communicator.send_to(text_data=json.dumps(message))
    refused = await communicator.receive_from(timeout=5)
    assert "This send would start 80 runs; one person may stream at most 24 at once." in refused
    assert not await Run.objects.aexists()
    await communicator.send_to(text_data=json.dumps(message | {"repeat": "3"}))
    assert RESET in await communicator.receive_from(timeout=5)  # 24 streams: within the cap
    await frames_until_final(communicator, count=24, timeout=60)
    await communicator.disconnect()


# --- Sends per minute ----------------------------------------------------------------------------


async def test_sends_over_the_rate_limit_are_answered_retry_in_n_seconds(async_client, settings):
    settings.PLAYGROUND_SENDS_PER_MINUTE = 2
    rate_window_ahead()
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    for turn in range(2):
        await communicator.send_to(text_data=form(pane, f"Turn {turn} {FAST}"))
        await frames_until_final(communicator)
    await communicator.send_to(text_data=form(pane, f"Turn 3 {FAST}"))
    refused = await communicator.receive_from(timeout=5)
    said = re.search(r"at most 2 sends a minute\. Nothing was sent; retry in (\d+) s", refused)
    wait = int(said.group(1))
    assert 1 <= wait <= 60 and "Busy: " in refused and RESET not in refused
    assert await Run.objects.acount() == 2
    run = await Run.objects.alatest("created_at")  # the socket lives on: regenerate is counted too
    await communicator.send_to(text_data=json.dumps({"action": "regenerate", "run": str(run.id)}))
    assert "sends a minute" in await communicator.receive_from(timeout=5)
    await communicator.disconnect()


async def test_the_rate_limit_is_per_person(async_client, client, settings):
    settings.PLAYGROUND_SENDS_PER_MINUTE = 1
    rate_window_ahead()
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, f"Mine {FAST}"))
    await frames_until_final(communicator)
    await sync_to_async(client.get)("/", follow=True)  # another browser: a person of its own
    theirs = await Pane.objects.exclude(session=session).select_related("session").aget()
    stranger, _, _ = await connect(theirs.session, client.cookies["sessionid"].value)
    await stranger.send_to(text_data=form(theirs, f"Theirs {FAST}"))
    assert RESET in await stranger.receive_from(timeout=5)
    await frames_until_final(stranger)
    await communicator.disconnect()
    await stranger.disconnect()


# --- Runs nobody watches -------------------------------------------------------------------------


async def test_a_run_nobody_watches_is_stopped_with_the_reason(
    async_client, settings, simulator_url
):
    settings.PLAYGROUND_UNWATCHED_STOP_SECONDS = 2
    session, pane, cookie = await open_page(async_client)
    gate = new_gate()
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, gated("An endless tale", gate)))
    await wait_paused(simulator_url, gate)
    await communicator.disconnect()  # the tab is closed; the run goes on in the server
    run = await Run.objects.aget()
    assert run.status == "streaming"
    stopped = await status_becomes(run.id, "stopped", seconds=10)
    assert stopped.error_message == "Stopped: nobody watched it for 2 seconds."
    # What arrived is kept, with its cost.
    assert (stopped.text or stopped.reasoning) and stopped.cost is not None
    page = (await async_client.get(f"/sessions/{session.id}/")).content.decode()
    assert "Stopped: nobody watched it for 2 seconds." in page
    await release(simulator_url, gate)


async def test_a_watched_run_outlives_the_limit(async_client, settings, simulator_url):
    settings.PLAYGROUND_UNWATCHED_STOP_SECONDS = 1
    session, pane, cookie = await open_page(async_client)
    gate = new_gate()
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, gated("A long watch", gate)))
    await wait_paused(simulator_url, gate)
    await asyncio.sleep(3)  # three limits, a dozen checks
    run = await Run.objects.aget()
    assert run.status == "streaming"
    await release(simulator_url, gate)
    await frames_until_final(communicator)
    await run.arefresh_from_db()
    assert run.status == "done" and not run.error_message
    await communicator.disconnect()


async def test_a_share_viewer_keeps_the_run_going_after_the_owner_leaves(
    async_client, settings, simulator_url
):
    settings.PLAYGROUND_UNWATCHED_STOP_SECONDS = 1
    session, pane, cookie = await open_page(async_client)
    viewer, connected, _ = await follow(await share(async_client, session))
    assert connected
    gate = new_gate()
    owner, _, _ = await connect(session, cookie)
    await owner.send_to(text_data=form(pane, gated("A shared tale", gate)))
    await wait_paused(simulator_url, gate)
    await owner.disconnect()
    await asyncio.sleep(3)
    run = await Run.objects.aget()
    assert run.status == "streaming"  # the viewer watches it
    await viewer.disconnect()
    stopped = await status_becomes(run.id, "stopped", seconds=10)
    assert stopped.error_message == "Stopped: nobody watched it for 1 second."
    await release(simulator_url, gate)


# --- Models without a key, prompts over the window -----------------------------------------------


async def test_a_greyed_out_model_sent_by_its_id_over_the_socket_is_refused(
    async_client, monkeypatch
):
    monkeypatch.delenv("EMPIRIOLABS_API_KEY", raising=False)
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=form(pane, "Hello", model="empiriolabs/seed-2-0-pro"))
    refused = await communicator.receive_from(timeout=5)
    assert "Seed 2.0 Pro has no API key for EmpirioLabs" in refused
    assert "set EMPIRIOLABS_API_KEY. Nothing was sent." in refused and RESET not in refused
    assert not await Run.objects.aexists()
    await communicator.disconnect()


async def test_regenerating_a_run_of_a_model_now_without_a_key_is_refused(
    async_client, monkeypatch
):
    monkeypatch.delenv("EMPIRIOLABS_API_KEY", raising=False)
    session, pane, cookie = await open_page(async_client)
    run = await sync_to_async(add_run)(
        pane, prompt="Hi", provider_id="empiriolabs", model_id="seed-2-0-pro"
    )
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=json.dumps({"action": "regenerate", "run": str(run.id)}))
    assert "Seed 2.0 Pro has no API key for EmpirioLabs" in await communicator.receive_from(
        timeout=5
    )
    assert await Run.objects.acount() == 1
    await communicator.disconnect()


async def test_a_prompt_over_the_context_window_is_refused_with_the_numbers(async_client):
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    prompt = "!" * 262_000  # one token per punctuation mark: 262K tokens against 256K
    await communicator.send_to(text_data=form(pane, prompt))
    refused = await communicator.receive_from(timeout=10)
    numbers = re.search(r"about ([\d,]+) input tokens, over the model&#x27;s ([\d,]+)-", refused)
    tokens, window = (int(n.replace(",", "")) for n in numbers.groups())
    assert window == get_catalog().model("simulator/seed-2-0-mini").context_window == 256_000
    assert 262_000 <= tokens <= 262_020 and RESET not in refused
    assert f"(by {tokens - window:,})" in refused
    assert not await Run.objects.aexists()
    await communicator.disconnect()


def test_a_request_exactly_the_size_of_the_window_fits():
    model = get_catalog().model("simulator/seed-2-0-mini")
    limits.context_admit(model=model, input_tokens=model.context_window)
    with pytest.raises(limits.OverContext, match="256,001 input tokens"):
        limits.context_admit(model=model, input_tokens=model.context_window + 1)


async def test_zero_switches_the_limits_off(async_client, settings):
    settings.PLAYGROUND_MAX_RUNS_PER_PERSON = 0
    settings.PLAYGROUND_SENDS_PER_MINUTE = 0
    session, pane, cookie = await open_page(async_client)
    communicator, _, _ = await connect(session, cookie)
    await communicator.send_to(text_data=repeated(form(pane, f"Rivers {FAST}"), 2))
    assert RESET in await communicator.receive_from(timeout=5)
    await frames_until_final(communicator, count=2)
    await communicator.disconnect()
