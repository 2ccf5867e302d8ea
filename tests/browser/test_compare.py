"""Compare mode in Debian's chromium: panes side by side, fan-out, failures kept apart, the
round summary and its total, blind judging, repetitions. Streams are held at simulator gates
while a test looks at them, so a loaded machine cannot race the assertions."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.test_playground_page import SLOW, open_fresh, prompt_box

pytestmark = pytest.mark.browser
MODELS = ("simulator/seed-2-0-mini", "simulator/seed-2-0-pro", "simulator/seed-2-0-code")


def three_panes(page):
    """Three panes on three models, thinking off (short answers)."""
    for count in (2, 3):  # one at a time: each click redraws the workspace
        page.get_by_role("button", name="+ Add pane").click()
        expect(page.locator("section.pane")).to_have_count(count)
    for pane, ref in zip(page.locator("section.pane").all(), MODELS, strict=True):
        pane.locator("details[data-settings] > summary").click()
        with page.expect_response(lambda r: "/settings/" in r.url):
            pane.get_by_label("Model", exact=True).select_option(ref)
        thinking = pane.get_by_label("Thinking", exact=True)
        with page.expect_response(lambda r: "/settings/" in r.url):
            thinking.uncheck()
    return page.locator("section.pane")


def send_to_all(page, prompt, *, repeat=1):
    page.locator("input[name=repeat]").fill(str(repeat))
    prompt_box(page).fill(prompt)
    prompt_box(page).press("Control+Enter")


def all_done(page, count):
    expect(page.locator("article.run")).to_have_count(count, timeout=SLOW)
    expect(page.locator("article.run.is-active")).to_have_count(0, timeout=SLOW)


def money(text: str) -> Decimal:
    return Decimal(re.search(r"\$([\d.,]+)", text).group(1).replace(",", ""))


def test_three_panes_on_three_models_stream_at_once(page, gates):
    open_fresh(page)
    panes = three_panes(page)
    gate = gates.new()
    send_to_all(page, f"Tell me about harbours [[sim gate={gate} after=3 tps=200 ttft=0]]")
    expect(page.locator("article.run.is-active")).to_have_count(3)
    for pane in panes.all():  # each streaming in its own column, all at the same time
        expect(pane.locator(".status-label")).to_have_text("Streaming")
        expect(pane.locator(".answer")).not_to_be_empty()
    gates.release(gate)
    all_done(page, 3)
    names = [p.locator(".turn.assistant .who").inner_text() for p in panes.all()]
    for name, expected in zip(
        names, ("Seed 2.0 Mini", "Seed 2.0 Pro", "Seed 2.0 Code"), strict=True
    ):
        assert name.startswith(expected), names
    assert page.console_errors == []


def test_a_pane_that_fails_leaves_the_others_to_finish(page):
    open_fresh(page)
    panes = three_panes(page)
    send_to_all(page, "Rivers [[sim tps=300 ttft=0]] [[sim model=seed-2-0-pro fault=500]]")
    all_done(page, 3)
    labels = [p.locator(".status-label").inner_text() for p in panes.all()]
    assert labels == ["Done", "Failed", "Done"]
    expect(panes.nth(1).locator(".run-error")).to_contain_text("HTTP 500")


def test_the_panes_costs_add_up_to_the_round_total(page):
    open_fresh(page)
    three_panes(page)
    send_to_all(page, "Lakes [[sim tps=300 ttft=0]]")
    all_done(page, 3)
    summary = page.locator("#round-summary")
    expect(summary).to_be_visible()
    costs = [money(c) for c in page.locator('article.run [data-metric="cost"]').all_inner_texts()]
    total = money(summary.locator("[data-round-total]").inner_text())
    assert abs(sum(costs) - total) <= Decimal("0.000002")  # each shown rounded to 6 places
    expect(summary.locator(".tag", has_text="fastest")).to_have_count(1)
    expect(summary.locator(".tag", has_text="cheapest")).to_have_count(1)


def test_a_blind_round_reveals_the_names_after_the_vote(page):
    open_fresh(page)
    three_panes(page)
    page.get_by_label("Blind").check()
    expect(page.locator("#workspace.blind")).to_be_visible()
    send_to_all(page, "Oceans [[sim tps=300 ttft=0]]")
    all_done(page, 3)
    workspace = page.locator("#workspace")
    for name in ("Seed 2.0 Mini", "Seed 2.0 Pro", "Seed 2.0 Code"):
        expect(workspace).not_to_contain_text(name)
    expect(page.locator("#round-summary")).to_contain_text("hidden")
    page.get_by_role("button", name="Prefer B").click()
    summary = page.locator("#round-summary")
    expect(summary).to_contain_text("★ preferred")
    for name in ("Seed 2.0 Mini", "Seed 2.0 Pro", "Seed 2.0 Code"):
        expect(summary).to_contain_text(name)
    expect(page.locator(".run .who", has_text="model hidden")).to_have_count(0)


def test_repeat_three_shows_three_runs_per_pane(page):
    open_fresh(page)
    panes = three_panes(page)
    send_to_all(page, "Glaciers [[sim tps=400 ttft=0]]", repeat=3)
    all_done(page, 9)
    for pane in panes.all():
        expect(pane.locator("article.run")).to_have_count(3)
        expect(pane.locator(".tag.repetition")).to_have_text(["1 of 3", "2 of 3", "3 of 3"])
    summary = page.locator("#round-summary")
    expect(summary).to_contain_text("Different answers")
    expect(summary.locator("tbody tr")).to_have_count(3)
