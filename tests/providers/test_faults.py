"""Upstream faults (reliability-security.md §6.4): each ends in bounded time and memory with one
clear Failure, after the text received so far."""

from __future__ import annotations

import dataclasses
import socket
import tracemalloc

import pytest

from tests.providers.helpers import FAST, SECRET, RecordingSleep, make_request, run
from tests.providers.upstream import Close, Hang, Pause, Repeat, Reply, Reset, json_reply, sse

TIMED = dataclasses.replace(FAST, first_token=0.4, idle=0.4, total=3.0)
DONE = b"data: [DONE]\n\n"


def content(text: str) -> bytes:
    return sse({"choices": [{"index": 0, "delta": {"content": text}}]})


def no_key_leaks(failure) -> None:
    assert SECRET not in failure.message and SECRET not in failure.provider_message


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- cannot connect -------------------------------------------------------------------------------


async def test_connection_refused_is_retried_then_says_cannot_reach(client):
    sleep = RecordingSleep()
    outcome = await run(client, make_request(f"http://127.0.0.1:{closed_port()}"), sleep=sleep)
    assert outcome.failure.kind == "connect"
    assert outcome.failure.message == (
        "Cannot reach 127.0.0.1: connection refused. Check the base URL or your network."
    )
    assert [r.reason for r in outcome.retries] == ["connection refused"] * 2
    assert len(sleep.delays) == 2


async def test_dns_failure_says_the_host_name_could_not_be_resolved(client):
    outcome = await run(client, make_request("http://no-such-host.invalid"), sleep=RecordingSleep())
    assert outcome.failure.kind == "dns"
    assert outcome.failure.message.startswith(
        "Cannot reach no-such-host.invalid: the host name could not be resolved"
    )


async def test_an_invalid_base_url_fails_without_a_request(client):
    outcome = await run(client, make_request("ftp://example.test/v1"))
    assert outcome.failure.kind == "connect"
    assert "not a valid http(s) URL" in outcome.failure.message


async def test_connect_timeout_when_the_server_never_accepts(client):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    try:
        for _ in range(4):  # fill the accept queue so further SYNs go unanswered
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(listener.getsockname())
            fillers.append(filler)
        limits = dataclasses.replace(TIMED, connect=0.3, max_retries=0)
        outcome = await run(
            client, make_request(f"http://127.0.0.1:{listener.getsockname()[1]}"), limits=limits
        )
    finally:
        for sock in [listener, *fillers]:
            sock.close()
    assert outcome.failure.kind == "timeout_connect"
    assert outcome.elapsed < 1.5


# --- HTTP error statuses --------------------------------------------------------------------------


def openai_error(message: str, code: str = "x", kind: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def ark_error(message: str, code: str, kind: str) -> dict:
    return {"error": {"code": code, "message": f"{message} Request id: 0217abc", "type": kind}}


STATUS_CASES = [
    # status, body, expected kind, retried, text expected in the message
    (
        400,
        openai_error("Unsupported parameter: 'max_tokens'."),
        "bad_request",
        False,
        "EmpirioLabs rejected the request (HTTP 400): Unsupported parameter: 'max_tokens'. Check",
    ),
    (
        400,
        ark_error(
            "The parameter `tool_choice.type` is not valid.", "InvalidParameter", "BadRequest"
        ),
        "bad_request",
        False,
        "The parameter `tool_choice.type` is not valid. Request id: 0217abc",
    ),
    (
        401,
        openai_error("Incorrect API key provided: sk-te****123.", "invalid_api_key"),
        "auth",
        False,
        "The API key was rejected by EmpirioLabs (HTTP 401). Check EMPIRIOLABS_API_KEY.",
    ),
    (
        403,
        ark_error("Access denied.", "AccessDenied", "Forbidden"),
        "auth",
        False,
        "EmpirioLabs refused access with this API key (HTTP 403)",
    ),
    (
        404,
        ark_error("Model not found.", "InvalidEndpointOrModel.NotFound", "NotFound"),
        "not_found",
        False,
        "does not offer model 'seed-2-0-mini'",
    ),
    (408, openai_error("Request timed out."), "http", True, "HTTP 408"),
    (409, openai_error("Conflict."), "http", True, "HTTP 409"),
    (
        413,
        {"type": "error", "error": {"type": "request_too_large", "message": "Too large"}},
        "too_large",
        False,
        "bytes were sent",
    ),
    (
        422,
        {"error": {"code": 422, "message": "Unprocessable input", "metadata": {}}},
        "bad_request",
        False,
        "Unprocessable input",
    ),
    (
        429,
        ark_error(
            "inference exceeds tpm/rpm limit",
            "RateLimitExceeded.EndpointRPMExceeded",
            "TooManyRequests",
        ),
        "rate_limited",
        True,
        "Rate limited by EmpirioLabs (HTTP 429).",
    ),
    (
        429,
        openai_error(
            "You exceeded your current quota.", "insufficient_quota", "insufficient_quota"
        ),
        "quota",
        False,
        "out of quota (HTTP 429)",
    ),
    (
        500,
        openai_error("The server had an error.", "server_error", "server_error"),
        "server",
        True,
        "EmpirioLabs had a server error (HTTP 500)",
    ),
    (
        502,
        ark_error("Bad gateway.", "InternalServiceError", "InternalServerError"),
        "server",
        True,
        "HTTP 502",
    ),
    (
        503,
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        "server",
        True,
        "HTTP 503",
    ),
    (504, openai_error("Gateway timeout."), "server", True, "HTTP 504"),
]


@pytest.mark.parametrize(("status", "body", "kind", "retried", "says"), STATUS_CASES)
async def test_http_error_status_becomes_a_clear_failure(
    upstream, client, status, body, kind, retried, says
):
    server = await upstream(json_reply(status, body))
    outcome = await run(client, make_request(server.url), sleep=RecordingSleep())
    failure = outcome.failure
    assert (failure.kind, failure.status) == (kind, status)
    assert says in failure.message
    assert failure.provider_message == errors_message(body)
    assert len(server.requests) == (3 if retried else 1)
    assert len(outcome.retries) == (2 if retried else 0)
    no_key_leaks(failure)


def errors_message(body: dict) -> str:
    return body["error"]["message"]


async def test_429_with_retry_after_reports_the_wait(upstream, client):
    server = await upstream(
        json_reply(429, openai_error("Slow down", "rate_limit_exceeded"), {"retry-after": "30"})
    )
    sleep = RecordingSleep()
    limits = dataclasses.replace(FAST, total=100)
    outcome = await run(client, make_request(server.url), limits=limits, sleep=sleep)
    assert outcome.failure.message == "Rate limited by EmpirioLabs (HTTP 429). Retry after 30 s."
    assert outcome.failure.retry_after == 30 and outcome.failure.retryable
    assert sleep.delays == [30, 30]


async def test_a_non_json_error_body_is_shown_as_plain_text(upstream, client):
    page = b"<html><body>\n\t502 Bad Gateway\x00 from nginx" + b" padding" * 100 + b"</body></html>"
    server = await upstream(Reply(status=502, headers={"content-type": "text/html"}, body=[page]))
    outcome = await run(client, make_request(server.url), sleep=RecordingSleep())
    failure = outcome.failure
    assert failure.kind == "server"
    assert failure.provider_message.startswith("<html><body> 502 Bad Gateway from nginx padding")
    assert len(failure.provider_message) <= 200
    assert "\x00" not in failure.message and "\n" not in failure.message


# --- timeouts -------------------------------------------------------------------------------------


async def test_stall_before_the_first_byte_hits_the_first_token_timeout(upstream, client):
    server = await upstream(Reply(head=False, body=[Hang()]))
    outcome = await run(client, make_request(server.url), limits=TIMED)
    assert outcome.failure.kind == "timeout_first_token"
    assert "sent no answer within 0.4 s" in outcome.failure.message
    assert 0.35 <= outcome.elapsed < 0.9
    assert len(server.requests) == 1  # our own deadline is not retried


async def test_headers_then_silence_also_hits_the_first_token_timeout(upstream, client):
    server = await upstream(Reply(body=[b": connected\n\n", Hang()]))
    outcome = await run(client, make_request(server.url), limits=TIMED)
    assert outcome.failure.kind == "timeout_first_token"


async def test_stall_mid_stream_hits_the_idle_timeout_and_keeps_text(upstream, client):
    server = await upstream(Reply(body=[content("one "), content("two"), Hang()]))
    outcome = await run(client, make_request(server.url), limits=TIMED)
    assert outcome.text == "one two"
    assert outcome.failure.kind == "timeout_idle"
    assert 0.35 <= outcome.elapsed < 0.9
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "filler", [b": keep-alive\n\n", content(""), b'event: ping\ndata: {"type": "ping"}\n\n']
)
async def test_keep_alives_forever_do_not_reset_the_idle_timeout(upstream, client, filler):
    server = await upstream(Reply(body=[content("start"), Repeat(filler, every=0.05)]))
    outcome = await run(client, make_request(server.url), limits=TIMED)
    assert outcome.text == "start"
    assert outcome.failure.kind == "timeout_idle"
    assert outcome.elapsed < 0.9


async def test_a_stream_that_never_ends_hits_the_total_timeout(upstream, client):
    server = await upstream(Reply(body=[Repeat(content("more "), every=0.1)]))
    limits = dataclasses.replace(TIMED, total=1.0)
    outcome = await run(client, make_request(server.url), limits=limits)
    assert outcome.text.startswith("more more more ")
    assert outcome.failure.kind == "timeout_total"
    assert "longer than the 1 s limit" in outcome.failure.message
    assert 0.95 <= outcome.elapsed < 1.5


# --- broken connections ---------------------------------------------------------------------------


async def test_connection_reset_mid_stream_keeps_text_and_is_not_retried(upstream, client):
    server = await upstream(Reply(body=[content("partial"), Reset()]))
    outcome = await run(client, make_request(server.url))
    assert outcome.text == "partial"
    assert outcome.failure.kind == "disconnected"
    assert "was lost while answering" in outcome.failure.message
    assert len(server.requests) == 1


async def test_fin_in_the_middle_of_the_chunked_body_keeps_text(upstream, client):
    server = await upstream(Reply(body=[content("half"), Close()]))
    outcome = await run(client, make_request(server.url))
    assert outcome.text == "half" and outcome.failure.kind == "disconnected"
    assert len(server.requests) == 1


@pytest.mark.parametrize("ending", [Reset(), Close()])
async def test_connection_dropped_before_headers_is_retried(upstream, client, ending):
    server = await upstream(Reply(head=False, body=[ending]))
    outcome = await run(client, make_request(server.url), sleep=RecordingSleep())
    assert outcome.failure.kind == "disconnected"
    assert "before answering" in outcome.failure.message
    assert len(server.requests) == 3


async def test_stream_ending_without_done_or_finish_reason_is_truncated(upstream, client):
    server = await upstream(Reply(body=[content("abc"), Pause(0.01)]))
    outcome = await run(client, make_request(server.url))
    assert outcome.text == "abc"
    assert outcome.failure.kind == "truncated"
    assert "ended early" in outcome.failure.message


async def test_chat_error_frame_mid_stream_keeps_text_and_fails(upstream, client):
    error = {
        "error": {
            "message": "The server had an error while processing your request.",
            "type": "server_error",
        }
    }
    server = await upstream(Reply(body=[content("so "), content("far"), sse(error)]))
    outcome = await run(client, make_request(server.url))
    assert outcome.text == "so far"
    assert outcome.failure.kind == "stream_error"
    assert outcome.failure.message == (
        "EmpirioLabs reported an error during the answer: The server had an error while processing "
        "your request. The partial answer is kept; retry to get a full one."
    )
    assert len(server.requests) == 1


# --- size limits ----------------------------------------------------------------------------------


async def test_a_20_mib_single_line_is_stopped_in_bounded_memory(upstream, client):
    piece = b"x" * 65536
    twenty_mib_line = [b"data: ", Repeat(piece, times=320), b"\n\n"]
    server = await upstream(Reply(body=[content("before"), *twenty_mib_line]))
    tracemalloc.start()
    try:
        limits = dataclasses.replace(FAST, total=10)
        outcome = await run(client, make_request(server.url), limits=limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.text == "before"
    assert outcome.failure.kind == "too_big"
    assert "a line larger than the 1,048,576-byte limit" in outcome.failure.message
    assert peak < 8 * 1024 * 1024
    assert await server.wait_disconnect() is not None


async def test_a_body_beyond_max_body_bytes_is_stopped(upstream, client):
    server = await upstream(Reply(body=[Repeat(content("word "), times=2000)]))
    limits = dataclasses.replace(FAST, max_body_bytes=20_000)
    outcome = await run(client, make_request(server.url), limits=limits)
    assert outcome.failure.kind == "too_big"
    assert "a response larger than the 20,000-byte limit" in outcome.failure.message
    assert 0 < len(outcome.text) < 5 * 2000
