"""A provider that answers 401 is named with the variable that holds its key."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import new_page
from tests.browser.test_playground_page import open_fresh, send
from tests.catalogs import KEYED
from tests.live import LiveApp

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def keyed_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("keyed")
    app = LiveApp(tmp)
    catalog = tmp / "catalog.toml"
    catalog.write_text(KEYED.format(base=f"{app.url}/simulator/v1"))
    app.env |= {"PLAYGROUND_CATALOG": str(catalog), "KEYED_ENDPOINT_API_KEY": "sk-wrong-key-1234"}
    app.start()
    yield app
    app.stop()


def test_a_401_names_the_key_variable_to_check(browser, keyed_app):
    page = new_page(browser, keyed_app)
    try:
        open_fresh(page)
        expect(page.get_by_label("Model", exact=True)).to_have_value("keyed/seed-2-0-mini")
        run = send(page, "Hello [[sim fault=401]]")
        expect(run.locator(".status-label")).to_have_text("Failed", timeout=60_000)
        error = run.locator(".run-error")
        expect(error).to_contain_text("HTTP 401")
        expect(error).to_contain_text("KEYED_ENDPOINT_API_KEY")
        expect(page.locator("body")).not_to_contain_text("sk-wrong-key-1234")
    finally:
        page.context.close()
