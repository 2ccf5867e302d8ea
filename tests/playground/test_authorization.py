"""Authorization on every URL and on the websocket (AZ-1, AZ-2, SH-6): another browser's
session, pane, run, attachment, share link, export or stream is not found (404, never 403),
whatever the method. The HTTP side walks the URL configuration, so a new route is covered (or
fails here, asking for a value for its new parameter) without anyone remembering to add it."""

import json
import secrets

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from playground.models import Attachment, PlaygroundSession, Run, ShareLink
from tests.playground.helpers import add_run, open_session, share, stranger
from tests.playground.test_consumer import FAST, connect, form, frames_until_final, open_page

OBJECT_PARAMETERS = {
    "session_id", "pane_id", "run_id", "round_id", "attachment_id", "share_id", "token"
}  # fmt: skip


def routes(patterns=None):
    """(name, parameter names) of every named route of the playground's own views (accounts
    and the admin have their inventory in tests/accounts/test_authorization.py)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns)
        elif isinstance(entry, URLPattern) and entry.name and _ours(entry):
            yield entry.name, set(entry.pattern.converters)


def _ours(entry: URLPattern) -> bool:
    module = getattr(entry.callback, "__module__", "")
    return module.startswith("playground.views.")


OWNED = sorted((name, params) for name, params in routes() if params & OBJECT_PARAMETERS)
# A share link's token is shown once and opens the page to anyone: tests/playground/test_sharing.py.
BY_ID = [(name, params) for name, params in OWNED if "token" not in params]


@pytest.fixture
def victim(client):
    """Another browser's session with one of everything in it."""
    session, pane, _ = open_session(client)
    request = {
        "url": "https://api.example/v1/chat/completions",
        "headers": {},
        "json": {"model": "seed-2-0-mini", "stream": True},
    }
    run = add_run(pane, prompt="private", request=request)
    upload = SimpleUploadedFile("notes.txt", b"secret notes", content_type="text/plain")
    client.post("/attachments/", {"file": upload})
    share(client, session)
    return {
        "session_id": session.id,
        "pane_id": pane.id,
        "run_id": run.id,
        "round_id": run.round_id,
        "attachment_id": Attachment.objects.get().id,
        "share_id": ShareLink.objects.get().id,
        "token": secrets.token_urlsafe(32),  # the attacker's guess: the real one is never shown
        "fmt": "json",
    }


def test_the_inventory_knows_every_owned_route():
    names = {name for name, _ in OWNED}
    assert {
        "session",
        "run_code",
        "attachment",
        "share_revoke",
        "shared",
        "session_export",
        "session_duplicate",
        "pane_settings",
    } <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), OWNED, ids=[name for name, _ in OWNED])
def test_another_browsers_object_is_not_found_on_every_route(client, victim, name, params):
    missing = params - set(victim)
    assert not missing, f"route {name!r}: add a value for {missing} to the victim fixture"
    url = reverse(name, kwargs={param: victim[param] for param in params})
    before = (Run.objects.count(), PlaygroundSession.objects.count(), ShareLink.objects.count())
    attacker = stranger()
    data = {"run": str(victim["run_id"]), "title": "x", "expires": "never", "attachment": ""}
    for method in ("get", "post", "put", "delete"):
        status = getattr(attacker, method)(url, data if method == "post" else None).status_code
        assert status in (404, 405), (method, url, status)
    after = (Run.objects.count(), PlaygroundSession.objects.count() - 1, ShareLink.objects.count())
    assert after == before  # (less the attacker's own new session)
    assert ShareLink.objects.get().revoked_at is None
    assert PlaygroundSession.objects.filter(pk=victim["session_id"], title="").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params"), BY_ID, ids=[name for name, _ in BY_ID])
def test_the_owner_reaches_every_route(client, victim, name, params):
    """The other half: the objects above are real, so the 404s are about who asks."""
    url = reverse(name, kwargs={param: victim[param] for param in params})
    statuses = {
        client.get(url).status_code,
        client.post(url, {"run": str(victim["run_id"])}).status_code,
    }
    assert statuses - {404, 405}, (url, statuses)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("simulator_url")
async def test_frames_naming_another_browsers_run_or_file_do_nothing(async_client, client):
    session, pane, cookie = await open_page(async_client)
    owner, _, _ = await connect(session, cookie)
    await owner.send_to(text_data=form(pane, f"Mine {FAST}"))
    await frames_until_final(owner)
    run = await Run.objects.aget()
    upload = SimpleUploadedFile("notes.txt", b"secret", content_type="text/plain")
    await async_client.post("/attachments/", {"file": upload})
    attachment = await Attachment.objects.aget()
    await sync_to_async(client.get)("/")
    mine = await PlaygroundSession.objects.exclude(pk=session.pk).aget()
    my_pane = await mine.panes.aget()
    intruder, connected, _ = await connect(mine, client.cookies["sessionid"].value)
    assert connected
    attempts = {
        json.dumps({"action": "regenerate", "run": str(run.id)}): "no longer exists",
        json.dumps({"action": "stop", "run": str(run.id)}): "That run does not exist.",
        json.dumps(
            json.loads(form(my_pane, "edit theirs")) | {"edit_of": str(run.id)}
        ): "no longer exists",
        json.dumps(
            {"action": "send", "prompt": "x", "attachment": [str(attachment.id)]}
        ): "no longer exists",
    }
    for message, error in attempts.items():
        await intruder.send_to(text_data=message)
        assert error in await intruder.receive_from(timeout=5)
    assert await Run.objects.acount() == 1
    _, connected, code = await connect(session, client.cookies["sessionid"].value)
    assert not connected and code == 4404  # their session's stream
    await intruder.disconnect()
    await owner.disconnect()
