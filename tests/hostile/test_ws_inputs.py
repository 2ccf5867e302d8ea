"""Hostile websocket input against the live app (daphne as `make run` starts it, real sockets):
every message gets a clear answer (an error frame naming the problem, a close code, or a refused
handshake), the consumer never dies, and nothing is lost: a run sent afterwards on the same
socket streams to its end, and the runs saved before are all still there."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.hostile.visitor import Visitor, visible_text


@pytest.fixture(scope="module")
def visitor(live_app):
    person = Visitor(live_app)
    with person.socket() as socket:
        person.run(socket)  # something saved before the hostile input
    return person


def deep(levels: int) -> str:
    return '{"action": "send", "prompt": ' + "[" * levels + "]" * levels + "}"


MESSAGES = {
    # Text the server cannot store: the field is named and nothing is sent.
    "lone high surrogate in the prompt": (
        lambda v: v.send_fields(prompt="Tides \ud800 and moon"),
        "The field 'prompt' contains half of a UTF-16 surrogate pair (U+D800) at position 7",
    ),
    "lone low surrogate in the prompt": (
        lambda v: v.send_fields(prompt="\udfff"),
        "The field 'prompt' contains half of a UTF-16 surrogate pair (U+DFFF) at position 1",
    ),
    "lone surrogate in the system prompt": (
        lambda v: v.send_fields(**{f"{v.pane}-system": "Be terse\ud83d"}),
        "-system' contains half of a UTF-16 surrogate pair (U+D83D)",
    ),
    "lone surrogate in a field name": (
        lambda v: v.send_fields(**{"pro\ud800mpt": "x"}),
        "contains half of a UTF-16 surrogate pair (U+D800) at position 4",
    ),
    "lone surrogate in a stop sequence": (
        lambda v: v.send_fields(**{f"{v.pane}-stop": "END\udc00"}),
        "-stop' contains half of a UTF-16 surrogate pair",
    ),
    "lone surrogate in a list item": (
        lambda v: v.send_fields(attachment=["\ud800"]),
        "The field 'attachment' contains half of a UTF-16 surrogate pair",
    ),
    "lone surrogate in the action": (
        lambda v: json.dumps({"action": "stop\ud800"}),
        "The field 'action' contains half of a UTF-16 surrogate pair",
    ),
    "NUL in the prompt": (
        lambda v: v.send_fields(prompt="a\x00b"),
        "The field 'prompt' contains a NUL character (U+0000) at position 2",
    ),
    "NUL in the system prompt": (
        lambda v: v.send_fields(**{f"{v.pane}-system": "\x00"}),
        "-system' contains a NUL character",
    ),
    # Shape and size.
    "objects nested 10,000 deep": (
        lambda v: '{"a":' * 10_000 + "1" + "}" * 10_000,
        "The message is nested too deeply (more than 4 levels).",
    ),
    "lists nested 100,000 deep in the prompt": (
        lambda v: deep(100_000),
        "The message is nested too deeply (more than 4 levels).",
    ),
    "nesting one level over the cap": (
        lambda v: deep(4),
        "The message is nested too deeply (more than 4 levels).",
    ),
    "deep htmx headers": (
        lambda v: v.send_fields(HEADERS={"a": {"b": {"c": {"d": 1}}}}),
        "The message is nested too deeply (more than 4 levels).",
    ),
    "a message over 512 KiB": (
        lambda v: v.send_fields(prompt="x" * (600 * 1024)),
        "The message is too large (over 512 KiB).",
    ),
    "a prompt over its 256 Ki-character limit": (
        lambda v: v.send_fields(prompt="x" * 300_000),
        "The prompt is too long: at most 262144 characters (it has 300000).",
    ),
    "2,000 fields": (
        lambda v: json.dumps({f"f{i}": "x" for i in range(2000)}),
        "The message has 2000 fields; at most 1000.",
    ),
    "10,000 run ids to resync": (
        lambda v: json.dumps({"action": "resync", "runs": [str(uuid.uuid4())] * 10_000}),
        "The field 'runs' has 10000 items; at most 100.",
    ),
    "5,000 attachment ids": (
        lambda v: v.send_fields(attachment=[str(uuid.uuid4()) for _ in range(5000)]),
        "The field 'attachment' has 5000 items; at most 100.",
    ),
    "not JSON": (lambda v: "send the prompt", "could not read"),
    "JSON but not an object": (lambda v: '["send"]', "could not read"),
    "a bare JSON string": (lambda v: '"send"', "could not read"),
    "an empty text frame": (lambda v: "", "could not read"),
    "a binary frame": (lambda v: b'{"action": "send"}', "could not read"),
    "NaN": (lambda v: v.send_fields()[:-1] + ', "repeat": NaN}', "NaN, which is not a number"),
    "Infinity": (
        lambda v: v.send_fields()[:-1] + f', "{v.pane}-max_tokens": -Infinity}}',
        "-Infinity, which is not a number",
    ),
    # Types.
    "unknown action": (lambda v: json.dumps({"action": "drop_tables"}), "Unknown action"),
    "action as a number": (lambda v: json.dumps({"action": 5}), "'action' must be text"),
    "action as null": (lambda v: json.dumps({"action": None}), "'action' must be text"),
    "prompt as a number": (lambda v: v.send_fields(prompt=42), "'prompt' must be text"),
    "prompt as a list": (lambda v: v.send_fields(prompt=["a", "b"]), "'prompt' must be text"),
    "prompt as an object": (
        lambda v: v.send_fields(prompt={"text": "hi"}),
        "The field 'prompt' has a value the server cannot use.",
    ),
    "a list of numbers": (
        lambda v: v.send_fields(attachment=[1, 2]),
        "The field 'attachment' has a value the server cannot use.",
    ),
    "runs as a number": (
        lambda v: json.dumps({"action": "resync", "runs": 7}),
        "The field 'runs' must be a list of text.",
    ),
    "stop with an object for the run": (
        lambda v: json.dumps({"action": "stop", "run": {"id": 1}}),
        "has a value the server cannot use",
    ),
    # Values the forms refuse, each naming what is allowed.
    "an empty prompt": (lambda v: v.send_fields(prompt=""), "Write a prompt first."),
    "repeat a million times": (lambda v: v.send_fields(repeat=10**6), "Repeat from 1 to 10"),
    "max tokens 10^30": (
        lambda v: v.send_fields(
            **{f"{v.pane}-model": "simulator/seed-2-0-mini", f"{v.pane}-max_tokens": 10**30}
        ),
        "Max output tokens must be a whole number from 1 to 65536.",
    ),
    "an unknown model": (
        lambda v: v.send_fields(**{f"{v.pane}-model": "evil/model"}),
        "evil/model is not one of the available choices.",
    ),
    "an unknown dialect": (
        lambda v: v.send_fields(
            **{f"{v.pane}-model": "simulator/seed-2-0-mini", f"{v.pane}-dialect": "smtp"}
        ),
        "smtp is not one of the available choices.",
    ),
    # Ids that are not, or not this session's.
    "an attachment id that is not one": (
        lambda v: v.send_fields(attachment="../../etc/passwd"),
        "That run or attachment no longer exists.",
    ),
    "edit of a run that is not one": (
        lambda v: v.send_fields(edit_of="1 OR 1=1"),
        "That run or attachment no longer exists.",
    ),
    "regenerate a run of nobody": (
        lambda v: json.dumps({"action": "regenerate", "run": str(uuid.uuid4())}),
        "That run or its model no longer exists.",
    ),
    "stop a run that is not one": (
        lambda v: json.dumps({"action": "stop", "run": "x" * 5000}),
        "That run does not exist.",
    ),
}


@pytest.mark.parametrize(("build", "answer"), MESSAGES.values(), ids=MESSAGES.keys())
def test_a_hostile_message_is_answered_and_the_socket_carries_on(visitor, build, answer):
    before = visitor.saved_runs()
    with visitor.socket() as socket:
        socket.send(build(visitor))
        frame = socket.recv(timeout=15)
        assert 'id="composer-errors"' in frame and answer in visible_text(frame)
        assert 'id="composer-reset"' not in frame  # the page keeps the prompt
        visitor.run(socket)  # the same consumer answers the next send
    after = visitor.saved_runs()
    assert after[: len(before)] == before and len(after) == len(before) + 1


IGNORED = {
    "unknown fields": lambda v: v.send_fields(evil="x", __proto__="y", constructor=1),
    "htmx headers of any content": lambda v: v.send_fields(HEADERS={"X-Evil": ["<script>"]}),
    "a settings clock past 64 bits": lambda v: v.send_fields(**{f"{v.pane}-seq": 10**30}),
    "a resync of runs that are not this session's": lambda v: json.dumps(
        {"action": "resync", "runs": ["x y", str(uuid.uuid4()), "../run"]}
    ),
}


@pytest.mark.parametrize("build", IGNORED.values(), ids=IGNORED.keys())
def test_what_the_server_does_not_use_is_ignored(visitor, build):
    before = visitor.saved_runs()
    with visitor.socket() as socket:
        message = build(visitor)
        if '"resync"' in message:
            socket.send(message)  # nothing to answer: none of them is a run to follow
            visitor.run(socket)
        else:
            visitor.run(socket, message)
    assert visitor.saved_runs()[: len(before)] == before


def close_code(socket, payload: str | bytes | list[str], *, text: bool | None = None) -> int:
    """What the server's close frame says, after sending `payload` (a list: one fragmented
    message). A reset instead of a close frame fails (rcvd is None)."""
    with pytest.raises(ConnectionClosed) as closed:
        socket.send(iter(payload) if isinstance(payload, list) else payload, text=text)
        socket.recv(timeout=15)
    assert closed.value.rcvd is not None, "the connection was dropped without a close frame"
    return closed.value.rcvd.code


FRAMES = {
    "invalid UTF-8 in a text frame": (b'{"action": "send", "prompt": "\xff\xfe"}', True, 1007),
    "a text frame of 1 MiB + 1": ("x" * (1024 * 1024 + 1), None, 1009),
    "a binary frame of 2 MiB": (b"\x00" * (2 * 1024 * 1024), None, 1009),
    "a message of 1.25 MiB in 64 KiB fragments": (["y" * 65536] * 20, None, 1009),
}


@pytest.mark.parametrize(("payload", "text", "code"), FRAMES.values(), ids=FRAMES.keys())
def test_a_frame_daphne_refuses_ends_with_its_close_code_not_a_reset(visitor, payload, text, code):
    before = visitor.saved_runs()
    with visitor.socket() as socket:
        assert close_code(socket, payload, text=text) == code
    with visitor.socket() as again:  # the page reconnects and carries on
        visitor.run(again)
    assert visitor.saved_runs()[: len(before)] == before


def refused(visitor, **kwargs) -> int:
    with pytest.raises(InvalidStatus) as refusal:
        visitor.socket(**kwargs)
    return refusal.value.response.status_code


HANDSHAKES = {
    "a session path that is not a UUID": {"path": "/ws/sessions/not-a-uuid/"},
    "a path nothing serves": {"path": "/ws/../../admin/"},
    "a session of nobody": {"path": f"/ws/sessions/{uuid.uuid4()}/"},
    "a share token of nothing": {"path": "/ws/share/%00%ff/"},
    "Origin on another port of the same host": {"origin": "http://localhost:1"},
    "Origin on the next port": {"origin": "http://127.0.0.1:{port1}"},
    "Origin with https for an http page": {"origin": "https://127.0.0.1:{port}"},
    "Origin naming localhost for 127.0.0.1": {"origin": "http://localhost:{port}"},
    "Origin of another site": {"origin": "https://evil.example"},
    "Origin null (a sandboxed frame)": {"origin": "null"},
    "no Origin": {"origin": None},
}


@pytest.mark.parametrize("handshake", HANDSHAKES.values(), ids=HANDSHAKES.keys())
def test_a_bad_handshake_is_refused_with_403_not_500(visitor, live_app, handshake):
    ports = {"port": live_app.port, "port1": live_app.port + 1}
    if handshake.get("origin"):
        handshake = handshake | {"origin": handshake["origin"].format(**ports)}
    assert refused(visitor, **handshake) == 403
    with visitor.socket() as socket:  # the page's own socket is unaffected
        visitor.run(socket)


def test_an_origin_that_is_no_url_is_refused_by_the_websocket_layer_with_400(visitor):
    assert refused(visitor, origin="http://[::1") == 400  # autobahn, before the app
    with visitor.socket() as socket:
        visitor.run(socket)


def test_an_error_inside_the_consumer_is_an_error_frame_not_a_dead_socket(visitor, live_app):
    """A real fault, not a mock: another process holds SQLite's write lock, so storing the run
    fails (after the 20 s busy timeout) inside the consumer."""
    before = visitor.saved_runs()
    with visitor.socket() as socket:
        lock = sqlite3.connect(live_app.env["SQLITE_PATH"], isolation_level=None)
        try:
            lock.execute("BEGIN IMMEDIATE")
            socket.send(visitor.send_fields())
            frame = socket.recv(timeout=60)
        finally:
            lock.close()
        assert "The server could not handle that message" in visible_text(frame)
        assert "Your prompt is still here" in visible_text(frame)
        visitor.run(socket)
    assert visitor.saved_runs()[: len(before)] == before
