"""End to end in Debian's chromium: the page, the socket, the run task and the simulator."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def open_fresh(page):
    page.goto("/")
    page.get_by_role("button", name="New session").click()
    expect(page.locator("body")).to_have_attribute("data-socket", "open")


def send(page, prompt):
    """Send a prompt and return a locator pinned to the run it created."""
    before = page.locator("article.run").evaluate_all("runs => runs.map(r => r.id)")
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_label("Prompt", exact=True).press("Control+Enter")
    page.wait_for_function(
        "before => [...document.querySelectorAll('article.run')].some(r => !before.includes(r.id))",
        arg=before,
    )
    ids = page.locator("article.run").evaluate_all("runs => runs.map(r => r.id)")
    (new_id,) = [i for i in ids if i not in before]
    return page.locator(f"#{new_id}")


def test_prompt_streams_reasoning_then_answer_and_shows_the_cost(page):
    open_fresh(page)
    run = send(page, "How do tides work? [[sim tps=60 ttft=0]]")
    reasoning = run.locator(".reasoning-text")
    expect(reasoning).not_to_be_empty()
    expect(run.locator(".status-label")).to_have_text("Streaming")
    expect(run.locator(".answer")).to_contain_text("tides", timeout=20_000)
    expect(run.locator(".status-label")).to_have_text("Done", timeout=30_000)
    expect(run.locator("details.thinking summary")).to_contain_text("Thinking")
    cost = run.locator('[data-metric="cost"]').inner_text()
    assert re.fullmatch(r"\$0\.\d{6}", cost.strip()), cost
    assert run.locator('[data-metric="ttft"]').inner_text().endswith(" s")
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("")
    assert page.console_errors == [] and page.outside_requests == []


def test_stop_mid_stream_keeps_the_partial_answer(page):
    open_fresh(page)
    run = send(page, "Tell me a long story about ships [[sim tps=15 ttft=0]]")
    expect(run.locator(".answer")).not_to_be_empty(timeout=20_000)
    run.get_by_role("button", name="Stop").click()
    expect(run.locator(".status-label")).to_have_text("Stopped")
    expect(run.locator(".answer")).not_to_be_empty()
    expect(run).to_contain_text("The partial answer and its cost are kept.")
    assert run.locator('[data-metric="cost"]').inner_text().startswith("$")


def test_reload_mid_stream_resumes_the_run(page):
    open_fresh(page)
    run = send(page, "Explain photosynthesis step by step [[sim tps=25 ttft=0]]")
    answer = run.locator(".answer")
    expect(answer).not_to_be_empty(timeout=20_000)
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-socket", "open")
    run = page.locator("article.run").last
    expect(run.locator(".status-label")).to_have_text("Streaming")
    before = len(run.locator(".answer").inner_text())
    page.wait_for_timeout(1500)
    assert len(run.locator(".answer").inner_text()) > before  # still streaming after reload
    expect(run.locator(".status-label")).to_have_text("Done", timeout=40_000)
    assert "photosynthesis" in run.locator(".answer").inner_text().lower()


def test_simulated_rate_limit_shows_the_error_and_keeps_the_prompt(page):
    open_fresh(page)
    run = send(page, "Hello there [[sim fault=429 retry_after=120]]")
    expect(run.locator(".status-label")).to_have_text("Failed")
    error = run.locator(".run-error")
    expect(error).to_contain_text("HTTP 429")
    expect(error).to_contain_text("120")
    expect(run.locator(".prompt")).to_contain_text("Hello there")
    expect(run.get_by_role("button", name="Retry")).to_be_visible()


def test_out_of_range_value_is_a_form_error_and_the_prompt_stays(page):
    open_fresh(page)
    page.get_by_label("max_tokens", exact=True).fill("70000")
    page.get_by_label("Prompt", exact=True).fill("Keep me")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#composer-errors")).to_contain_text(
        "max_tokens must be a whole number from 1 to 65536."
    )
    expect(page.get_by_label("Prompt", exact=True)).to_have_value("Keep me")
    assert page.locator("article.run").count() == 0


def test_model_change_swaps_the_parameter_panel(page):
    open_fresh(page)
    page.get_by_label("Model", exact=True).select_option("simulator/bytedance-seed-seed-2.0-mini")
    expect(page.get_by_label("reasoning_effort")).to_contain_text("minimal")
    expect(page.get_by_label("API dialect").locator("option")).to_have_count(2)
    expect(page.get_by_label("temperature", exact=True)).to_be_enabled()
    page.get_by_label("Model", exact=True).select_option("simulator/seed-2-0-pro")
    expect(page.get_by_label("temperature", exact=True)).to_be_disabled()


def test_view_code_shows_snippets_without_a_key(page):
    open_fresh(page)
    run = send(page, "Say hi [[sim tps=500 ttft=0]]")
    expect(run.locator(".status-label")).to_have_text("Done", timeout=20_000)
    run.get_by_role("button", name="View code").click()
    code = run.locator(".code-panel")
    expect(code).to_contain_text("curl -N https://api.empiriolabs.ai/v1/chat/completions")
    expect(code).to_contain_text("Authorization: Bearer $EMPIRIOLABS_API_KEY")


def test_everything_works_from_the_keyboard(page):
    open_fresh(page)
    page.get_by_label("Model", exact=True).focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_dialect"
    page.get_by_label("Prompt", exact=True).focus()
    page.keyboard.type("Keyboard only [[sim tps=400 ttft=0]]")
    page.keyboard.press("Control+Enter")
    run = page.locator("article.run").last
    expect(run.locator(".status-label")).to_have_text("Done", timeout=20_000)
    first_id = run.get_attribute("id")
    run.get_by_role("button", name="Regenerate").focus()
    page.keyboard.press("Enter")
    regenerated = page.locator(f"article.run:not(#{first_id})")
    expect(regenerated.locator(".status-label")).to_have_text("Done", timeout=20_000)
    expect(page.locator("article.run")).to_have_count(1)  # a sibling replaces the original


def test_edit_and_resend_branches_from_the_edited_prompt(page):
    open_fresh(page)
    first = send(page, "First question [[sim tps=500 ttft=0]]")
    expect(first.locator(".status-label")).to_have_text("Done", timeout=20_000)
    second = send(page, "Second question [[sim tps=500 ttft=0]]")
    expect(second.locator(".status-label")).to_have_text("Done", timeout=20_000)
    first.get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Prompt", exact=True)).to_have_value(re.compile("^First question"))
    page.get_by_label("Prompt", exact=True).fill("First question, rephrased [[sim tps=500 ttft=0]]")
    page.get_by_label("Prompt", exact=True).press("Control+Enter")
    expect(page.locator("article.run")).to_have_count(1)
    edited = page.locator("article.run")
    expect(edited.locator(".prompt")).to_contain_text("rephrased")
    expect(edited.locator(".status-label")).to_have_text("Done", timeout=20_000)


def test_attached_image_is_previewed_sent_and_acknowledged(page, tmp_path):
    from tests.playground.test_views import PNG

    image = tmp_path / "dot.png"
    image.write_bytes(PNG)
    open_fresh(page)
    page.locator("#attach-input").set_input_files(str(image))
    chip = page.locator("#attachment-tray .chip")
    expect(chip).to_contain_text("dot.png · image")
    expect(chip.locator("img.thumb")).to_be_visible()
    run = send(page, "What is in this picture? [[sim tps=500 ttft=0]]")
    expect(run.locator(".files")).to_contain_text("image: dot.png")
    expect(run.locator(".status-label")).to_have_text("Done", timeout=20_000)
    expect(run.locator(".answer")).to_contain_text("image")
    expect(page.locator("#attachment-tray .chip")).to_have_count(0)
