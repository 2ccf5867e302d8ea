"""The XSS suite's detectors (hostile.py) each give their sign for a payload put into the page
as HTML, the way an unsafe rendering would put it: so a clean run of the suite means something."""

import time

import pytest

from tests.browser.test_playground_page import open_fresh
from tests.browser.xss.hostile import assert_inert, hostile_page, signs_of_execution

pytestmark = pytest.mark.browser

# Each way a payload shows itself, and the sign a detector must give for it.
UNSAFE = {
    "runs at once": ("<img src=x onerror=alert(1)>", "alert: 1"),
    "beacons": (
        "<img src=x onerror=\"new Image().src='https://marker.invalid/?c=1'\">",
        "image request: https://marker.invalid/?c=1",
    ),
    "fetches from us": ("<img src=planted.png>", "image request: http://127.0.0.1"),
    "frames": ("<iframe src=\"javascript:alert('framed')\"></iframe>", "frame attached"),
    "waits for a click": ('<a href="javascript:alert(1)">x</a>', "href=javascript:alert(1)"),
    "waits for a hover": ("<b onmouseover=alert(1)>x</b>", "handler onmouseover=alert(1)"),
    "is only markup": ("<i>planted</i>", "<i> not allowed in .prompt"),
    "plants htmx": ('<p hx-get="/sessions/" hx-trigger="load">x</p>', "htmx attribute hx-get"),
}


def wait_for_sign(page, sign: str, *, seconds: float = 10) -> list[str]:
    deadline = time.monotonic() + seconds
    found = signs_of_execution(page)
    while not any(sign in line for line in found) and time.monotonic() < deadline:
        page.wait_for_timeout(50)
        found = signs_of_execution(page)
    return found


@pytest.mark.parametrize(("payload", "sign"), UNSAFE.values(), ids=UNSAFE.keys())
def test_the_detectors_catch_a_payload_put_into_the_page_as_html(owner, payload, sign):
    open_fresh(owner)
    assert_inert(owner, "before the injection")
    owner.locator(".thread").evaluate(
        "(thread, html) => { thread.innerHTML = `<div class='prompt'>${html}</div>`; }", payload
    )
    found = wait_for_sign(owner, sign)
    assert any(sign in line for line in found), found


def test_with_the_csp_in_force_a_planted_handler_is_blocked_and_reported(browser, live_app):
    page = hostile_page(browser, live_app, bypass_csp=False)
    try:
        open_fresh(page)
        planted = "box => { box.innerHTML = '<img src=x onerror=alert(1)>'; }"
        page.locator(".thread").evaluate(planted)
        page.wait_for_function("window.__xss.hits.some(h => h.startsWith('csp'))")
        assert not any(h.startswith("alert") for h in page.evaluate("window.__xss.hits"))
    finally:
        page.context.close()
