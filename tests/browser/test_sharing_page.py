"""Share links in Debian's chromium: the owner's Share dialog, a second browser following a
streaming run live (held at a simulator gate, never raced), revocation reaching that browser at
once, and Open a copy."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import new_page
from tests.browser.test_playground_page import done, open_fresh, prompt_box, send

pytestmark = pytest.mark.browser
SLOW = 60_000


def create_link(page, *, name="Ana", expires="1 day") -> str:
    page.get_by_role("button", name="Share", exact=True).click()
    dialog = page.locator("#share-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Your name as viewers see it").fill(name)
    dialog.get_by_label("The link expires after").select_option(label=expires)
    dialog.get_by_role("button", name="Create link").click()
    link = dialog.locator("#share-url")
    expect(link).to_be_focused()
    return link.input_value()


def close_dialog(page):
    page.locator("#share-dialog").get_by_role("button", name="Close").click()
    expect(page.locator("#share-dialog")).to_be_hidden()


@pytest.fixture
def viewer(browser, live_app):
    """A second browser: its own context, no cookie of the owner's."""
    page = new_page(browser, live_app)
    yield page
    page.context.close()


def test_a_second_browser_follows_a_streaming_run_until_the_link_is_revoked(page, viewer, gates):
    open_fresh(page)
    url = create_link(page)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/s/[\w-]{43}/", url)
    close_dialog(page)
    viewer.goto(url)
    expect(viewer.locator("body")).to_have_attribute("data-socket", "open")
    expect(viewer.locator(".share-banner")).to_contain_text("Shared by Ana")
    expect(viewer.get_by_label("Prompt", exact=True)).to_have_count(0)

    gate = gates.new()
    run = send(page, f"How do tides work? [[sim gate={gate} after=6 tps=200 ttft=0]]")
    gates.wait_paused(gate)
    watched = viewer.locator(f"#{run.get_attribute('id')}")
    expect(watched.locator(".status-label")).to_have_text("Streaming")
    expect(watched.locator(".reasoning-text, .answer").first).not_to_be_empty()
    expect(watched.get_by_role("button")).to_have_count(0)  # no Stop, no actions
    gates.release(gate)
    done(watched)
    expect(watched.locator(".answer")).to_contain_text("tides")
    assert watched.locator(".answer").inner_text() == run.locator(".answer").inner_text()
    expect(viewer.locator("#session-cost")).to_have_text(page.locator("#session-cost").inner_text())

    page.get_by_role("button", name="Share", exact=True).click()
    page.locator("#share-dialog").get_by_role("button", name=re.compile("^Revoke")).click()
    expect(page.locator("#share-dialog .share-state")).to_have_text("Revoked")
    expect(viewer.locator("#share-gone")).to_be_visible()
    expect(viewer.locator("body")).to_have_attribute("data-socket", "gone")
    assert page.console_errors == [] and viewer.console_errors == []
    assert viewer.outside_requests == []
    viewer.reload()
    expect(viewer.get_by_role("heading", name="This link does not work")).to_be_visible()


def test_regenerate_hands_out_a_new_link_and_closes_pages_on_the_old_one(page, viewer):
    open_fresh(page)
    old = create_link(page, expires="Never")
    viewer.goto(old)
    expect(viewer.locator("body")).to_have_attribute("data-socket", "open")
    page.locator("#share-dialog").get_by_role("button", name=re.compile("^Regenerate")).click()
    new = page.locator("#share-url")
    expect(new).to_be_focused()
    assert new.input_value() != old
    expect(viewer.locator("#share-gone")).to_be_visible()
    assert httpx.get(old).status_code == 404 and httpx.get(new.input_value()).status_code == 200
    rows = page.locator("#share-dialog .share-state")
    expect(rows).to_have_text(["Active", "Revoked"])


def test_open_a_copy_continues_the_conversation_in_the_viewers_own_session(page, viewer):
    open_fresh(page)
    done(send(page, "Name three rivers [[sim tps=500 ttft=0]]"))
    url = create_link(page)
    viewer.goto(url)
    viewer.get_by_role("button", name="Open a copy").click()
    expect(viewer).to_have_url(re.compile(r"/sessions/[0-9a-f-]{36}/$"))
    expect(viewer.locator("body")).to_have_attribute("data-socket", "open")
    expect(viewer.locator("article.run")).to_have_count(1)
    expect(viewer.locator("article.run .prompt")).to_have_text(re.compile("Name three rivers"))
    follow_up = send(viewer, "And three lakes? [[sim tps=500 ttft=0]]")
    done(follow_up)
    expect(viewer.locator("article.run")).to_have_count(2)
    page.reload()
    expect(page.locator("article.run")).to_have_count(1)  # the owner's session is untouched
    expect(prompt_box(viewer)).to_have_value("")
