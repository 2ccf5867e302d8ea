"""Sign-up, log-in, log-out, passwords, closed sign-up, required log-in, and sessions made
before logging in moving into the account."""

import re

import pytest
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from playground.asgi import application
from playground.models import Attachment, PlaygroundSession

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_up(client, username="carol", email="carol@example.com", password=PASSWORD, **extra):
    data = {"username": username, "email": email, "password1": password, "password2": password}
    return client.post("/signup/", data | extra)


def log_in(client, username, password=PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def test_a_first_visitor_finds_sign_up_in_the_top_bar_and_signs_up(client, django_user_model):
    page = client.get("/", follow=True).content.decode()
    assert 'href="/login/' in page and "Sign up / Log in" in page
    assert "Sign up" in client.get("/login/").content.decode()
    response = sign_up(client)
    assert response.status_code == 302
    user = django_user_model.objects.get(username="carol")
    page = client.get("/", follow=True).content.decode()
    assert "carol" in page and "Log out" in page and "API keys" in page
    assert user.check_password(PASSWORD)


def test_sign_up_checks_the_password_and_a_taken_address(client, alice):
    weak = sign_up(client, password="123")
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    taken = sign_up(client, username="alice2", email="ALICE@example.com")
    assert "An account with this e-mail address exists" in taken.content.decode()


def test_sessions_made_before_sign_up_move_into_the_account(client):
    client.get("/", follow=True)
    before = PlaygroundSession.objects.get()
    upload = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    client.post("/attachments/", {"file": upload})
    sign_up(client)
    owner = f"user:{client.session['_auth_user_id']}"
    before.refresh_from_db()
    assert before.owner_key == owner
    assert Attachment.objects.get().owner_key == owner
    assert client.get(f"/sessions/{before.id}/").status_code == 200


def test_sessions_made_before_log_in_move_into_the_account(client, alice):
    client.get("/", follow=True)
    anonymous = PlaygroundSession.objects.get()
    assert log_in(client, "alice").status_code == 302
    anonymous.refresh_from_db()
    assert anonymous.owner_key == f"user:{alice.pk}"
    # Another browser never sees it, and logging out leaves it with the account.
    assert Client().get(f"/sessions/{anonymous.id}/").status_code == 404
    client.post("/logout/")
    assert client.get(f"/sessions/{anonymous.id}/").status_code == 404
    log_in(client, "alice")
    assert client.get(f"/sessions/{anonymous.id}/").status_code == 200


def test_a_wrong_password_logs_nobody_in_and_says_so(client, alice):
    response = log_in(client, "alice", "not-the-password")
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_log_out_is_a_post_and_ends_the_session(client, alice):
    log_in(client, "alice")
    assert client.get("/logout/").status_code == 405
    client.post("/logout/")
    assert "_auth_user_id" not in client.session


def test_sign_up_closed_leaves_log_in_only(client, settings, django_user_model):
    settings.PLAYGROUND_SIGNUP = "closed"
    page = client.get("/signup/")
    assert page.status_code == 403 and "Sign-up is closed" in page.content.decode()
    assert sign_up(client).status_code == 403
    assert not django_user_model.objects.exists()
    login_page = client.get("/login/").content.decode()
    assert "ask an administrator" in login_page and 'href="/signup/' not in login_page


def test_with_sign_up_closed_the_admin_adds_people(client, settings, admin_user):
    settings.PLAYGROUND_SIGNUP = "closed"
    client.force_login(admin_user)
    form = client.get("/admin/auth/user/add/")
    assert form.status_code == 200
    data = {
        "username": "dave",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "usable_password": "true",
    }
    assert client.post("/admin/auth/user/add/", data).status_code == 302
    fresh = Client()
    assert log_in(fresh, "dave").status_code == 302


def test_change_password(client, alice):
    client.force_login(alice)
    data = {
        "old_password": PASSWORD,
        "new_password1": "another-Long-pass-77",
        "new_password2": "another-Long-pass-77",
    }
    assert client.post("/account/password/", data).status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("another-Long-pass-77")


def test_reset_password_by_mail_link(client, alice):
    response = client.post("/account/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302 and len(mail.outbox) == 1
    link = re.search(r"http://testserver(/account/password/reset/\S+/)", mail.outbox[0].body)[1]
    form = client.get(link, follow=True)
    assert "Set a new password" in form.content.decode()
    data = {"new_password1": "reset-Long-pass-99", "new_password2": "reset-Long-pass-99"}
    done = client.post(form.redirect_chain[-1][0], data, follow=True)
    assert "Password set" in done.content.decode()
    assert log_in(Client(), "alice", "reset-Long-pass-99").status_code == 302


def test_the_console_backend_prints_reset_mail_by_default():
    from django.conf import settings as live

    assert live.EMAIL_BACKEND in {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",  # pytest-django swaps it in tests
    }


def test_anonymous_use_stays_possible_by_default(client):
    assert client.get("/", follow=True).status_code == 200


def test_required_log_in_guards_every_page(client, settings, alice):
    settings.PLAYGROUND_REQUIRE_LOGIN = True
    for url in ("/", "/sessions/", "/usage/", "/account/keys/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    assert client.get("/login/").status_code == 200
    assert client.get("/signup/").status_code == 200
    assert client.get("/account/password/reset/").status_code == 200
    log_in(client, "alice")
    assert client.get("/", follow=True).status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_required_log_in_refuses_an_anonymous_websocket(async_client, settings):
    settings.PLAYGROUND_REQUIRE_LOGIN = False
    await async_client.get("/")
    session = await PlaygroundSession.objects.alatest("created_at")
    settings.PLAYGROUND_REQUIRE_LOGIN = True
    headers = [
        (b"origin", b"http://testserver"),
        (b"cookie", f"sessionid={async_client.cookies['sessionid'].value}".encode()),
    ]
    communicator = WebsocketCommunicator(
        application, f"/ws/sessions/{session.id}/", headers=headers
    )
    connected, code = await communicator.connect()
    assert not connected and code == 4401


def test_deleting_the_account_removes_everything_in_it(client, alice, bob):
    from playground.accounts.keys import key_store
    from playground.accounts.models import ProviderKey

    client.force_login(alice)
    client.get("/", follow=True)
    key_store(user=alice, provider_id="empiriolabs", raw_key="sk-alice-key-12345")
    key_store(user=bob, provider_id="empiriolabs", raw_key="sk-bob-key-123456")
    wrong = client.post("/account/delete/", {"password": "nope"})
    assert "That is not your password" in wrong.content.decode()
    client.post("/account/delete/", {"password": PASSWORD})
    assert not type(alice).objects.filter(pk=alice.pk).exists()
    assert not PlaygroundSession.objects.filter(owner_key=f"user:{alice.pk}").exists()
    assert list(ProviderKey.objects.values_list("user__username", flat=True)) == ["bob"]
    assert "_auth_user_id" not in client.session
