import os
import shutil
import time
import uuid

import httpx
import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def new_page(browser, live_app, *, width=1280, height=900, **options):
    context = browser.new_context(
        base_url=live_app.url, viewport={"width": width, "height": height}, **options
    )
    page = context.new_page()
    page.console_errors = []
    page.outside_requests = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on(
        "request",
        lambda r: (
            r.url.startswith(live_app.url)
            or r.url.startswith("ws://127.0.0.1")
            or r.url.startswith("data:")
            or page.outside_requests.append(r.url)
        ),
    )
    page.set_default_timeout(30_000)  # generous: the machine may be busy with other suites
    return page


@pytest.fixture
def page(browser, live_app):
    page = new_page(browser, live_app)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser, live_app):
    page = new_page(browser, live_app, width=390, height=844)
    yield page
    page.context.close()


class Gates:
    """Simulator gates: a stream pauses at `[[sim gate=NAME after=N]]` until released, so a test
    can look at the streaming state for as long as it needs, however loaded the machine is.
    Gates live in each worker's simulator: with several workers, pass every worker's URL."""

    def __init__(self, *base_urls: str):
        self.bases = [url + "/simulator/v1/gates" for url in base_urls]

    def new(self) -> str:
        return f"g{uuid.uuid4().hex[:12]}"

    def wait_paused(self, name: str, *, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(
                httpx.get(f"{base}/{name}", timeout=5).json().get("waiting") for base in self.bases
            ):
                return
            time.sleep(0.05)
        raise AssertionError(f"no stream paused at gate {name}")

    def release(self, name: str) -> None:
        for base in self.bases:
            httpx.post(f"{base}/{name}/release", timeout=5).raise_for_status()


@pytest.fixture
def gates(live_app):
    return Gates(live_app.url)
