"""No key value appears in a shared page, a shared frame, an export or a log line (SK-3, SK-5,
SH-3). A provider reached with a canary key echoes it back in its error (the simulator's
echo_key directive), and an older run holds it where a bug could have left it: every place that
someone else can read is scanned for it."""

import json
import logging

import pytest
from django.test import Client

from playground.accounts.keys import key_store
from playground.catalog import get_catalog
from playground.models import Run
from playground.providers.redact import REDACTED
from playground.simulator.echo import masked_forms
from tests.catalogs import KEYED_DIALECTS
from tests.hostile.test_key_echo import FAULTS
from tests.playground.helpers import add_run, open_session
from tests.playground.helpers import share as share_link
from tests.playground.test_consumer import (
    connect,
    form,
    frames_until_final,
    open_page,
    streamed,
)
from tests.playground.test_share_socket import follow, share

pytestmark = [pytest.mark.django_db(transaction=True)]

CANARY = "sk-canary-7f3a9c1e5b2d4068"
EMPIRIO_CANARY = "empirio-canary-4c8e2a6f1d"


@pytest.fixture
def keyed(simulator_url, settings, monkeypatch, tmp_path, caplog):
    """A provider whose key is a canary, reached over loopback; every log record kept."""
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(KEYED_DIALECTS.format(base=simulator_url))
    settings.PLAYGROUND_CATALOG = str(catalog)
    monkeypatch.setenv("KEYED_ENDPOINT_API_KEY", CANARY)
    monkeypatch.setenv("EMPIRIOLABS_API_KEY", EMPIRIO_CANARY)
    get_catalog.cache_clear()
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "django", "channels", "daphne", "asyncio", "playground"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield
    get_catalog.cache_clear()


def forms(key: str) -> set[str]:
    """The key, most of it, any eight characters of it, and its usual masked forms."""
    return {key, key[1:-1], *masked_forms(key), *(key[i : i + 8] for i in range(len(key) - 7))}


def assert_clean(text: str, where: str) -> None:
    leaked = sorted(form for key in (CANARY, EMPIRIO_CANARY) for form in forms(key) if form in text)
    assert not leaked, (where, leaked)


@pytest.mark.usefixtures("keyed")
async def test_no_key_reaches_a_share_a_frame_an_export_or_a_log(async_client, caplog, live_app):
    session, pane, cookie = await open_page(async_client)
    token = await share(async_client, session)
    viewer, _, _ = await follow(token)
    owner, _, _ = await connect(session, cookie)
    model = {"model": "keyed/seed-2-0-mini"}
    await owner.send_to(text_data=form(pane, "Key please [[sim fault=401 echo_key=1]]", **model))
    seen = await frames_until_final(viewer) + await frames_until_final(owner)
    await owner.send_to(text_data=form(pane, "Now answer [[sim tps=2000 ttft=0]]", **model))
    seen += await frames_until_final(viewer) + await frames_until_final(owner)
    failed = await Run.objects.aget(status="failed")
    assert failed.error_status == 401 and "redacted]" in failed.provider_message  # echoed
    done = await Run.objects.aget(status="done")
    assert done.request["headers"]["Authorization"] == "Bearer $KEYED_ENDPOINT_API_KEY"
    for i, frame in enumerate(seen):
        assert_clean(frame, f"frame {i}")
    await viewer.disconnect()
    await owner.disconnect()
    urls = [
        f"/s/{token}/",
        f"/s/{token}/export.json",
        f"/s/{token}/export.md",
        f"/sessions/{session.id}/export.json",
        f"/sessions/{session.id}/export.md",
        f"/sessions/{session.id}/",
        f"/sessions/{session.id}/shares/",
        f"/sessions/{session.id}/runs/{done.id}/code/",
        "/sessions/",
    ]
    for url in urls:
        response = await async_client.get(url)
        assert response.status_code == 200, url
        assert_clean(response.content.decode(), url)
    assert_clean(caplog.text, "this process's log")
    assert_clean(live_app.log.read_text(), "the live app's log")


@pytest.mark.usefixtures("keyed")
@pytest.mark.parametrize("dialect", ["chat", "responses", "messages"])
async def test_no_echoed_error_leaves_a_key_in_a_frame_a_run_or_a_log_record(
    async_client, caplog, settings, dialect
):
    """Every error kind, the key echoed whole and masked; this process's log records (every
    logger at DEBUG, captured before any handler's filter) hold none of it either."""
    settings.PLAYGROUND_MAX_RETRIES = 1
    session, pane, cookie = await open_page(async_client)
    owner, _, _ = await connect(session, cookie)
    seen = []
    for directive, _ in FAULTS:
        prompt = f"Key please [[sim {directive} echo_key=1 ttft=0 tps=2000]]"
        model = {"model": "keyed/seed-2-0-mini", "dialect": dialect}
        await owner.send_to(text_data=form(pane, prompt, **model))
        seen += await frames_until_final(owner)
    await owner.disconnect()
    runs = [run async for run in Run.objects.filter(pane=pane).order_by("created_at")]
    assert [run.error_status for run in runs] == [status for _, status in FAULTS]
    seen += [" ".join(str(getattr(run, f.attname)) for f in Run._meta.fields) for run in runs]
    ended = [r.getMessage() for r in caplog.records if r.name == "playground.runs.records"]
    ended = [line for line in ended if " failed, " in line]
    assert len(ended) == len(FAULTS) and all(REDACTED in line for line in ended), ended
    for i, text in enumerate([*seen, caplog.text]):
        assert_clean(text, i)


@pytest.mark.usefixtures("keyed")
async def test_a_model_that_repeats_a_key_streams_and_stores_it_redacted(async_client):
    """Model output is provider text too: the deltas, the stored answer and the recorded
    request lose the key (the prompt that held it is the owner's own, on their page only)."""
    session, pane, cookie = await open_page(async_client)
    owner, _, _ = await connect(session, cookie)
    prompt = f"Is {CANARY} a key? [[sim tps=2000 ttft=0]]"
    await owner.send_to(text_data=form(pane, prompt, model="keyed/seed-2-0-mini"))
    frames = await frames_until_final(owner)
    await owner.disconnect()
    run = await Run.objects.aget(pane=pane)
    assert REDACTED in run.text  # the model did repeat it
    assert_clean(streamed(frames, "answer") + streamed(frames, "reasoning"), "deltas")
    assert_clean(run.text + run.reasoning + json.dumps(run.request), "stored run")


def test_an_old_run_that_holds_a_key_is_blanked_wherever_it_is_shared(client, monkeypatch):
    """A record from before any redaction: the share page and the exports blank it anyway."""
    monkeypatch.setenv("EMPIRIOLABS_API_KEY", EMPIRIO_CANARY)
    session, pane, _ = open_session(client)
    add_run(
        pane,
        prompt=f"my key is {EMPIRIO_CANARY}",
        text=f"You said {EMPIRIO_CANARY}.",
        provider_message=f"Incorrect API key provided: {EMPIRIO_CANARY}",
        error_message="Unauthorized",
        status="failed",
        request={"headers": {"Authorization": f"Bearer {EMPIRIO_CANARY}"}},
    )
    token = share_link(client, session)
    viewer = Client()
    for url in (
        f"/s/{token}/",
        f"/s/{token}/export.json",
        f"/s/{token}/export.md",
        f"/sessions/{session.id}/export.json",
        f"/sessions/{session.id}/export.md",
    ):
        reader = viewer if url.startswith("/s/") else client
        body = reader.get(url).content.decode()
        assert_clean(body, url)
        assert REDACTED in body, url


def test_an_owners_stored_key_is_blanked_wherever_the_session_is_shared(client, django_user_model):
    """A signed-in owner's own key (stored encrypted, not in the environment) that a run's
    prompt and answer happen to hold never reaches a viewer or an export."""
    owner = django_user_model.objects.create_user("ana", "ana@example.com", "a-Long-passphrase-42")
    key_store(user=owner, provider_id="empiriolabs", raw_key=CANARY)
    client.force_login(owner)
    session, pane, _ = open_session(client)
    assert session.owner_key == f"user:{owner.pk}"
    add_run(pane, prompt=f"is {CANARY} right?", text=f"{CANARY} looks like a key.")
    token = share_link(client, session)
    for url in (f"/s/{token}/", f"/s/{token}/export.json", f"/s/{token}/export.md"):
        body = Client().get(url).content.decode()
        assert_clean(body, url)
        assert REDACTED in body, url
    for fmt in ("json", "md"):
        assert_clean(client.get(f"/sessions/{session.id}/export.{fmt}").content.decode(), fmt)


def test_on_a_login_only_instance_a_shared_page_needs_a_signed_in_viewer(client, settings):
    session, _, _ = open_session(client)
    token = share_link(client, session)
    settings.PLAYGROUND_REQUIRE_LOGIN = True
    response = Client().get(f"/s/{token}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Client().get("/robots.txt").status_code == 200
