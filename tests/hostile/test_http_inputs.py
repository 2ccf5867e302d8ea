"""Hostile HTTP input against the live app (daphne, real requests with the page's cookie and
CSRF token): every request gets a clear answer, never a 500, and nothing is lost: the session's
saved runs are unchanged, and a run sent afterwards streams to its end."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from playground.accounts import throttle
from tests.hostile.visitor import Visitor, visible_text


@pytest.fixture(scope="module")
def visitor(live_app):
    person = Visitor(live_app)
    with person.socket() as socket:
        person.run_id = person.run(socket)
    return person


def export_with(visitor, **changes) -> bytes:
    """The session's own export, edited: what an import of a tampered file sends."""
    document = visitor.http.get(f"/sessions/{visitor.session_id}/export.json").json()
    document["runs"][0] |= changes
    return json.dumps(document).encode()


def upload(name: str, body: bytes | str, kind: str = "application/json") -> dict:
    return {"files": {"file": (name, body, kind)}}


FORM = "application/x-www-form-urlencoded"
MODEL = "simulator/seed-2-0-mini"
# name: (method, path, request arguments, status, text the answer shows)
# fmt: off
REQUESTS = {
    "estimate with no pane fields and no prompt": (
        "POST", "/sessions/{session}/estimate/", {"data": {}}, 200, "input tokens"),
    "estimate at an address that is not one": ("POST", "/estimate/", {}, 404, "Not Found"),
    "estimate with an unknown model": (
        "POST", "/sessions/{session}/estimate/", {"data": {"{pane}-model": "evil/x"}}, 200,
        "No estimate: fix Model"),
    "estimate with a list for the prompt": (
        "POST", "/sessions/{session}/estimate/", {"data": {"prompt": ["a", "b"]}}, 200,
        "input tokens"),
    "estimate with invalid UTF-8 and NUL in the body": (
        "POST", "/sessions/{session}/estimate/",
        {"content": b"prompt=%ff%fe%00", "headers": {"content-type": FORM}}, 200, "input tokens"),
    "estimate with an attachment that is not one": (
        "POST", "/sessions/{session}/estimate/", {"data": {"attachment": "../x"}}, 404,
        "Not Found"),
    # Capped from its declared length before Django reads it (playground/bodies.py).
    "form data over 2.5 MB": (
        "POST", "/sessions/{session}/estimate/", {"data": {"prompt": "x" * 3_000_000}}, 413,
        "requests can be at most 2.5 MB (DATA_UPLOAD_MAX_MEMORY_SIZE)"),
    "more than 1,000 fields": (
        "POST", "/sessions/{session}/estimate/", {"data": {f"f{i}": "1" for i in range(1500)}},
        400, "The request has too many fields (at most 1000)."),
    # Refused by Twisted's HTTP layer before the app: a bare 400 (no page), not a 500.
    "a multipart body without a boundary": (
        "POST", "/attachments/",
        {"content": b"--x\r\nno headers", "headers": {"content-type": "multipart/form-data"}},
        400, ""),
    "settings with an unknown model": (
        "POST", "/sessions/{session}/panes/{pane_id}/settings/",
        {"data": {"{pane}-model": "evil/x", "{pane}-dialect": "chat"}}, 400,
        "That model is not in the catalog: reload the page and choose one from the list."),
    "settings with NUL in the system prompt": (
        "POST", "/sessions/{session}/panes/{pane_id}/settings/",
        {"data": {"{pane}-model": MODEL, "{pane}-dialect": "chat", "{pane}-system": "a\x00"}},
        200, "Null characters are not allowed."),
    "settings with a clock past 64 bits": (
        "POST", "/sessions/{session}/panes/{pane_id}/settings/",
        {"data": {"{pane}-model": MODEL, "{pane}-dialect": "chat", "{pane}-seq": str(10**30),
                  "{pane}-max_tokens": "-5"}},
        200, "Max output tokens must be a whole number from 1 to 65536."),
    "settings of a pane that is not one": (
        "POST", "/sessions/{session}/panes/999999/settings/", {"data": {}}, 404, "Not Found"),
    "branch to a run that is not one": (
        "POST", "/sessions/{session}/panes/{pane_id}/branch/", {"data": {"run": "1;DROP"}},
        404, "Not Found"),
    "rename going next to a bare word": (
        "POST", "/sessions/{session}/rename/", {"data": {"title": "Renamed", "next": "x"}},
        200, "Renamed"),
    "rename going next to another site": (
        "POST", "/sessions/{session}/rename/",
        {"data": {"title": "Renamed again", "next": "https://evil.example/"}}, 200,
        "Renamed again"),
    "rename with NUL in the title": (
        "POST", "/sessions/{session}/rename/", {"data": {"title": "Moon\x00 tides"}}, 200,
        "Moon tides"),
    "diff without the two runs": (
        "GET", "/sessions/{session}/diff/", {}, 400, "Choose the two answers to compare."),
    "diff of runs that are not": (
        "GET", "/sessions/{session}/diff/", {"params": {"a": "x", "b": "\x00"}}, 404,
        "Not Found"),
    "code of a run of nobody": (
        "GET", f"/sessions/{{session}}/runs/{uuid.uuid4()}/code/", {}, 404, "Not Found"),
    "a session that is not a UUID": ("GET", "/sessions/not-a-uuid/", {}, 404, "Not Found"),
    "the session list with garbage paging and NUL in the search": (
        "GET", "/sessions/", {"params": {"page": "-1", "sort": "evil", "q": "\x00" * 300}}, 200,
        "Sessions"),
    "a share token of garbage": ("GET", "/s/%00%ff/", {}, 404, "This link does not work"),
    "an attachment that is not one": ("GET", f"/attachments/{uuid.uuid4()}/", {}, 404, ""),
    "an upload without a file": ("POST", "/attachments/", {}, 200, "Choose a file to attach."),
    "an import without a file": (
        "POST", "/sessions/import/", {}, 400,
        "Choose a JSON file exported from Seed Playground."),
    "an import nested 100,000 deep": (
        "POST", "/sessions/import/", upload("deep.json", "[" * 100_000 + "]" * 100_000), 400,
        "The file is not JSON text (UTF-8)"),
    "an import of invalid UTF-8": (
        "POST", "/sessions/import/", upload("bad.json", b'{"schema": "\xff"}'), 400,
        "The file is not JSON text (UTF-8)"),
    "an import with a lone surrogate in an answer": (
        "POST", "/sessions/import/", lambda v: upload("s.json", export_with(v, output="\ud800")),
        400, "file.runs[0].output contains half of a UTF-16 surrogate pair (U+D800)"),
    "an import with NUL in a prompt": (
        "POST", "/sessions/import/", lambda v: upload("s.json", export_with(v, prompt="a\x00")),
        400, "file.runs[0].prompt contains a NUL character (U+0000) at position 2"),
    "a share with a lifetime that is not one": (
        "POST", "/sessions/{session}/shares/new/", {"data": {"expires": "forever"}}, 200,
        "Choose when the link expires."),
    "a Host the site does not serve": (
        "GET", "/", {"headers": {"host": "evil.example"}}, 400,
        "This site is not served under that host name."),
    "a post without the CSRF token": (
        "POST", "/sessions/{session}/rename/", {"headers": {"X-CSRFToken": ""}}, 403, "CSRF"),
    "a GET of a POST-only view": ("GET", "/sessions/{session}/delete/", {}, 405, ""),
}
# fmt: on


def filled(value, names: dict):
    """`value` with {session}, {pane}, {pane_id} filled in, in keys and values alike."""
    if isinstance(value, dict):
        return {filled(k, names): filled(v, names) for k, v in value.items()}
    return value.format(**names) if isinstance(value, str) and "{" in value else value


@pytest.mark.parametrize(
    ("method", "path", "arguments", "status", "text"), REQUESTS.values(), ids=REQUESTS.keys()
)
def test_a_hostile_request_gets_a_clear_answer_and_loses_nothing(
    visitor, method, path, arguments, status, text
):
    names = {"session": visitor.session_id, "pane": visitor.pane}
    names["pane_id"] = visitor.pane.removeprefix("p")
    arguments = arguments(visitor) if callable(arguments) else filled(arguments, names)
    before = visitor.saved_runs()
    answer = visitor.http.request(method, filled(path, names), **csrf(visitor, arguments))
    assert answer.status_code == status, visible_text(answer.text)[:300]
    assert text in visible_text(answer.text)
    assert visitor.saved_runs() == before


def csrf(visitor, arguments: dict) -> dict:
    headers = {"X-CSRFToken": visitor.csrf} | arguments.get("headers", {})
    return arguments | {"headers": {k: v for k, v in headers.items() if v}}


def test_after_all_of_it_the_page_still_streams_a_run(visitor):
    before = visitor.saved_runs()
    with visitor.socket() as socket:
        visitor.run(socket)
    after = visitor.saved_runs()
    assert after[: len(before)] == before and len(after) == len(before) + 1
    assert visitor.run_id in visitor.http.get(f"/sessions/{visitor.session_id}/").text


@pytest.mark.django_db
def test_a_sign_up_over_the_address_limit_with_an_empty_form_is_429_not_500():
    browser = Client(REMOTE_ADDR="10.66.12.1")
    statuses = [browser.post("/signup/", {}).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert "Too many sign-ups from this address" in browser.post("/signup/").content.decode()
    throttle.clear(throttle.SIGNUP, "10.66.12.1")
