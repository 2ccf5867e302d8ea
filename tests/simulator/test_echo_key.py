"""The echo_key directive: error bodies repeat the request's API key, whole and masked."""

import pytest

from playground.simulator.echo import masked_forms
from tests.simulator.helpers import BODIES, DIALECTS, assert_envelope, unique

KEY = "sk-abcdefghijklmnopqrstuvwxyz"  # 29 characters
MASKED = ["sk-abc…wxyz", "sk-abc" + "*" * 19 + "wxyz", "****wxyz"]


def test_masked_forms_are_the_usual_three():
    assert masked_forms(KEY) == MASKED


def test_a_short_key_is_never_shown_nearly_whole_when_masked():
    assert masked_forms("abcdefgh") == ["ab…gh", "ab****gh", "****gh"]
    assert masked_forms("ab") == ["…", "**", "****"]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("status", [400, 401, 403])
def test_http_faults_echo_the_bearer_key_whole_and_masked(simulator, dialect, status):
    reply = simulator.post(
        dialect,
        BODIES[dialect](unique(f"Key please [[sim fault={status} echo_key=1]]")),
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert reply.status_code == status
    assert_envelope(dialect, reply.json())
    message = reply.json()["error"]["message"]
    assert message.count(KEY) == 1
    assert all(form in message for form in MASKED)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_midstream_error_echoes_the_key(simulator, dialect):
    result = simulator.stream(
        dialect,
        BODIES[dialect](unique("Tell me about geese.")),
        headers={"X-Simulator": "fault=error after=3 echo_key=1", "Authorization": f"Bearer {KEY}"},
    )
    errors = [p for p in result.payloads if p.get("error")]
    assert errors and all(KEY in p["error"]["message"] for p in errors)
    assert all(form in errors[0]["error"]["message"] for form in MASKED)
    if dialect == "responses":  # the failed Response repeats the error, key included
        failed = result.payloads[-1]["response"]["error"]["message"]
        assert KEY in failed


def test_the_x_api_key_header_is_echoed(simulator):
    reply = simulator.post(
        "messages",
        BODIES["messages"](unique("x-api-key")),
        headers={"X-Simulator": "fault=401 echo_key=1", "x-api-key": KEY},
    )
    assert KEY in reply.json()["error"]["message"]


def test_a_key_in_the_json_body_is_echoed(simulator):
    body = {**BODIES["chat"](unique("body key")), "key": KEY}
    reply = simulator.post("chat", body, headers={"X-Simulator": "fault=403 echo_key=1"})
    assert KEY in reply.json()["error"]["message"]


def test_non_streaming_error_fault_echoes_the_key(simulator):
    reply = simulator.post(
        "messages",
        BODIES["messages"](unique("529 please")),
        headers={"X-Simulator": "fault=error echo_key=1", "x-api-key": KEY},
    )
    assert reply.status_code == 529 and KEY in reply.json()["error"]["message"]


def test_without_echo_key_the_key_is_not_repeated(simulator):
    reply = simulator.post(
        "chat",
        BODIES["chat"](unique("no echo [[sim fault=401]]")),
        headers={"Authorization": f"Bearer {KEY}"},
    )
    message = reply.json()["error"]["message"]
    assert reply.status_code == 401 and "wxyz" not in message and "sk-abc" not in message


def test_a_request_without_a_key_says_so(simulator):
    reply = simulator.post("chat", BODIES["chat"](unique("keyless [[sim fault=401 echo_key=1]]")))
    assert reply.json()["error"]["message"].endswith("No API key was provided.")


def test_echo_key_accepts_only_flags(simulator):
    reply = simulator.post("chat", BODIES["chat"]("hi"), headers={"X-Simulator": "echo_key=maybe"})
    assert reply.status_code == 400 and "echo_key" in reply.json()["error"]["message"]
