"""The XSS evidence suite: all 286 payloads of the public corpus in tests/hostile/corpus/ (MIT,
PayloadsAllTheThings) through every place the page shows text it did not write (model output,
reasoning, provider error text, attachment names, system prompt, View code, the share page),
live and after a reload, in Debian's chromium, asserting that none runs (tests/browser/hostile.py
says how that is seen). The detectors are first shown to catch a payload rendered unsafely.

The simulator repeats each batch verbatim (`[[sim reply=echo]]`). Streams are held at a gate
while the live rendering is checked, so nothing is raced.
"""

import html
import json
import time

import pytest
from playwright.sync_api import expect

from playground.tokens import count_text_tokens
from tests.browser.hostile import assert_inert, hostile_page, signs_of_execution
from tests.browser.test_playground_page import done, open_fresh, send
from tests.browser.test_sharing_page import close_dialog, create_link
from tests.hostile.payloads import CORPUS, batches, joined, parts, xss_payloads

pytestmark = pytest.mark.browser
PAYLOADS = xss_payloads()
FAST = "tps=0 ttft=0"
SLOW = 60_000
ANSWER_BATCHES = batches(PAYLOADS, most_chars=1600)  # 11 runs, each well under max_tokens
ERROR_BATCHES = batches(PAYLOADS, most_chars=380)  # what a provider message shows whole


@pytest.fixture
def bypass_csp(request) -> bool:
    """True unless a test asks for the CSP in force (indirect parametrisation)."""
    return getattr(request, "param", True)


@pytest.fixture
def owner(browser, live_app, bypass_csp):
    page = hostile_page(browser, live_app, bypass_csp=bypass_csp)
    yield page
    page.context.close()


@pytest.fixture
def stranger(browser, live_app, bypass_csp):
    """Another browser following the owner's share link."""
    page = hostile_page(browser, live_app, bypass_csp=bypass_csp)
    yield page
    page.context.close()


def test_the_corpus_is_whole_and_licensed():
    assert len(PAYLOADS) == len(set(PAYLOADS)) == 286
    assert "MIT License" in (CORPUS / "LICENSE-xss-payloads.txt").read_text(encoding="utf-8")
    assert sum(len(b) for b in ANSWER_BATCHES) == sum(len(b) for b in ERROR_BATCHES) == 286


# --- The detectors catch a payload rendered unsafely ------------------------------------------

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


# --- Model output and reasoning ---------------------------------------------------------------


def assert_echoed(run, text: str) -> None:
    """The run shows the batch exactly (the simulator trims the ends, as for any prompt): answer
    source, reasoning and prompt."""
    assert run.locator("textarea[id$='-raw']").input_value() == text.strip()
    assert run.locator(".reasoning-text").text_content() == text.strip()
    assert text.strip() in run.locator(".prompt").text_content()
    expect(run.locator(".answer")).not_to_be_empty()


def send_held(page, gates, text: str, directive: str = ""):
    """Send `text` to be echoed, held at a gate halfway through the answer (reasoning whole)."""
    gate = gates.new()
    after = count_text_tokens(text) * 3 // 2
    run = send(page, f"{text}\n\n[[sim reply=echo gate={gate} after={after} {FAST} {directive}]]")
    gates.wait_paused(gate)
    expect(run.locator(".answer")).not_to_be_empty()
    return run, gate


@pytest.mark.parametrize("group", parts(ANSWER_BATCHES, 3), ids=["1", "2", "3"])
def test_payloads_as_model_output_and_reasoning_run_nothing_live_or_after_reload(
    owner, stranger, gates, group
):
    open_fresh(owner)
    stranger.goto(create_link(owner))
    close_dialog(owner)
    shown = []
    for batch in group:
        text = joined(batch)
        run, gate = send_held(owner, gates, text)
        watched = stranger.locator(f"#{run.get_attribute('id')}")
        expect(watched.locator(".answer")).not_to_be_empty()
        assert_inert(owner, "while streaming")
        assert_inert(stranger, "while streaming, on the share page")
        gates.release(gate)
        done(run)
        done(watched)
        assert_echoed(run, text)
        assert_echoed(watched, text)
        shown.append((run.get_attribute("id"), text))
    for page in (owner, stranger):
        assert_inert(page, "after streaming")
        page.reload()
        expect(page.locator("body")).to_have_attribute("data-socket", "open")
        for run_id, text in shown:
            assert_echoed(page.locator(f"#{run_id}"), text)
        assert_inert(page, "after a reload")


# --- Provider error text ----------------------------------------------------------------------


def failed(run) -> None:
    expect(run.locator(".status-label")).to_have_text("Failed", timeout=SLOW)


def assert_error_shows(run, text: str) -> None:
    """The provider's message is shown as text: one line, cut at 500 characters."""
    expect(run.locator(".run-error")).to_contain_text(" ".join(text.split())[:300])


@pytest.mark.parametrize("group", parts(ERROR_BATCHES, 3), ids=["1", "2", "3"])
def test_payloads_in_provider_error_text_run_nothing_live_or_after_reload(owner, group):
    open_fresh(owner)
    shown = []
    for number, batch in enumerate(group):
        text = joined(batch)
        # An HTTP error before any token, and an error event in the middle of a stream.
        fault = "fault=400" if number % 2 else "fault=error after=3"
        run = send(owner, f"{text}\n\n[[sim reply=echo {fault} {FAST}]]")
        failed(run)
        assert_error_shows(run, text)
        shown.append((run.get_attribute("id"), text))
    assert_inert(owner, "after the failures")
    owner.reload()
    expect(owner.locator("body")).to_have_attribute("data-socket", "open")
    for run_id, text in shown:
        assert_error_shows(owner.locator(f"#{run_id}"), text)
    assert_inert(owner, "after a reload")


# --- Attachment names -------------------------------------------------------------------------

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
PER_SEND = 8


def stored_name(payload: str) -> str | None:
    """The name a file called `payload` is stored under: Chromium escapes `"`, CR and LF in the
    multipart header (HTML spec), then Django unescapes entities, keeps what follows the last
    / or \\ and drops unprintable characters; no name left means no file."""
    name = payload.replace('"', "%22").replace("\n", "%0A").replace("\r", "%0D")
    name = html.unescape(name).rsplit("/")[-1].rsplit("\\")[-1]
    name = "".join(c for c in name if c.isprintable())
    return None if name in ("", ".", "..") else name


# One file per distinct stored name: 188 names from the 286 payloads (94 of them unchanged).
def distinct_names() -> list[tuple[str, str]]:
    """(stored name, payload) for the first payload that gives each name."""
    found: dict[str, str] = {}
    for payload in PAYLOADS:
        if name := stored_name(payload):
            found.setdefault(name, payload)
    return list(found.items())


ATTACHMENTS = distinct_names()


def upload(page, payload: str, *, image: bool) -> None:
    tray = page.locator("#attachment-tray .chip")
    before = tray.count()
    file = {"name": payload, "mimeType": "text/plain", "buffer": b"A hostile name."}
    if image:
        file = {"name": payload, "mimeType": "image/png", "buffer": PNG}
    page.locator("#attach-input").set_input_files(files=[file])
    expect(tray).to_have_count(before + 1)


def assert_files_shown(run, files: list[tuple[str, bool]]) -> None:
    """Every name in the run's file list; documents' names also in the answer and reasoning
    (the simulator acknowledges them; an image is sent without its name)."""
    listed = run.locator(".files").text_content()
    reasoning = run.locator(".reasoning-text").text_content()
    answer = run.locator("textarea[id$='-raw']").input_value()
    for name, image in files:
        assert name in listed
        assert image or (name in reasoning and name in answer)


@pytest.mark.parametrize("group", parts(ATTACHMENTS, 2), ids=["1", "2"])
def test_payloads_as_attachment_names_run_nothing_live_or_after_reload(owner, group):
    open_fresh(owner)
    sent = []
    for start in range(0, len(group), PER_SEND):
        files = [(name, n % 2 == 0) for n, (name, _) in enumerate(group[start : start + PER_SEND])]
        for number, (_, payload) in enumerate(group[start : start + PER_SEND]):
            upload(owner, payload, image=number % 2 == 0)
        chips = owner.locator("#attachment-tray .chip-text").all_text_contents()
        assert [chip.rsplit(" · ", 2)[0] for chip in chips] == [name for name, _ in files]
        assert_inert(owner, "with the files in the tray")
        run = send(owner, f"Describe these files. [[sim {FAST}]]")
        done(run)
        assert_files_shown(run, files)
        sent.append((run.get_attribute("id"), files))
    assert_inert(owner, "after the runs")
    owner.reload()
    expect(owner.locator("body")).to_have_attribute("data-socket", "open")
    for run_id, files in sent:
        assert_files_shown(owner.locator(f"#{run_id}"), files)
    assert_inert(owner, "after a reload")


# --- System prompt, View code, the sessions list ----------------------------------------------

EVERY_PAYLOAD_LINE = "\n".join(PAYLOADS)  # 15 KB: within the system prompt's 65,536 characters
EVERY_PAYLOAD_BLOCK = joined(PAYLOADS)


def lines(text: str) -> str:
    """Form submission sends a textarea's line breaks as CRLF; compare with LF."""
    return text.replace("\r\n", "\n")


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [lines(value)]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [text for item in items for text in strings_in(item)]


def set_system_prompt(page, text: str) -> None:
    box = page.get_by_label("System prompt", exact=True)
    with page.expect_response(lambda r: r.url.endswith("/settings/") and r.ok):
        box.fill(text)


def assert_code_shows_the_request(page, run) -> None:
    """Each snippet is shown exactly as its Copy text (Pygments ends it with a line break), and
    the body it sends carries the whole system prompt and prompt."""
    run.get_by_role("button", name="View code").click()
    dialog = page.locator("#code-dialog")
    expect(dialog).to_be_visible()
    for name in ("curl", "python", "javascript"):
        raw = dialog.locator(f"#code-raw-{name}").input_value()
        shown = dialog.locator(f"#code-panel-{name} pre.code").text_content()
        assert shown == f"{raw}\n"
    script = dialog.locator("#code-raw-javascript").input_value()
    body = json.loads(script.removeprefix("const body = ").split(";\n", 1)[0])
    sent = strings_in(body)
    assert EVERY_PAYLOAD_LINE in sent
    assert any(text.startswith(EVERY_PAYLOAD_BLOCK) for text in sent)  # the directive follows
    assert_inert(page, "with View code open")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def assert_system_shown(run) -> None:
    shown = lines(run.locator(".run-system").text_content())
    assert shown == f"System prompt: {EVERY_PAYLOAD_LINE}"


@pytest.mark.parametrize(
    "bypass_csp", [True, False], indirect=True, ids=["csp bypassed", "csp in force"]
)
def test_payloads_as_system_prompt_and_in_view_code_run_nothing_live_or_after_reload(
    owner, stranger
):
    """Once more with the CSP in force, as people use the page: then not even a CSP violation."""
    open_fresh(owner)
    set_system_prompt(owner, EVERY_PAYLOAD_LINE)
    stranger.goto(create_link(owner))
    close_dialog(owner)
    run = send(owner, f"{EVERY_PAYLOAD_BLOCK}\n\n[[sim {FAST}]]")
    done(run)
    assert_system_shown(run)
    assert_code_shows_the_request(owner, run)
    watched = stranger.locator(f"#{run.get_attribute('id')}")
    done(watched)
    assert_system_shown(watched)
    for page in (owner, stranger):
        assert_inert(page, "after the run")
        page.reload()
        expect(page.locator("body")).to_have_attribute("data-socket", "open")
        system = page.get_by_label("System prompt", exact=True).input_value()
        assert lines(system) == EVERY_PAYLOAD_LINE
        assert_system_shown(page.locator(f"#{run.get_attribute('id')}"))
        assert_inert(page, "after a reload")
    assert_code_shows_the_request(owner, owner.locator(f"#{run.get_attribute('id')}"))
    owner.goto("/sessions/")
    expect(owner.locator(".session-table")).to_be_visible()
    assert_inert(owner, "on the sessions list")
