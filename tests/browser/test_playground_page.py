"""End to end in Debian's chromium: the page, the socket, the run task and the simulator.

No test races a stream: a state that only lasts while a run streams is checked while the run is
held at a simulator gate, and released afterwards.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
FAST = "[[sim tps=500 ttft=0]]"
SLOW = 60_000  # for what ends on its own: a loaded machine can take a while


def open_fresh(page):
    page.goto("/")
    page.get_by_role("button", name="New session").click()
    expect(page.locator("body")).to_have_attribute("data-socket", "open")


def prompt_box(page):
    return page.get_by_label("Prompt", exact=True)


def send(page, prompt):
    """Send a prompt and return a locator pinned to the run it created."""
    before = page.locator("article.run").evaluate_all("runs => runs.map(r => r.id)")
    prompt_box(page).fill(prompt)
    prompt_box(page).press("Control+Enter")
    page.wait_for_function(
        "before => [...document.querySelectorAll('article.run')].some(r => !before.includes(r.id))",
        arg=before,
    )
    ids = page.locator("article.run").evaluate_all("runs => runs.map(r => r.id)")
    (new_id,) = [i for i in ids if i not in before]
    return page.locator(f"#{new_id}")


def done(run):
    expect(run.locator(".status-label")).to_have_text("Done", timeout=SLOW)


def test_prompt_streams_reasoning_then_answer_and_shows_the_cost(page, gates):
    open_fresh(page)
    gate = gates.new()
    run = send(page, f"How do tides work? [[sim gate={gate} after=5 tps=200 ttft=0]]")
    gates.wait_paused(gate)
    expect(run.locator(".reasoning-text")).not_to_be_empty()
    expect(run.locator(".status-label")).to_have_text("Streaming")
    expect(run.locator('[data-metric="cost"] .tag')).to_have_text("estimate")
    gates.release(gate)
    expect(run.locator(".answer")).to_contain_text("tides", timeout=SLOW)
    done(run)
    expect(run.locator("details.thinking summary")).to_contain_text("Thinking")
    cost = run.locator('[data-metric="cost"]').inner_text()
    assert re.fullmatch(r"\$0\.\d{6}", cost.strip()), cost
    assert run.locator('[data-metric="ttft"]').inner_text().endswith(" s")
    expect(prompt_box(page)).to_have_value("")
    assert page.console_errors == [] and page.outside_requests == []


def test_send_becomes_stop_in_the_same_place_and_esc_stops(page, gates):
    open_fresh(page)
    send_button = page.get_by_role("button", name="Send", exact=True)
    where = send_button.bounding_box()
    gate = gates.new()
    run = send(page, f"Tell me about ships [[sim gate={gate} after=3 tps=200 ttft=0]]")
    gates.wait_paused(gate)
    stop = page.locator("#stop-button")
    expect(stop).to_be_visible()
    expect(send_button).to_be_hidden()
    box = stop.bounding_box()
    assert abs(box["x"] + box["width"] - where["x"] - where["width"]) < 2  # same right edge
    assert abs(box["y"] - where["y"]) < 2
    prompt_box(page).fill("A second question")
    prompt_box(page).press("Control+Enter")  # refused while streaming: nothing is lost
    expect(prompt_box(page)).to_have_value("A second question")
    prompt_box(page).press("Escape")
    expect(run.locator(".status-label")).to_have_text("Stopped")
    expect(send_button).to_be_visible()
    expect(prompt_box(page)).to_have_value("A second question")
    assert page.locator("article.run").count() == 1


def test_stop_on_the_run_keeps_what_arrived_and_says_what_it_was(page, gates):
    open_fresh(page)
    gate = gates.new()
    run = send(page, f"Tell me a long story about ships [[sim gate={gate} after=8 ttft=0]]")
    gates.wait_paused(gate)  # 8 tokens of reasoning arrived, no answer text yet
    expect(run.locator(".reasoning-text")).not_to_be_empty()
    run.get_by_role("button", name="Stop").click()
    expect(run.locator(".status-label")).to_have_text("Stopped")
    expect(run).to_contain_text("Only reasoning had arrived, no answer text; it is kept with its")
    expect(run).not_to_contain_text("partial answer")
    # The simulator sent 8 tokens; the app reads the upstream at most 12 times a second, so
    # the last may still be unread when Stop lands. Whatever arrived is counted, all reasoning.
    output = run.locator('[data-metric="output"]')
    expect(output).to_have_text(re.compile(r"[1-8] \([1-8] reasoning\)"))
    count, reasoning = re.findall(r"\d+", output.inner_text())
    assert count == reasoning
    assert run.locator('[data-metric="cost"]').inner_text().startswith("$")


def test_a_refusal_shows_as_the_answer_marked_as_a_refusal(page):
    open_fresh(page)
    run = send(page, "Help me with this [[sim refuse=1 tps=500 ttft=0]]")
    done(run)
    for shown in (run, page.locator("article.run").last):  # live, then after a reload
        expect(shown.locator(".answer")).to_have_text(
            "I'm sorry, but I can't help with that request. (simulated: refuse=1)"
        )
        expect(shown.locator(".badge.refusal")).to_have_text("Refusal")
        expect(shown.locator(".run-refusal")).to_contain_text("The model declined to answer")
        page.reload()
    assert page.console_errors == []


def test_reload_mid_stream_rejoins_the_run(page, gates):
    open_fresh(page)
    gate = gates.new()
    run = send(page, f"Explain photosynthesis step by step [[sim gate={gate} after=20 tps=300]]")
    gates.wait_paused(gate)
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-socket", "open")
    run = page.locator("article.run").last
    expect(run.locator(".status-label")).to_have_text("Streaming")
    expect(run.locator(".reasoning-text, .answer").first).not_to_be_empty()
    gates.release(gate)
    done(run)
    assert "photosynthesis" in run.locator(".answer").inner_text().lower()


def test_simulated_rate_limit_shows_the_error_and_keeps_the_prompt(page):
    open_fresh(page)
    run = send(page, "Hello there [[sim fault=429 retry_after=120]]")
    expect(run.locator(".status-label")).to_have_text("Failed", timeout=SLOW)
    error = run.locator(".run-error")
    expect(error).to_contain_text("HTTP 429")
    expect(error).to_contain_text("120")
    expect(run.locator(".prompt")).to_contain_text("Hello there")
    expect(run.get_by_role("button", name="Retry")).to_be_visible()


def test_a_bad_value_is_flagged_beside_its_field_as_it_is_typed(page):
    open_fresh(page)
    field = page.get_by_label("Max output tokens", exact=True)
    error = page.locator("[id$='-max_tokens-error']")
    field.fill("70000")
    expect(error).to_have_text("Max output tokens must be a whole number from 1 to 65536.")
    prompt_box(page).fill("Keep me")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#composer-errors")).to_have_text(
        "Check Max output tokens in the settings."
    )
    expect(page.get_by_text("must be a whole number")).to_have_count(1)  # one message, one place
    expect(prompt_box(page)).to_have_value("Keep me")
    assert page.locator("article.run").count() == 0
    field.fill("100")
    expect(error).to_be_empty()


def test_slider_and_number_always_show_the_same_value(page):
    open_fresh(page)
    number = page.get_by_label("Frequency penalty", exact=True)
    slider = page.locator(f"input.slider[data-for='{number.get_attribute('id')}']")
    number.fill("1.5")
    expect(slider).to_have_value("1.5")
    slider.fill("-1")
    expect(number).to_have_value("-1")
    number.fill("5")  # out of range: the slider cannot show it and says so
    expect(slider).to_have_class(re.compile("out-of-range"))


def test_model_change_swaps_the_parameter_panel(page):
    open_fresh(page)
    page.get_by_label("Model", exact=True).select_option("simulator/bytedance-seed-seed-2.0-mini")
    expect(page.get_by_label("Reasoning effort")).to_contain_text("minimal")
    expect(page.get_by_label("API dialect").locator("option")).to_have_count(2)
    expect(page.get_by_label("Temperature", exact=True)).to_be_enabled()
    page.get_by_label("Model", exact=True).select_option("simulator/seed-2-0-pro")
    expect(page.get_by_label("Temperature", exact=True)).to_be_disabled()


def test_view_code_opens_a_dialog_with_highlighting_copy_and_close(page):
    open_fresh(page)
    run = send(page, f"Say hi {FAST}")
    done(run)
    run.get_by_role("button", name="View code").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("curl -N https://api.empiriolabs.ai/v1/chat/completions")
    expect(dialog).to_contain_text("Authorization: Bearer $EMPIRIOLABS_API_KEY")
    assert dialog.locator("pre.code span[class^='hl-']").count() > 3
    dialog.get_by_role("tab", name="Python").click()
    expect(dialog.get_by_role("button", name="Copy Python")).to_be_visible()
    expect(dialog).to_contain_text("import httpx")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_everything_works_from_the_keyboard(page):
    open_fresh(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the prompt")).to_be_focused()
    page.keyboard.press("Enter")
    expect(prompt_box(page)).to_be_focused()
    page.keyboard.type(f"Keyboard only {FAST}")
    page.keyboard.press("Control+Enter")
    run = page.locator("article.run").last
    done(run)
    first_id = run.get_attribute("id")
    run.get_by_role("button", name="Regenerate").focus()
    page.keyboard.press("Enter")
    regenerated = page.locator(f"article.run:not(#{first_id})")
    done(regenerated)
    expect(page.locator("article.run")).to_have_count(1)  # the sibling is shown...
    expect(regenerated.locator(".branch-position")).to_have_text("2/2")  # ...the original kept


def test_edit_and_resend_branches_and_keeps_the_old_branch(page):
    open_fresh(page)
    first = send(page, f"First question {FAST}")
    done(first)
    second = send(page, f"Second question {FAST}")
    done(second)
    first.get_by_role("button", name="Edit").click()
    expect(prompt_box(page)).to_have_value(re.compile("^First question"))
    prompt_box(page).fill(f"First question, rephrased {FAST}")
    prompt_box(page).press("Control+Enter")
    expect(page.locator("article.run")).to_have_count(1)
    edited = page.locator("article.run")
    expect(edited.locator(".prompt")).to_contain_text("rephrased")
    done(edited)
    edited.get_by_role("button", name="Previous branch").click()
    expect(page.locator("article.run")).to_have_count(2)
    expect(page.locator("article.run").last.locator(".prompt")).to_contain_text("Second question")


def test_branch_switcher_after_a_middle_turn_regenerate_survives_reload(page):
    open_fresh(page)
    turns = []
    for word in ("rivers", "lakes", "oceans"):
        turns.append(send(page, f"Tell me about {word} {FAST}"))
        done(turns[-1])
    turns[1].get_by_role("button", name="Regenerate").click()
    expect(page.locator("article.run")).to_have_count(2)  # turn 3 belongs to the old branch
    middle = page.locator("article.run").last
    done(middle)
    expect(middle.locator(".branch-position")).to_have_text("2/2")
    middle.get_by_role("button", name="Previous branch").click()
    expect(page.locator("article.run")).to_have_count(3)
    expect(page.locator("article.run").nth(1).locator(".branch-position")).to_have_text("1/2")
    page.reload()
    expect(page.locator("article.run")).to_have_count(3)
    expect(page.locator("article.run").last.locator(".prompt")).to_contain_text("oceans")


def test_settings_survive_reload_and_apply_to_the_next_send(page):
    open_fresh(page)
    with page.expect_response(lambda r: "/settings/" in r.url):
        page.get_by_label("Model", exact=True).select_option("simulator/seed-2-0-pro")
    page.get_by_label("System prompt").fill("Answer like a pirate.")
    page.get_by_label("Max output tokens", exact=True).fill("320")
    page.reload()  # right after typing: what was typed is still saved on the way out
    expect(page.get_by_label("System prompt")).to_have_value("Answer like a pirate.")
    expect(page.get_by_label("Max output tokens", exact=True)).to_have_value("320")
    with page.expect_response(lambda r: "/settings/" in r.url and "321" in r.request.post_data):
        page.get_by_label("Max output tokens", exact=True).fill("321")
    page.reload()
    expect(page.get_by_label("Model", exact=True)).to_have_value("simulator/seed-2-0-pro")
    expect(page.get_by_label("System prompt")).to_have_value("Answer like a pirate.")
    expect(page.get_by_label("Max output tokens", exact=True)).to_have_value("321")
    run = send(page, f"Hello {FAST}")
    done(run)
    expect(run.locator(".who").last).to_contain_text("Seed 2.0 Pro")


def test_the_session_list_finds_earlier_sessions(page):
    open_fresh(page)
    done(send(page, f"About volcanoes {FAST}"))
    open_fresh(page)
    done(send(page, f"About glaciers [[sim tps=500 ttft=0]] {FAST}"))
    page.get_by_role("link", name="Sessions").click()
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("About glaciers")  # newest first, directives stripped
    expect(page.locator("tbody")).to_contain_text("About volcanoes")
    volcano = page.locator(f"#{rows.filter(has_text='About volcanoes').get_attribute('id')}")
    volcano.get_by_text("Rename").click()
    volcano.get_by_label("New title").fill("Volcano notes")
    volcano.get_by_role("button", name="Save").click()
    expect(volcano.get_by_role("link")).to_have_text("Volcano notes")
    glacier = rows.filter(has_text="About glaciers")
    glacier.get_by_role("button", name=re.compile("^Delete")).click()
    glacier.get_by_role("button", name="Delete for good").click()
    expect(page.locator("tbody")).not_to_contain_text("About glaciers")
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Volcano notes")  # `/` reopens the last session


def test_attached_image_is_previewed_sent_and_acknowledged(page, tmp_path):
    from tests.playground.test_views import PNG

    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    open_fresh(page)
    page.locator("#attach-input").set_input_files(str(image))
    chip = page.locator("#attachment-tray .chip")
    expect(chip).to_contain_text("dot.png · image")
    expect(chip.locator("img.thumb")).to_be_visible()
    run = send(page, f"What is in this picture? {FAST}")
    expect(run.locator(".files")).to_contain_text("image: dot.png")
    done(run)
    expect(run.locator(".answer")).to_contain_text("image")
    expect(page.locator("#attachment-tray .chip")).to_have_count(0)


UNOBSTRUCTED = """el => {
  el.scrollIntoView({block: "center"});
  const box = el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
  return hit === el || el.contains(hit);
}"""


@pytest.mark.parametrize("width", [390, 820])
def test_answers_and_their_buttons_are_unobstructed_on_phones_and_tablets(browser, live_app, width):
    from tests.browser.conftest import new_page

    page = new_page(browser, live_app, width=width, height=844)
    try:
        open_fresh(page)
        expect(page.locator("details[data-settings]")).not_to_have_attribute("open", "")
        run = send(page, f"Explain tides to a child {FAST}")
        done(run)
        targets = [run.locator(".answer"), run.locator(".metrics")]
        targets += [run.get_by_role("button", name=n) for n in ("Regenerate", "Edit", "Copy")]
        targets += [run.get_by_role("button", name="View code"), prompt_box(page)]
        targets.append(page.get_by_role("button", name="Send", exact=True))
        for target in targets:
            assert target.evaluate(UNOBSTRUCTED), target
        page.locator("details[data-settings] > summary").click()
        assert run.locator(".answer").evaluate(UNOBSTRUCTED)  # open settings push, not cover
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        page.context.close()
