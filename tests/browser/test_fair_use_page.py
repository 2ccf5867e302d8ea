"""Fair use as a person sees it in Debian's chromium, on an app of its own with a small send
limit and a short unwatched limit: refusals name the problem and the numbers and leave the
prompt in the composer; a run left behind by a closed tab is stopped and says why."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Gates, new_page
from tests.browser.test_playground_page import SLOW, done, open_fresh, prompt_box, send
from tests.live import LiveApp, rate_window_ahead

pytestmark = pytest.mark.browser
SENDS, UNWATCHED = 2, 2


@pytest.fixture(scope="module")
def fair_app(tmp_path_factory):
    app = LiveApp(
        tmp_path_factory.mktemp("fair"),
        PLAYGROUND_SENDS_PER_MINUTE=str(SENDS),
        PLAYGROUND_UNWATCHED_STOP_SECONDS=str(UNWATCHED),
    ).start()
    yield app
    app.stop()


@pytest.fixture
def fair_page(browser, fair_app):
    page = new_page(browser, fair_app)
    yield page
    page.context.close()


def refused(page, prompt: str):
    """Send a prompt the server refuses: the error shows and the prompt stays."""
    prompt_box(page).fill(prompt)
    prompt_box(page).press("Control+Enter")
    return page.locator("#composer-errors")


def test_a_send_over_the_rate_limit_shows_retry_in_n_s_and_keeps_the_prompt(fair_page):
    page = fair_page
    open_fresh(page)
    rate_window_ahead()
    for turn in range(SENDS):
        done(send(page, f"Turn {turn} [[sim tps=500 ttft=0]]"))
    errors = refused(page, "A third question")
    expect(errors).to_contain_text(f"Busy: at most {SENDS} sends a minute. Nothing was sent")
    expect(errors).to_contain_text("retry in")
    expect(prompt_box(page)).to_have_value("A third question")
    expect(page.locator("article.run")).to_have_count(SENDS)
    assert page.console_errors == []


def test_a_prompt_over_the_context_window_is_refused_with_the_numbers(fair_page):
    page = fair_page
    open_fresh(page)
    prompt = "!" * 262_000  # one token per punctuation mark
    errors = refused(page, prompt)
    expect(errors).to_contain_text("input tokens, over the model's 256,000-token context window")
    assert prompt_box(page).input_value() == prompt
    expect(page.locator("article.run")).to_have_count(0)


def test_a_run_left_by_a_closed_tab_is_stopped_and_says_why(fair_app, fair_page):
    page, gates = fair_page, Gates(fair_app.url)
    open_fresh(page)
    gate = gates.new()
    run = send(page, f"An endless tale [[sim gate={gate} after=3 tps=200 ttft=0]]")
    gates.wait_paused(gate)
    run_id, address, context = run.get_attribute("id"), page.url, page.context
    page.close()  # the only tab on the session: nobody watches the run any more
    try:
        reason = f"Stopped: nobody watched it for {UNWATCHED} seconds."
        # Looked at without a socket (which would watch it again) until the server stopped it.
        for _ in range(60):
            if reason in context.request.get(address).text():
                break
            time.sleep(0.5)
        later = context.new_page()
        later.goto(address)
        stopped = later.locator(f"#{run_id}")
        expect(stopped.locator(".status-label")).to_have_text("Stopped", timeout=SLOW)
        expect(stopped).to_contain_text(reason)
        # Three tokens arrived before the gate: answer text, or only reasoning (thinking on).
        expect(stopped).to_contain_text(re.compile(r"(answer|it) (and its cost are|is) kept"))
    finally:
        gates.release(gate)
