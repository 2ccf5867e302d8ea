"""Per-user provider keys: stored encrypted, shown as …last4, checked with one tiny call,
deleted for good, used for the owner's sessions only, and failing closed."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from playground import services
from playground.access import SessionAccess
from playground.accounts.crypto import KeyUnreadable, seal, unseal
from playground.accounts.keys import KeyUnavailable, provider_key_for
from playground.accounts.models import ProviderKey
from playground.catalog import get_catalog
from playground.models import Run
from playground.providers.redact import REDACTED, redact, redact_credentials
from playground.runs.submit import Rejected, runs_submit

from .conftest import CANARY

pytestmark = pytest.mark.django_db


def pieces(key, size=8):
    return {key[i : i + size] for i in range(len(key) - size + 1)}


def store(client, provider="empiriolabs", key=CANARY):
    return client.post(f"/account/keys/{provider}/", {"key": key})


def send_data(pane, model_ref, prompt="Hello"):
    p = pane.prefix
    return {
        "action": "send", "prompt": prompt, "edit_of": "",
        f"{p}-model": model_ref, f"{p}-dialect": "chat", f"{p}-system": "",
        f"{p}-max_tokens": "64", f"{p}-reasoning_effort": "low",
    }  # fmt: skip


def own_session(user):
    session = services.session_create(owner_key=f"user:{user.pk}")
    return SessionAccess(session=session, viewer_key=f"user:{user.pk}", can_edit=True)


def test_a_stored_key_shows_only_its_last_four_characters(client, alice):
    client.force_login(alice)
    page = store(client, key=f"  {CANARY}\n").content.decode()  # pasted with blanks
    for html in (page, client.get("/account/keys/").content.decode()):
        assert f"…{CANARY[-4:]}" in html
        assert not any(piece in html for piece in pieces(CANARY))
    row = ProviderKey.objects.get(user=alice)
    assert row.last4 == CANARY[-4:] and str(row) == f"empiriolabs key …{CANARY[-4:]}"
    assert CANARY not in repr(row)


def test_the_key_is_encrypted_at_rest(client, alice):
    client.force_login(alice)
    store(client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_providerkey")
        raw = repr(cursor.fetchall())
    assert not any(piece in raw for piece in pieces(CANARY))


def test_a_key_field_is_write_only_and_checked(client, alice):
    client.force_login(alice)
    response = store(client, key="short")
    assert "8–500 characters without spaces" in response.content.decode()
    assert 'value="short"' not in response.content.decode()
    assert not ProviderKey.objects.exists()
    assert store(client, provider="simulator").status_code == 404
    assert store(client, provider="nope").status_code == 404


def test_a_ciphertext_copied_to_another_user_does_not_open(alice, bob):
    token = seal(user_id=alice.pk, provider="empiriolabs", key=CANARY)
    ProviderKey.objects.create(user=bob, provider="empiriolabs", ciphertext=token, last4="Yz1K")
    provider = get_catalog().providers["empiriolabs"]
    with pytest.raises(KeyUnavailable, match="can't be decrypted"):
        provider_key_for(provider=provider, owner_key=f"user:{bob.pk}")
    with pytest.raises(KeyUnreadable):
        unseal(token=token, user_id=alice.pk, provider="modelslab")


def test_a_user_key_wins_over_the_server_key_and_only_for_its_owner(alice, bob, monkeypatch):
    monkeypatch.setenv("EMPIRIOLABS_API_KEY", "sk-server-wide-key-000")
    provider = get_catalog().providers["empiriolabs"]
    ProviderKey.objects.create(
        user=alice, provider="empiriolabs", last4="Yz1K",
        ciphertext=seal(user_id=alice.pk, provider="empiriolabs", key=CANARY),
    )  # fmt: skip
    mine = provider_key_for(provider=provider, owner_key=f"user:{alice.pk}")
    assert (mine.value, mine.source) == (CANARY, "user") and CANARY not in repr(mine)
    theirs = provider_key_for(provider=provider, owner_key=f"user:{bob.pk}")
    assert (theirs.value, theirs.source) == ("sk-server-wide-key-000", "environment")
    anonymous = provider_key_for(provider=provider, owner_key="anon:abc")
    assert anonymous.source == "environment"


def test_models_with_a_key_are_enabled_for_that_user_only(client, alice, bob, monkeypatch):
    monkeypatch.delenv("EMPIRIOLABS_API_KEY", raising=False)
    client.force_login(alice)
    store(client)
    mine = client.get("/", follow=True).content.decode()
    assert '<option value="empiriolabs/seed-2-0-pro"' in mine
    assert 'value="empiriolabs/seed-2-0-pro" disabled' not in mine
    client.force_login(bob)
    theirs = client.get("/", follow=True).content.decode()
    assert "add your EmpirioLabs key under API keys" in theirs


def test_a_greyed_out_model_sent_by_its_id_is_refused(bob, monkeypatch):
    monkeypatch.delenv("EMPIRIOLABS_API_KEY", raising=False)
    access = own_session(bob)
    pane = access.session.panes.get()
    outcome = runs_submit(
        access=access, data=send_data(pane, "empiriolabs/seed-2-0-pro"), simulator_base="http://x"
    )
    assert isinstance(outcome, Rejected)
    assert "Seed 2.0 Pro has no API key for EmpirioLabs" in outcome.errors[0]
    assert not Run.objects.exists()


def test_with_changed_encryption_keys_a_run_is_refused_and_nothing_is_sent(
    client, alice, settings, keyed_provider
):
    ref = keyed_provider("http://127.0.0.1:9/never-called")
    settings.PLAYGROUND_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    client.force_login(alice)
    store(client, provider="keyed")
    settings.PLAYGROUND_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    access = own_session(alice)
    outcome = runs_submit(
        access=access, data=send_data(access.session.panes.get(), ref), simulator_base="x"
    )
    assert isinstance(outcome, Rejected)
    assert "can't be decrypted" in outcome.errors[0] and "enter the key again" in outcome.errors[0]
    assert not Run.objects.exists()


def test_a_malformed_encryption_key_setting_fails_closed_with_a_clear_message(
    client, alice, settings
):
    settings.PLAYGROUND_KEY_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    client.force_login(alice)
    response = store(client)
    assert response.status_code == 200
    assert "PLAYGROUND_KEY_ENCRYPTION_KEYS must list Fernet keys" in response.content.decode()
    from playground.accounts.checks import key_encryption_keys

    assert [e.id for e in key_encryption_keys(None)] == ["accounts.E001"]


def test_rotation_re_encrypts_with_the_first_key_and_is_idempotent(client, alice, bob, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PLAYGROUND_KEY_ENCRYPTION_KEYS = [old]
    client.force_login(alice)
    store(client)
    store(client, provider="modelslab", key="ms-canary-key-0042")
    settings.PLAYGROUND_KEY_ENCRYPTION_KEYS = [new, old]
    for _ in range(2):
        out = io.StringIO()
        call_command("rotate_keys", stdout=out)
        assert "Re-encrypted 2 key(s); 0 could not be decrypted." in out.getvalue()
    settings.PLAYGROUND_KEY_ENCRYPTION_KEYS = [new]
    provider = get_catalog().providers["empiriolabs"]
    assert provider_key_for(provider=provider, owner_key=f"user:{alice.pk}").value == CANARY
    settings.PLAYGROUND_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "Re-encrypted 0 key(s); 2 could not be decrypted." in out.getvalue()


def test_deleting_a_key_removes_the_ciphertext(client, alice):
    client.force_login(alice)
    store(client)
    page = client.post("/account/keys/empiriolabs/delete/", follow=True).content.decode()
    assert not ProviderKey.objects.exists() and "No key" in page


def test_check_key_makes_one_tiny_call_that_succeeds(client, alice, keyed_provider, live_app):
    keyed_provider(f"{live_app.url}/simulator/v1")
    client.force_login(alice)
    store(client, provider="keyed")
    row = client.post("/account/keys/keyed/check/", HTTP_HX_REQUEST="true").content.decode()
    assert "The key works: Keyed endpoint answered." in row
    assert ProviderKey.objects.get().check_ok is True


class Refusing(BaseHTTPRequestHandler):
    """A provider that rejects every key, quoting it back masked, as OpenAI does."""

    seen: list = []

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        Refusing.seen.append(key)
        body = {"error": {"message": f"Incorrect API key provided: {key[:6]}***{key[-4:]}.",
                          "type": "invalid_request_error", "code": "invalid_api_key"}}  # fmt: skip
        data = json.dumps(body).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def refusing_provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Refusing.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_check_key_reports_a_rejected_key(client, alice, keyed_provider, refusing_provider):
    keyed_provider(refusing_provider)
    client.force_login(alice)
    store(client, provider="keyed")
    row = client.post("/account/keys/keyed/check/", follow=True).content.decode()
    assert "Keyed endpoint refused this key (HTTP 401)" in row
    assert Refusing.seen == [CANARY]  # one call, with the user's key
    assert not any(piece in row for piece in pieces(CANARY))
    assert ProviderKey.objects.get().check_ok is False


def test_checks_are_rate_limited(client, alice, keyed_provider, refusing_provider, monkeypatch):
    from playground.accounts import throttle

    monkeypatch.setattr(throttle, "KEY_CHECK", throttle.Limit("key-check", 1, 60))
    keyed_provider(refusing_provider)
    client.force_login(alice)
    store(client, provider="keyed")
    client.post("/account/keys/keyed/check/")
    again = client.post("/account/keys/keyed/check/", follow=True).content.decode()
    assert "Too many checks" in again and len(Refusing.seen) == 1


def test_echoed_keys_are_scrubbed_from_error_text():
    key = "sk-abcdef1234567890wxyz"
    text = f"bad key {key}; masked sk-abcd…wxyz, sk-abc*********wxyz, part 1234567890 ok"
    clean = redact(text, [key])
    assert REDACTED in clean and not any(piece in clean for piece in pieces(key))
    assert "sk-abc*" not in clean and "…wxyz" not in clean


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer sk-live-0123456789abcdef",
        "headers={'authorization': 'Bearer sk-live-0123456789abcdef'}",
        "x-api-key: sk-live-0123456789abcdef",
        '{"model_id": "m", "key": "sk-live-0123456789abcdef"}',
        "api_key=sk-live-0123456789abcdef",
        "loaded gAAAAABn" + "x" * 60,
    ],
)
def test_the_log_filter_masks_credentials(line):
    clean = redact_credentials(line)
    assert "0123456789abcdef" not in clean and "x" * 60 not in clean and REDACTED in clean
