"""A stored key is used for its owner's runs and found nowhere else: not in a page, a fragment,
a websocket frame, View code, the CSV export, the database's run records or a log record, even
when the provider quotes it back in an error (SK-3, SK-5, SK-6)."""

from __future__ import annotations

import json
import logging

import pytest

from playground.accounts.models import ProviderKey
from playground.models import Pane, PlaygroundSession, Run
from tests.playground.test_consumer import connect, frames_until_final
from tests.providers.upstream import Reply, ScriptedUpstream, json_reply, sse

from .conftest import CANARY
from .helpers import send_data

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER = [
    {"id": "c1", "object": "chat.completion.chunk",
     "choices": [{"index": 0, "delta": {"content": "Hello from the keyed endpoint."}}]},
    {"id": "c1", "object": "chat.completion.chunk",
     "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
     "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18}},
    "data: [DONE]\n\n",
]  # fmt: skip
ECHOED = {
    "error": {
        "message": f"Incorrect API key provided: {CANARY}. Masked: {CANARY[:7]}…{CANARY[-4:]}",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }
}


def pieces(key: str, size: int = 8) -> set[str]:
    return {key[i : i + size] for i in range(len(key) - size + 1)}


def leaks(text: str) -> list[str]:
    return sorted(piece for piece in pieces(CANARY) if piece in text)


async def test_a_stored_key_is_used_and_never_shown(async_client, alice, keyed_provider, caplog):
    caplog.set_level(logging.DEBUG)
    upstream = await ScriptedUpstream([Reply(body=[sse(*ANSWER)]), json_reply(401, ECHOED)]).start()
    try:
        ref = keyed_provider(f"{upstream.url}/v1")
        seen = await _use_the_key(async_client, alice, ref)
    finally:
        await upstream.stop()

    assert [r.headers["authorization"] for r in upstream.requests] == [f"Bearer {CANARY}"] * 2
    runs = [r async for r in Run.objects.order_by("created_at")]
    assert [r.status for r in runs] == ["done", "failed"]
    assert "Hello from the keyed endpoint." in runs[0].text
    assert "[key redacted]" in runs[1].provider_message + runs[1].error_message
    assert "your Keyed endpoint key (API keys)" in runs[1].error_message
    seen += await _every_page(async_client, runs)
    seen += [json.dumps(r.request) + r.error_message + r.provider_message for r in runs]
    seen += [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    assert caplog.records  # the run really was logged at DEBUG, and without the key
    for text in seen:
        assert not leaks(text), leaks(text)
    assert await ProviderKey.objects.acount() == 1


async def _use_the_key(async_client, user, ref) -> list[str]:
    """Store the key, then one good run and one whose 401 quotes the key back."""
    await async_client.aforce_login(user)
    stored = await async_client.post("/account/keys/keyed/", {"key": CANARY})
    page = await async_client.get("/", follow=True)
    session = await PlaygroundSession.objects.alatest("created_at")
    pane = await Pane.objects.aget(session=session)
    communicator, connected, _ = await connect(session, async_client.cookies["sessionid"].value)
    assert connected
    frames = []
    for prompt in ("Say hello", "Again"):
        data = send_data(pane, model_ref=ref, prompt=prompt, max_tokens="64")
        await communicator.send_to(text_data=json.dumps(data))
        frames += await frames_until_final(communicator, timeout=15)
    await communicator.disconnect()
    return [stored.content.decode(), page.content.decode(), *frames]


async def _every_page(async_client, runs) -> list[str]:
    session_id = (await Pane.objects.aget(pk=runs[0].pane_id)).session_id
    urls = ["/", f"/sessions/{session_id}/", "/sessions/", "/account/keys/", "/account/",
            "/usage/", "/usage/runs.csv?days=7"]  # fmt: skip
    urls += [f"/sessions/{session_id}/runs/{run.id}/code/" for run in runs]
    bodies = []
    for url in urls:
        response = await async_client.get(url, follow=True)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        bodies.append(content.decode())
    code = bodies[-1]
    assert "$KEYED_ENDPOINT_API_KEY" in code  # View code names the variable, never the key
    return bodies
