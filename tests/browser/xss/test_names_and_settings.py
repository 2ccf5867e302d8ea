"""The XSS evidence suite, names and settings: the corpus as attachment names, as the system
prompt and the prompt, in View code, on the share page and the sessions list, live and after a
reload, in Debian's chromium, asserting that none runs (hostile.py, test_detectors.py)."""

import html
import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_playground_page import done, open_fresh, send
from tests.browser.test_sharing_page import close_dialog, create_link
from tests.browser.xss.hostile import FAST, PAYLOADS, assert_inert
from tests.hostile.payloads import joined, parts

pytestmark = pytest.mark.browser

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


@pytest.mark.parametrize("group", parts(ATTACHMENTS, 3), ids=["1", "2", "3"])
def test_payloads_as_attachment_names_run_nothing_live_or_after_reload(owner, group):
    open_fresh(owner)
    sent = []
    for start in range(0, len(group), PER_SEND):
        files = [(name, n % 2 == 0) for n, (name, _) in enumerate(group[start : start + PER_SEND])]
        for number, (_, payload) in enumerate(group[start : start + PER_SEND]):
            upload(owner, payload, image=number % 2 == 0)
        assert_inert(owner, "with the files in the tray")
        chips = owner.locator("#attachment-tray .chip-text").all_text_contents()
        assert [chip.rsplit(" · ", 2)[0] for chip in chips] == [name for name, _ in files]
        run = send(owner, f"Describe these files. [[sim {FAST}]]")
        done(run)
        assert_inert(owner, "after the run")
        assert_files_shown(run, files)
        sent.append((run.get_attribute("id"), files))
    owner.reload()
    expect(owner.locator("body")).to_have_attribute("data-socket", "open")
    assert_inert(owner, "after a reload")
    for run_id, files in sent:
        assert_files_shown(owner.locator(f"#{run_id}"), files)


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
    assert_inert(owner, "with the system prompt saved")
    stranger.goto(create_link(owner))
    close_dialog(owner)
    run = send(owner, f"{EVERY_PAYLOAD_BLOCK}\n\n[[sim {FAST}]]")
    watched = stranger.locator(f"#{run.get_attribute('id')}")
    done(run)
    done(watched)
    for page, shown in ((owner, run), (stranger, watched)):
        assert_inert(page, "after the run")
        assert_system_shown(shown)
    assert_code_shows_the_request(owner, run)
    for page in (owner, stranger):
        page.reload()
        expect(page.locator("body")).to_have_attribute("data-socket", "open")
        assert_inert(page, "after a reload")
        system = page.get_by_label("System prompt", exact=True).input_value()
        assert lines(system) == EVERY_PAYLOAD_LINE
        assert_system_shown(page.locator(f"#{run.get_attribute('id')}"))
    assert_code_shows_the_request(owner, owner.locator(f"#{run.get_attribute('id')}"))
    owner.goto("/sessions/")
    expect(owner.locator(".session-table")).to_be_visible()
    assert_inert(owner, "on the sessions list")
