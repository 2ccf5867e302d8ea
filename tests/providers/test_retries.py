"""The retry policy: what is retried, how long we wait, and that content is never retried."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from playground.providers.retry import retry_after
from playground.providers.types import Finished, Retrying
from tests.providers.helpers import FAST, RecordingSleep, make_request, run
from tests.providers.upstream import Close, Reply, json_reply, sse

OK = Reply(
    body=[
        sse({"choices": [{"index": 0, "delta": {"content": "fine"}, "finish_reason": "stop"}]}),
        b"data: [DONE]\n\n",
    ]
)
PATIENT = dataclasses.replace(FAST, total=60.0, backoff_base=0.5, backoff_max=8.0)


def rate_limited(**headers: str) -> Reply:
    error = {"error": {"message": "Too many requests", "code": "rate_limit_exceeded"}}
    return json_reply(429, error, headers)


def overloaded(**headers: str) -> Reply:
    return json_reply(503, {"error": {"message": "Overloaded", "type": "server_error"}}, headers)


async def test_429_retry_after_one_second_really_waits_then_succeeds(upstream, client):
    server = await upstream(rate_limited(**{"retry-after": "1"}), OK)
    outcome = await run(client, make_request(server.url), limits=PATIENT)
    assert outcome.text == "fine" and outcome.end == Finished("stop")
    assert outcome.retries == [Retrying(attempt=1, delay=1.0, reason="HTTP 429")]
    assert 1.0 <= outcome.elapsed < 2.0
    first, second = server.requests
    assert second.received_at - first.received_at >= 0.95


async def test_retry_after_ms_is_preferred_and_honoured(upstream, client):
    server = await upstream(rate_limited(**{"retry-after-ms": "250", "retry-after": "9"}), OK)
    outcome = await run(client, make_request(server.url), limits=PATIENT)
    assert outcome.retries[0].delay == 0.25
    assert 0.25 <= outcome.elapsed < 1.0


async def test_retry_after_too_long_fails_immediately_without_retrying(upstream, client):
    server = await upstream(rate_limited(**{"retry-after": "300"}), OK)
    outcome = await run(client, make_request(server.url), limits=PATIENT)
    assert outcome.failure.kind == "rate_limited"
    assert outcome.failure.message == "Rate limited by EmpirioLabs (HTTP 429). Retry after 300 s."
    assert outcome.failure.retry_after == 300
    assert outcome.retries == [] and len(server.requests) == 1
    assert outcome.elapsed < 0.5


async def test_retry_after_as_an_http_date_is_parsed(upstream, client):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    server = await upstream(rate_limited(**{"retry-after": when}), OK)
    sleep = RecordingSleep()
    outcome = await run(client, make_request(server.url), limits=PATIENT, sleep=sleep)
    assert outcome.text == "fine"
    assert 17 < sleep.delays[0] <= 20


async def test_a_wait_beyond_the_total_deadline_fails_now(upstream, client):
    server = await upstream(rate_limited(**{"retry-after": "3"}), OK)
    outcome = await run(client, make_request(server.url), limits=dataclasses.replace(FAST, total=2))
    assert outcome.failure.kind == "rate_limited" and len(server.requests) == 1
    assert outcome.elapsed < 0.5


async def test_503_twice_then_200_succeeds_with_jittered_backoff(upstream, client):
    server = await upstream(overloaded(), overloaded(), OK)
    sleep = RecordingSleep()
    outcome = await run(client, make_request(server.url), limits=PATIENT, sleep=sleep)
    assert outcome.text == "fine" and outcome.end == Finished("stop")
    assert [(r.attempt, r.reason) for r in outcome.retries] == [(1, "HTTP 503"), (2, "HTTP 503")]
    assert 0.375 <= sleep.delays[0] <= 0.5 and 0.75 <= sleep.delays[1] <= 1.0
    assert [r.delay for r in outcome.retries] == sleep.delays
    assert len(server.requests) == 3


async def test_permanent_503_is_attempted_exactly_three_times(upstream, client):
    server = await upstream(overloaded())
    outcome = await run(client, make_request(server.url), limits=PATIENT, sleep=RecordingSleep())
    assert outcome.failure.kind == "server" and outcome.failure.status == 503
    assert len(server.requests) == 3 and len(outcome.retries) == 2


async def test_backoff_is_capped_at_backoff_max(upstream, client):
    server = await upstream(overloaded())
    limits = dataclasses.replace(PATIENT, max_retries=6, backoff_max=2.0)
    sleep = RecordingSleep()
    await run(client, make_request(server.url), limits=limits, sleep=sleep)
    assert len(sleep.delays) == 6 and max(sleep.delays) <= 2.0 and sleep.delays[-1] >= 1.5


async def test_no_retry_after_the_first_token(upstream, client):
    content = sse({"choices": [{"index": 0, "delta": {"content": "started"}}]})
    server = await upstream(Reply(body=[content, Close()]), OK)
    outcome = await run(client, make_request(server.url), limits=PATIENT, sleep=RecordingSleep())
    assert outcome.text == "started" and outcome.failure.kind == "disconnected"
    assert outcome.retries == [] and len(server.requests) == 1


async def test_x_should_retry_header_overrides_the_status_list(upstream, client):
    server = await upstream(overloaded(**{"x-should-retry": "false"}), OK)
    outcome = await run(client, make_request(server.url), limits=PATIENT, sleep=RecordingSleep())
    assert outcome.failure.status == 503 and len(server.requests) == 1

    bad_request = json_reply(400, {"error": {"message": "try again"}}, {"x-should-retry": "true"})
    server = await upstream(bad_request, OK)
    outcome = await run(client, make_request(server.url), limits=PATIENT, sleep=RecordingSleep())
    assert outcome.text == "fine" and len(server.requests) == 2


async def test_max_retries_zero_means_one_attempt(upstream, client):
    server = await upstream(overloaded())
    limits = dataclasses.replace(PATIENT, max_retries=0)
    outcome = await run(client, make_request(server.url), limits=limits)
    assert outcome.failure.kind == "server" and len(server.requests) == 1


def test_retry_after_header_forms():
    assert retry_after({"retry-after": "1.5"}) == 1.5
    assert retry_after({"retry-after-ms": "20"}) == 0.02
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480.0) == 10.0
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None
