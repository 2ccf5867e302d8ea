"""The XSS evidence suite, streams: all 286 payloads of the public corpus (tests/hostile/corpus/,
MIT, PayloadsAllTheThings) as model output, reasoning and provider error text, live (held at a
simulator gate, never raced), on the share page and after a reload, in Debian's chromium,
asserting that none runs (hostile.py says how that is seen; test_detectors.py that it would be).

The simulator repeats each batch verbatim (`[[sim reply=echo]]`, playground/simulator/directive.py).
"""

import pytest
from playwright.sync_api import expect

from playground.tokens import count_text_tokens
from tests.browser.test_playground_page import done, open_fresh, send
from tests.browser.test_sharing_page import close_dialog, create_link
from tests.browser.xss.hostile import FAST, PAYLOADS, assert_inert
from tests.hostile.payloads import CORPUS, batches, joined, parts

pytestmark = pytest.mark.browser
SLOW = 60_000
ANSWER_BATCHES = batches(PAYLOADS, most_chars=1600)  # 11 runs, each well under max_tokens
ERROR_BATCHES = batches(PAYLOADS, most_chars=380)  # what a provider message shows whole


def test_the_corpus_is_whole_and_licensed():
    assert len(PAYLOADS) == len(set(PAYLOADS)) == 286
    assert "MIT License" in (CORPUS / "LICENSE-xss-payloads.txt").read_text(encoding="utf-8")
    assert sum(len(b) for b in ANSWER_BATCHES) == sum(len(b) for b in ERROR_BATCHES) == 286


# --- Model output and reasoning ---------------------------------------------------------------


def assert_echoed(run, text: str) -> None:
    """The run shows the batch exactly (the simulator trims the ends, as for any prompt): answer
    source, reasoning and prompt."""
    assert run.locator("textarea[id$='-raw']").input_value() == text.strip()
    assert run.locator(".reasoning-text").text_content() == text.strip()
    assert text.strip() in run.locator(".prompt").text_content()
    expect(run.locator(".answer")).not_to_be_empty()


def send_held(page, gates, text: str):
    """Send `text` to be echoed, held at a gate halfway through the answer (reasoning whole)."""
    gate = gates.new()
    after = count_text_tokens(text) * 3 // 2
    run = send(page, f"{text}\n\n[[sim reply=echo gate={gate} after={after} {FAST}]]")
    gates.wait_paused(gate)
    expect(run.locator(".status-label")).to_have_text("Streaming")
    expect(run.locator(".answer.stream")).not_to_be_empty()
    return run, gate


@pytest.mark.parametrize("group", parts(ANSWER_BATCHES, 3), ids=["1", "2", "3"])
def test_payloads_as_model_output_and_reasoning_run_nothing_live_or_after_reload(
    owner, stranger, gates, group
):
    open_fresh(owner)
    stranger.goto(create_link(owner))
    close_dialog(owner)
    shown = []
    for batch in group:
        text = joined(batch)
        run, gate = send_held(owner, gates, text)
        watched = stranger.locator(f"#{run.get_attribute('id')}")
        expect(watched.locator(".answer.stream")).not_to_be_empty()
        assert_inert(owner, "while streaming")
        assert_inert(stranger, "while streaming, on the share page")
        gates.release(gate)
        done(run)
        done(watched)
        assert_inert(owner, "after streaming")
        assert_inert(stranger, "after streaming, on the share page")
        assert_echoed(run, text)
        assert_echoed(watched, text)
        shown.append((run.get_attribute("id"), text))
    for page in (owner, stranger):
        page.reload()
        expect(page.locator("body")).to_have_attribute("data-socket", "open")
        assert_inert(page, "after a reload")
        for run_id, text in shown:
            assert_echoed(page.locator(f"#{run_id}"), text)


# --- Provider error text ----------------------------------------------------------------------


def failed(run) -> None:
    expect(run.locator(".status-label")).to_have_text("Failed", timeout=SLOW)


def assert_error_shows(run, text: str) -> None:
    """The provider's message is shown as text: one line, cut at 500 characters."""
    expect(run.locator(".run-error")).to_contain_text(" ".join(text.split())[:300])


# Five pages of nine sends: one person never sends more than a few a second for long.
@pytest.mark.parametrize("group", parts(ERROR_BATCHES, 5), ids=["1", "2", "3", "4", "5"])
def test_payloads_in_provider_error_text_run_nothing_live_or_after_reload(owner, group):
    open_fresh(owner)
    shown = []
    for number, batch in enumerate(group):
        text = joined(batch)
        # An HTTP error before any token, and an error event in the middle of a stream.
        fault = "fault=400" if number % 2 else "fault=error after=3"
        run = send(owner, f"{text}\n\n[[sim reply=echo {fault} {FAST}]]")
        failed(run)
        assert_inert(owner, "after the failure")
        assert_error_shows(run, text)
        shown.append((run.get_attribute("id"), text))
    owner.reload()
    expect(owner.locator("body")).to_have_attribute("data-socket", "open")
    assert_inert(owner, "after a reload")
    for run_id, text in shown:
        assert_error_shows(owner.locator(f"#{run_id}"), text)
