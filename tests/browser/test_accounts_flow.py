"""A person signs up, logs in, stores their key (shown as …last4 only), checks it and runs the
model it enables; the key appears in no page and in no line of the server's DEBUG log."""

import pytest
from playwright.sync_api import expect

from tests.accounts.conftest import CANARY
from tests.browser.conftest import Gates, new_page
from tests.browser.test_playground_page import SLOW, prompt_box, send
from tests.catalogs import KEYED
from tests.live import LiveApp

pytestmark = pytest.mark.browser
PASSWORD = "browser-Long-passphrase-9"
MODEL = "keyed/seed-2-0-mini"


@pytest.fixture(scope="module")
def accounts_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("accounts")
    app = LiveApp(tmp, LOG_LEVEL="DEBUG")
    app.env.pop("KEYED_ENDPOINT_API_KEY", None)
    catalog = tmp / "catalog.toml"
    catalog.write_text(KEYED.format(base=f"{app.url}/simulator/v1"))
    app.env["PLAYGROUND_CATALOG"] = str(catalog)
    app.start()
    yield app
    app.stop()


def test_sign_up_log_in_store_a_key_and_run_with_it(browser, accounts_app):
    page = new_page(browser, accounts_app)
    gates = Gates(accounts_app.url)
    try:
        page.goto("/")
        expect(page.locator(f'option[value="{MODEL}"]')).to_be_disabled()
        page.get_by_role("link", name="Sign up / Log in").click()
        page.get_by_role("link", name="Sign up", exact=True).click()
        page.get_by_label("Username").fill("erin")
        page.get_by_label("Email").fill("erin@example.com")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password confirmation").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("link", name="erin")).to_be_visible()
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_role("link", name="Sign up / Log in")).to_be_visible()

        page.get_by_role("link", name="Sign up / Log in").click()
        page.get_by_label("Username").fill("erin")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("link", name="erin")).to_be_visible()

        page.get_by_role("link", name="API keys").click()
        row = page.locator("#key-keyed")
        row.get_by_label("Your Keyed endpoint key").fill(CANARY)
        row.get_by_role("button", name="Store").click()
        expect(row.locator(".fingerprint")).to_have_text(f"…{CANARY[-4:]}")
        row.get_by_role("button", name="Check key").click()
        expect(row.locator(".check")).to_contain_text("The key works", timeout=SLOW)
        expect(row.get_by_label("Replace the key")).to_have_value("")

        page.goto("/")
        page.get_by_role("button", name="New session").click()
        expect(page.locator("body")).to_have_attribute("data-socket", "open")
        expect(page.locator(f'option[value="{MODEL}"]')).to_be_enabled()
        page.get_by_label("Model", exact=True).select_option(MODEL)
        gate = gates.new()
        run = send(page, f"Hello with my own key [[sim gate={gate} after=3 tps=300 ttft=0]]")
        gates.wait_paused(gate)
        expect(run.locator(".status-label")).to_have_text("Streaming")
        gates.release(gate)
        expect(run.locator(".status-label")).to_have_text("Done", timeout=SLOW)
        expect(prompt_box(page)).to_have_value("")

        page.get_by_role("link", name="Usage").click()
        expect(page.locator("svg.cost-chart rect")).to_have_count(1)
        expect(page.locator("table.data").first).to_contain_text("Seed 2.0 Mini (keyed endpoint)")
        assert page.console_errors == [] and page.outside_requests == []
    finally:
        page.context.close()
    log = accounts_app.log.read_text()
    assert '"POST /simulator/v1/chat/completions" 200' in log  # the keyed calls were made
    pieces = {CANARY[i : i + 8] for i in range(len(CANARY) - 7)}
    assert not [piece for piece in pieces if piece in log]
