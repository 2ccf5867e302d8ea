"""No key value appears in a shared page, a shared frame, an export or a log line (SK-3, SK-5,
SH-3). A provider reached with a canary key echoes it back in its error (the simulator's
echo_key directive), and an older run holds it where a bug could have left it: every place that
someone else can read is scanned for it."""

import logging

import pytest
from django.test import Client

from playground.accounts.keys import key_store
from playground.catalog import get_catalog
from playground.models import Run
from tests.catalogs import KEYED
from tests.playground.helpers import add_run, open_session
from tests.playground.helpers import share as share_link
from tests.playground.test_consumer import connect, form, frames_until_final, open_page
from tests.playground.test_share_socket import follow, share

pytestmark = [pytest.mark.django_db(transaction=True)]

CANARY = "sk-canary-7f3a9c1e5b2d4068"
EMPIRIO_CANARY = "empirio-canary-4c8e2a6f1d"


@pytest.fixture
def keyed(simulator_url, settings, monkeypatch, tmp_path, caplog):
    """A provider whose key is a canary, reached over loopback; every log record kept."""
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(KEYED.format(base=simulator_url))
    settings.PLAYGROUND_CATALOG = str(catalog)
    monkeypatch.setenv("KEYED_ENDPOINT_API_KEY", CANARY)
    monkeypatch.setenv("EMPIRIOLABS_API_KEY", EMPIRIO_CANARY)
    get_catalog.cache_clear()
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "django", "channels", "daphne", "asyncio", "playground"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield
    get_catalog.cache_clear()


def assert_clean(text: str, where: str) -> None:
    for secret in (CANARY, EMPIRIO_CANARY):
        assert secret not in text, where
        assert secret[1:-1] not in text, where  # nor most of it


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
        assert "[key redacted]" in body, url


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
        assert "[key redacted]" in body, url
    for fmt in ("json", "md"):
        assert_clean(client.get(f"/sessions/{session.id}/export.{fmt}").content.decode(), fmt)


def test_on_a_login_only_instance_a_shared_page_needs_a_signed_in_viewer(client, settings):
    session, _, _ = open_session(client)
    token = share_link(client, session)
    settings.PLAYGROUND_REQUIRE_LOGIN = True
    response = Client().get(f"/s/{token}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Client().get("/robots.txt").status_code == 200
