"""A page that records every sign of a hostile payload running, for the XSS suite.

Three detectors that do not depend on each other:
- in the page (detector.js, before any page script, in every frame): alert / confirm /
  prompt / print replaced by recorders, CSP violations recorded, and a scan of the DOM for
  handlers, script URLs, frames, stray scripts, and any element inside the boxes that show
  untrusted text that the box should not hold;
- Playwright's events: a native dialog from any frame, an attached frame, an uncaught error,
  a console error (a script that ran and broke);
- the network route: a request to any other origin (a beacon, a remote script or stylesheet) is
  recorded and blocked, and so is a subresource of ours outside /static/ and /attachments/
  (what `<img src=x>` or `<script src=1>` would fetch).

The suite's contexts bypass the app's CSP, so that a payload rendered unsafely would really run
and be seen: the rendering is under test, not the CSP, which is only the second layer.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from playground.rendering import ALLOWED_TAGS
from tests.browser.conftest import new_page
from tests.hostile.payloads import xss_payloads

DETECTOR = (Path(__file__).parent / "detector.js").read_text(encoding="utf-8")
PAYLOADS = xss_payloads()
FAST = "tps=0 ttft=0"
SUBRESOURCES = {
    *("image", "media", "script", "stylesheet", "font", "texttrack", "manifest"),
    *("object", "ping", "prefetch", "other"),
}
OWN_SUBRESOURCES = ("/static/", "/attachments/")
# Where untrusted text is shown, and the elements each box may hold (none: text only).
BOXES = {
    ".prompt": [],
    ".reasoning-text": [],
    ".answer.stream": [],
    ".answer.markdown": sorted(ALLOWED_TAGS),
    ".run-error": ["p", "strong"],
    ".run-system": ["span"],
    ".files": ["li"],
    ".chip-text": [],
    ".session-title": [],
    "#round-summary h2": ["span"],
    "#diff-dialog-body .diff": ["del", "ins"],
    "#code-dialog-body pre.code": ["code", "span"],
    "title": [],
}


def hostile_page(browser, live_app, *, bypass_csp: bool = True):
    page = new_page(browser, live_app, bypass_csp=bypass_csp)
    page.signs = []
    page.add_init_script(DETECTOR)
    page.on("dialog", lambda dialog: _dialog(page, dialog))
    page.on("frameattached", lambda frame: page.signs.append(f"frame attached: {frame.url}"))
    page.on("pageerror", lambda error: page.signs.append(f"uncaught error: {error}"))
    page.context.route("**/*", lambda route: _guard(page, route, origin=live_app.url))
    return page


def _dialog(page, dialog) -> None:
    page.signs.append(f"native {dialog.type}: {dialog.message}")
    dialog.dismiss()


def _guard(page, route, *, origin: str) -> None:
    request = route.request
    url = urlsplit(request.url)
    ours = f"{url.scheme}://{url.netloc}" == origin
    if ours and not (
        request.resource_type in SUBRESOURCES and not url.path.startswith(OWN_SUBRESOURCES)
    ):
        route.continue_()
        return
    page.signs.append(f"{request.resource_type} request: {request.url}")
    route.abort()


def signs_of_execution(page) -> list[str]:
    """Everything the three detectors saw so far, plus what the DOM holds now."""
    in_page = page.evaluate("boxes => [...window.__xss.hits, ...window.__xss.scan(boxes)]", BOXES)
    return [*page.signs, *in_page, *(f"console: {e}" for e in page.console_errors)]


def assert_inert(page, where: str) -> None:
    found = signs_of_execution(page)
    assert found == [], f"{where}: {len(found)} sign(s) of a payload running:\n" + "\n".join(
        found[:20]
    )
