"""AZ-1/AZ-2: with two people, every URL and the websocket treat the other's objects as
missing (404, never 403), change nothing, and show nothing of them. The inventory covers every
route: a new route without a case here fails test_every_route_has_an_authorization_case."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from playground import services
from playground.access import SessionAccess
from playground.accounts.keys import key_store
from playground.accounts.models import MonthlyBudget, ProviderKey
from playground.models import Attachment, PlaygroundSession, Round, Run, ShareLink
from playground.sharing import share_create
from tests.playground.test_consumer import connect

from .conftest import CANARY
from .helpers import FAST, send_data
from .test_usage import add_run

pytestmark = pytest.mark.django_db


@dataclass
class Alice:
    user: object
    session: PlaygroundSession
    run: Run
    attachment: Attachment

    @property
    def pane(self):
        return self.session.panes.get()


@pytest.fixture
def mine(alice):
    """Alice's session (with a run and a title), upload, key and budget."""
    session = services.session_create(owner_key=f"user:{alice.pk}")
    PlaygroundSession.objects.filter(pk=session.pk).update(title="Alice private plans")
    run = add_run(session, cost="0.42")
    session.panes.update(head=run)
    upload = SimpleUploadedFile("alice.txt", b"secret notes", content_type="text/plain")
    attachment = services.attachment_create(owner_key=f"user:{alice.pk}", upload=upload)
    key_store(user=alice, provider_id="empiriolabs", raw_key=CANARY)
    MonthlyBudget.objects.create(user=alice, limit=7)
    session.refresh_from_db()
    return Alice(alice, session, run, attachment)


@pytest.fixture
def as_bob(bob):
    client = Client()
    client.force_login(bob)
    client.get("/", follow=True)  # Bob has a session of his own
    return client


def missing(response):
    assert response.status_code == 404, response.status_code


def untouched(a: Alice):
    a.session.refresh_from_db()
    assert a.session.title == "Alice private plans" and a.session.owner_key == f"user:{a.user.pk}"
    assert Run.objects.filter(pane__session=a.session).count() == 1
    assert ProviderKey.objects.filter(user=a.user).exists()
    assert MonthlyBudget.objects.get(user=a.user).limit == 7


def hidden(response, a: Alice):
    text = response.content.decode()
    for secret in ("Alice private plans", str(a.session.id), f"…{CANARY[-4:]}", "$0.420000"):
        assert secret not in text, secret


CASES = {
    "index": lambda c, a: hidden(c.get("/", follow=True), a),
    "sessions": lambda c, a: hidden(c.get("/sessions/"), a),
    "session_new": lambda c, a: hidden(c.post("/sessions/new/", follow=True), a),
    "session": lambda c, a: missing(c.get(f"/sessions/{a.session.id}/")),
    "session_rename": lambda c, a: missing(
        c.post(f"/sessions/{a.session.id}/rename/", {"title": "pwned"})
    ),
    "session_delete": lambda c, a: missing(c.post(f"/sessions/{a.session.id}/delete/")),
    "estimate": lambda c, a: missing(
        c.post(f"/sessions/{a.session.id}/estimate/", {"prompt": "hi"})
    ),
    "pane_settings": lambda c, a: missing(
        c.post(f"/sessions/{a.session.id}/panes/{a.pane.id}/settings/", {"system": "x"})
    ),
    "pane_add": lambda c, a: missing(c.post(f"/sessions/{a.session.id}/panes/add/")),
    "pane_duplicate": lambda c, a: missing(
        c.post(f"/sessions/{a.session.id}/panes/{a.pane.id}/duplicate/")
    ),
    "pane_remove": lambda c, a: missing(
        c.post(f"/sessions/{a.session.id}/panes/{a.pane.id}/remove/")
    ),
    "pane_move": lambda c, a: missing(
        c.post(f"/sessions/{a.session.id}/panes/{a.pane.id}/move/", {"step": "1"})
    ),
    "pane_copy_to_all": lambda c, a: missing(
        c.post(f"/sessions/{a.session.id}/panes/{a.pane.id}/copy-to-all/")
    ),
    "panes_preset": lambda c, a: missing(
        c.post(f"/sessions/{a.session.id}/presets/", {"preset": "models"})
    ),
    "session_compare": lambda c, a: missing(
        c.post(f"/sessions/{a.session.id}/compare/", {"blind": "on"})
    ),
    "round_preferred": lambda c, a: missing(
        c.post(
            f"/sessions/{a.session.id}/rounds/{Round.objects.create(session=a.session).id}/prefer/",
            {"run": a.run.id},
        )
    ),
    "runs_diff": lambda c, a: missing(
        c.get(f"/sessions/{a.session.id}/diff/", {"a": a.run.id, "b": a.run.id})
    ),
    "pane_branch": lambda c, a: missing(
        c.post(f"/sessions/{a.session.id}/panes/{a.pane.id}/branch/", {"run": a.run.id})
    ),
    "run_code": lambda c, a: (
        missing(c.get(f"/sessions/{a.session.id}/runs/{a.run.id}/code/")),
        missing(c.get(f"/sessions/{own(c).id}/runs/{a.run.id}/code/")),
    ),
    "attachment_upload": lambda c, a: hidden(
        c.post("/attachments/", {"file": SimpleUploadedFile("b.txt", b"b", "text/plain")}), a
    ),
    "attachment": lambda c, a: missing(c.get(f"/attachments/{a.attachment.id}/")),
    "signup": lambda c, a: hidden(c.get("/signup/"), a),
    "login": lambda c, a: c.get("/login/"),
    "logout": lambda c, a: c.post("/logout/"),
    "account": lambda c, a: hidden(c.get("/account/"), a),
    "account_close": lambda c, a: hidden(c.post("/account/delete/", {"password": "wrong"}), a),
    "password_change": lambda c, a: hidden(c.get("/account/password/"), a),
    "password_reset": lambda c, a: hidden(c.get("/account/password/reset/"), a),
    "password_reset_done": lambda c, a: hidden(c.get("/account/password/reset/sent/"), a),
    "password_reset_confirm": lambda c, a: hidden(
        c.get("/account/password/reset/MQ/set-password/", follow=True), a
    ),
    "password_reset_complete": lambda c, a: hidden(c.get("/account/password/reset/done/"), a),
    "keys": lambda c, a: hidden(c.get("/account/keys/"), a),
    "key_save": lambda c, a: hidden(
        c.post("/account/keys/empiriolabs/", {"key": "sk-bobs-own-key-123"}, follow=True), a
    ),
    "key_check": lambda c, a: missing(c.post("/account/keys/empiriolabs/check/")),
    "key_delete": lambda c, a: hidden(c.post("/account/keys/empiriolabs/delete/", follow=True), a),
    "usage": lambda c, a: (
        missing(c.get(f"/usage/?user={a.user.pk}")),
        hidden(c.get("/usage/"), a),
    ),
    "usage_csv": lambda c, a: (
        missing(c.get(f"/usage/runs.csv?user={a.user.pk}")),
        hidden(c.get("/usage/runs.csv"), a),
    ),
    "budget_save": lambda c, a: missing(
        c.post("/usage/budget/", {"limit": "99999", "user": a.user.pk})
    ),
    # Library, exports and share links (#10). A share token is never shown to anyone but its
    # owner, so the other person can only guess one.
    "session_import": lambda c, a: hidden(c.post("/sessions/import/", {}), a),
    "session_duplicate": lambda c, a: missing(c.post(f"/sessions/{a.session.id}/duplicate/")),
    "session_export": lambda c, a: (
        missing(c.get(f"/sessions/{a.session.id}/export.json")),
        missing(c.get(f"/sessions/{a.session.id}/export.md")),
    ),
    "shares": lambda c, a: missing(c.get(f"/sessions/{a.session.id}/shares/")),
    "share_new": lambda c, a: missing(
        c.post(f"/sessions/{a.session.id}/shares/new/", {"expires": "never"})
    ),
    "share_revoke": lambda c, a: link_kept(c, a, "revoke"),
    "share_regenerate": lambda c, a: link_kept(c, a, "regenerate"),
    "shared": lambda c, a: missing(c.get(f"/s/{secrets.token_urlsafe(32)}/")),
    "shared_fork": lambda c, a: missing(c.post(f"/s/{secrets.token_urlsafe(32)}/fork/")),
    "shared_export": lambda c, a: missing(c.get(f"/s/{secrets.token_urlsafe(32)}/export.json")),
    "robots": lambda c, a: hidden(c.get("/robots.txt"), a),
}


def link_kept(client, a: Alice, action: str) -> None:
    """Alice's share link can be neither revoked nor regenerated by anyone else."""
    access = SessionAccess(session=a.session, viewer_key=a.session.owner_key, can_edit=True)
    link, _ = share_create(access=access, display_name="", lifetime="never")
    missing(client.post(f"/sessions/{a.session.id}/shares/{link.id}/{action}/"))
    missing(client.post(f"/sessions/{own(client).id}/shares/{link.id}/{action}/"))
    assert ShareLink.objects.filter(session=a.session, revoked_at=None).count() == 1


def own(client) -> PlaygroundSession:
    return PlaygroundSession.objects.get(owner_key=f"user:{client.session['_auth_user_id']}")


def route_names(patterns=None, prefix="") -> set[str]:
    names = set()
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name != "admin":  # staff-only, guarded by the admin itself
                names |= route_names(entry.url_patterns, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(entry.name)
    return names


def test_every_route_has_an_authorization_case():
    assert route_names() == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_another_persons_objects_are_missing_on_every_route(name, mine, as_bob):
    CASES[name](as_bob, mine)
    untouched(mine)


def test_the_admin_is_staff_only(as_bob):
    assert as_bob.get("/admin/").status_code == 302
    assert as_bob.get("/admin/accounts/providerkey/").status_code == 302


def test_the_admin_shows_keys_as_fingerprints_only(client, admin_user, mine):
    client.force_login(admin_user)
    row = ProviderKey.objects.get()
    pages = [
        client.get("/admin/accounts/providerkey/").content.decode(),
        client.get(f"/admin/accounts/providerkey/{row.pk}/change/").content.decode(),
        client.get("/admin/accounts/providerkey/?q=canary").content.decode(),
    ]
    assert f"…{CANARY[-4:]}" in pages[0]
    for page in pages:
        assert CANARY not in page and row.ciphertext[:20] not in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("simulator_url")
async def test_a_websocket_never_reaches_another_persons_session_or_runs(async_client, alice, bob):
    from asgiref.sync import sync_to_async

    theirs = await sync_to_async(services.session_create)(owner_key=f"user:{alice.pk}")
    their_run = await sync_to_async(add_run)(theirs)
    await async_client.aforce_login(bob)
    await async_client.get("/")
    cookie = async_client.cookies["sessionid"].value
    _, connected, code = await connect(theirs, cookie)
    assert not connected and code == 4404
    mine = await PlaygroundSession.objects.aget(owner_key=f"user:{bob.pk}")
    pane = await mine.panes.aget()
    communicator, connected, _ = await connect(mine, cookie)
    assert connected
    for message in (
        {"action": "stop", "run": str(their_run.id)},
        {"action": "regenerate", "run": str(their_run.id)},
        send_data(pane, prompt=f"Edit theirs {FAST}") | {"edit_of": str(their_run.id)},
    ):
        await communicator.send_to(text_data=json.dumps(message))
        reply = await communicator.receive_from(timeout=5)
        assert "no longer exists" in reply or "does not exist" in reply
    await communicator.disconnect()
    assert await Run.objects.acount() == 1
