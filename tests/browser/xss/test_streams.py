"""The XSS evidence suite, streams: all 286 payloads of the public corpus (tests/hostile/corpus/,
MIT, PayloadsAllTheThings) as model output, reasoning and provider error text, live (held at a
simulator gate, never raced), on the share page and after a reload, and in compare mode's round
summary and word differences, in Debian's chromium, asserting that none runs (hostile.py says
how that is seen; test_detectors.py that it would be).

The simulator repeats each batch verbatim (`[[sim reply=echo]]`, playground/simulator/directive.py).
"""

import pytest
from playwright.sync_api import expect

from playground.tokens import count_text_tokens
from tests.browser.test_playground_page import done, open_fresh, prompt_box, send
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


# --- Compare mode: the round summary and word differences -------------------------------------

COMPARE_BATCHES = batches(PAYLOADS, most_chars=4500)  # 4 rounds of two runs, under max_tokens


def two_panes_the_second_cut_short(page) -> None:
    """Pane B stops its answer early, so the word differences remove the rest of pane A's."""
    page.get_by_role("button", name="+ Add pane").click()
    expect(page.locator("section.pane")).to_have_count(2)
    second = page.locator("section.pane").nth(1)
    second.locator("details[data-settings] > summary").click()
    with page.expect_response(lambda r: r.url.endswith("/settings/") and r.ok):
        second.get_by_label("Max output tokens", exact=True).fill("300")


def send_round(page, prompt: str) -> None:
    before = page.locator("article.run").count()
    prompt_box(page).fill(prompt)
    prompt_box(page).press("Control+Enter")
    expect(page.locator("article.run")).to_have_count(before + 2)
    expect(page.locator("article.run.is-active")).to_have_count(0, timeout=SLOW)


def assert_differences_show(page, text: str) -> None:
    """The differences from pane A's answer to pane B's (its start) show A's words as text."""
    dialog = page.locator("#diff-dialog")
    dialog.locator("[data-dialog-body]").evaluate("body => body.replaceChildren()")  # last round's
    page.locator("#round-summary").get_by_role("button", name="Show differences").click()
    expect(dialog.locator(".diff del")).not_to_have_count(0)
    assert_inert(page, "with the word differences open")
    first = "d => [...d.childNodes].filter(n => n.localName !== 'ins').map(n => n.textContent)"
    assert "".join(dialog.locator(".diff").evaluate(first)) == text.strip()  # what A said
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_payloads_in_the_round_summary_and_word_differences_run_nothing_live_or_after_reload(
    owner,
):
    open_fresh(owner)
    two_panes_the_second_cut_short(owner)
    for batch in COMPARE_BATCHES:
        text = joined(batch)
        send_round(owner, f"{text}\n\n[[sim reply=echo {FAST}]]")
        assert_inert(owner, "after the round")
        expect(owner.locator("#round-summary h2")).to_contain_text(batch[0][:20])
        assert_differences_show(owner, text)
    owner.reload()
    expect(owner.locator("body")).to_have_attribute("data-socket", "open")
    assert_inert(owner, "after a reload")
    assert_differences_show(owner, text)
