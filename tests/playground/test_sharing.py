"""Share links over HTTP: the owner's dialog, the read-only page, its headers, revocation,
expiry, regeneration, guessed tokens, exports and Open a copy (SH-1..SH-7, SH-10)."""

import re
import secrets
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.utils import timezone

from playground.models import PlaygroundSession, Round, Run, ShareLink
from playground.sharing import token_hash
from tests.playground.helpers import add_run, open_session, share, stranger

pytestmark = pytest.mark.django_db


class Controls(HTMLParser):
    """Every control and htmx/ws attribute on a page."""

    def __init__(self):
        super().__init__()
        self.tags, self.attributes = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.attributes += [name for name, _ in attrs]


def controls(html: str) -> Controls:
    parser = Controls()
    parser.feed(html)
    return parser


@pytest.mark.django_db(transaction=True)  # committed: in the file, as a dump would see it
def test_a_link_is_a_256_bit_token_of_which_only_the_hash_is_stored(client):
    session, pane, _ = open_session(client)
    add_run(pane, prompt="Tides?")
    token = share(client, session)
    assert len(token) == 43 and re.fullmatch(r"[\w-]+", token)
    link = ShareLink.objects.get()
    assert link.token_hash == token_hash(token) and token not in link.token_hash
    connection.close()
    database = Path(settings.DATABASES["default"]["TEST"]["NAME"])
    dump = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    assert token.encode() not in dump and token_hash(token).encode() in dump


def test_the_shared_page_shows_every_pane_and_run_read_only(client):
    session, pane, _ = open_session(client)
    first = add_run(
        pane,
        prompt="What are tides?",
        text="Tides are **long** waves.",
        params={"max_tokens": 512, "enable_thinking": True},
        reasoning="Think.",
    )
    Round.objects.filter(pk=first.round_id).update(preferred=first)
    token = share(client, session, name="Ana")
    viewer = stranger()
    response = viewer.get(f"/s/{token}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "What are tides?" in html and "<strong>long</strong>" in html and "Think." in html
    assert "Seed 2.0 Mini" in html and 'data-metric="cost"' in html and "$0.000002" in html
    assert "max_tokens" in html and "512" in html and ">Preferred<" in html
    assert "Shared by Ana" in html and "Read-only" in html and "Open a copy" in html
    assert f'ws-connect="/ws/share/{token}/"' in html and "/ws/sessions/" not in html
    page = controls(html)
    posting = {
        a.get("action") for tag, a in page.tags if tag == "form" and a.get("method") == "post"
    }
    assert posting == {f"/s/{token}/fork/", "/sessions/new/"}  # Open a copy, New session
    assert "ws-send" not in page.attributes
    assert [a["hx-post"] for _, a in page.tags if "hx-post" in a] == [f"/s/{token}/fork/"]
    for action in (
        "Regenerate",
        "Retry",
        ">Edit<",
        "View code",
        ">Stop<",
        "Rename",
        'id="composer"',
    ):
        assert action not in html, action
    fields = {a.get("name"): (tag, a) for tag, a in page.tags if tag in ("select", "textarea")}
    assert "readonly" in fields[f"p{pane.id}-system"][1]
    assert (
        "disabled" in fields[f"p{pane.id}-model"][1]
        and "disabled" in fields[f"p{pane.id}-dialect"][1]
    )
    assert re.search(r'<fieldset class="params"\s+disabled>', html)


def test_the_shared_page_is_never_indexed_cached_or_referred(client):
    session, _, _ = open_session(client)
    token = share(client, session)
    for url in (
        f"/s/{token}/",
        f"/s/{token}/export.json",
        f"/s/{token}/export.md",
        f"/s/{'x' * 43}/",
        "/s/short/",
    ):
        response = stranger().get(url)
        assert response["X-Robots-Tag"] == "noindex, nofollow", url
        assert "no-store" in response["Cache-Control"], url
        assert response["Referrer-Policy"] == "no-referrer", url
    html = stranger().get(f"/s/{token}/").content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "Disallow: /s/" in client.get("/robots.txt").content.decode()


def test_the_shared_page_accepts_no_writes(client):
    session, _, _ = open_session(client)
    token = share(client, session)
    viewer = stranger()
    for method in ("post", "put", "patch", "delete"):
        assert getattr(viewer, method)(f"/s/{token}/").status_code == 405, method


def test_guessed_tokens_are_not_found(client):
    session, _, _ = open_session(client)
    token = share(client, session)
    viewer = stranger()
    guesses = [secrets.token_urlsafe(32) for _ in range(20)]
    guesses += [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token[:-1],
        token + "x",
        token.upper(),
        token_hash(token),
        "",
        "%00",
        "..%2F..%2Fetc",
    ]
    for guess in guesses:
        for suffix in ("", "export.json", "export.md"):
            assert viewer.get(f"/s/{guess}/{suffix}").status_code == 404, guess
        assert viewer.post(f"/s/{guess}/fork/").status_code == 404, guess
    assert PlaygroundSession.objects.count() == 2


def test_a_revoked_link_is_not_found_at_once(client):
    session, _, _ = open_session(client)
    token = share(client, session)
    viewer = stranger()
    assert viewer.get(f"/s/{token}/").status_code == 200
    link = ShareLink.objects.get()
    html = client.post(f"/sessions/{session.id}/shares/{link.id}/revoke/").content.decode()
    assert re.search(rf'<tr id="share-{link.id}" data-state="revoked">', html)
    for url in (f"/s/{token}/", f"/s/{token}/export.json", f"/s/{token}/export.md"):
        assert viewer.get(url).status_code == 404, url
    assert viewer.post(f"/s/{token}/fork/").status_code == 404


def test_an_expired_link_is_not_found(client):
    session, _, _ = open_session(client)
    token = share(client, session, expires="1h")
    link = ShareLink.objects.get()
    assert timedelta(minutes=59) < link.expires_at - timezone.now() <= timedelta(hours=1)
    viewer = stranger()
    assert viewer.get(f"/s/{token}/").status_code == 200
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert viewer.get(f"/s/{token}/").status_code == 404
    html = client.get(f"/sessions/{session.id}/shares/").content.decode()
    assert f'<tr id="share-{link.id}" data-state="expired">' in html


def test_each_lifetime_sets_its_expiry_and_never_means_none(client):
    session, _, _ = open_session(client)
    spans = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "7d": timedelta(days=7)}
    for lifetime, span in spans.items():
        share(client, session, expires=lifetime)
        link = ShareLink.objects.latest("created_at")
        assert abs(link.expires_at - link.created_at - span) < timedelta(seconds=5), lifetime
    share(client, session, expires="never")
    assert ShareLink.objects.latest("created_at").expires_at is None
    html = client.post(f"/sessions/{session.id}/shares/new/", {"expires": "forever"})
    assert "Choose when the link expires." in html.content.decode()
    assert ShareLink.objects.count() == 4


def test_regenerate_gives_a_new_link_and_the_old_one_dies(client):
    session, _, _ = open_session(client)
    old = share(client, session, expires="1d", name="Ana")
    link = ShareLink.objects.get()
    html = client.post(f"/sessions/{session.id}/shares/{link.id}/regenerate/").content.decode()
    new = re.search(r'id="share-url" readonly value="http://testserver/s/([\w-]+)/"', html)[1]
    assert new != old
    viewer = stranger()
    assert viewer.get(f"/s/{old}/").status_code == 404
    assert "Shared by Ana" in viewer.get(f"/s/{new}/").content.decode()
    fresh = ShareLink.objects.get(token_hash=token_hash(new))
    assert timedelta(hours=23) < fresh.expires_at - timezone.now() <= timedelta(days=1)


def test_the_dialog_lists_links_with_creation_and_last_view(client):
    session, _, _ = open_session(client)
    first = share(client, session, name="For the team")
    share(client, session, name="For Bo")
    stranger().get(f"/s/{first}/")
    html = client.get(f"/sessions/{session.id}/shares/").content.decode()
    assert html.count('<tr id="share-') == 2
    assert html.index("For Bo") < html.index("For the team")  # newest first
    row = re.search(
        r'<tr id="share-[^"]+" data-state="active">\s*<td>For the team</td>(.*?)</tr>', html, re.S
    ).group(1)
    assert "ago" in row and "1 view" in row and "Revoke" in row and "Regenerate" in row
    assert "Not yet" in html  # For Bo was never opened
    assert 'id="share-url"' not in html  # a link is shown once, when it is made


def test_only_the_owner_manages_links(client):
    session, _, _ = open_session(client)
    token = share(client, session)
    link = ShareLink.objects.get()
    other = stranger()
    base = f"/sessions/{session.id}/shares"
    assert other.get(f"{base}/").status_code == 404
    assert other.post(f"{base}/new/", {"expires": "never"}).status_code == 404
    assert other.post(f"{base}/{link.id}/revoke/").status_code == 404
    assert other.post(f"{base}/{link.id}/regenerate/").status_code == 404
    mine, _, _ = open_session(other)
    assert other.post(f"/sessions/{mine.id}/shares/{link.id}/revoke/").status_code == 404
    assert ShareLink.objects.get().revoked_at is None
    assert other.get(f"/s/{token}/").status_code == 200


def test_a_share_grants_that_session_and_nothing_else(client):
    session, pane, _ = open_session(client)
    run = add_run(pane, prompt="shared")
    token = share(client, session)
    viewer = stranger()
    viewer.get(f"/s/{token}/")
    base = f"/sessions/{session.id}"
    assert viewer.get(f"{base}/").status_code == 404
    assert viewer.get(f"{base}/runs/{run.id}/code/").status_code == 404
    assert viewer.get(f"{base}/export.json").status_code == 404
    assert viewer.post(f"{base}/delete/").status_code == 404
    assert viewer.post(f"{base}/rename/", {"title": "mine now"}).status_code == 404
    assert PlaygroundSession.objects.filter(pk=session.pk, title="").exists()


def test_deleting_the_session_ends_its_links(client):
    session, _, _ = open_session(client)
    token = share(client, session)
    client.post(f"/sessions/{session.id}/delete/")
    assert stranger().get(f"/s/{token}/").status_code == 404
    assert not ShareLink.objects.exists()


def test_open_a_copy_from_the_page_goes_to_the_copy(client):
    session, _, _ = open_session(client)
    token = share(client, session)
    response = stranger().post(f"/s/{token}/fork/", HTTP_HX_REQUEST="true")
    copy = PlaygroundSession.objects.exclude(pk=session.pk).latest("created_at")
    assert response.status_code == 200 and response["HX-Redirect"] == f"/sessions/{copy.id}/"


def test_open_a_copy_puts_the_session_into_the_viewers_own_sessions(client):
    session, pane, _ = open_session(client)
    first = add_run(pane, prompt="first", request={"url": "https://private.example/v1"})
    old = add_run(pane, prompt="second", parent=first, text="the old answer")
    add_run(pane, prompt="second", parent=first, text="the new answer")
    client.post(f"/sessions/{session.id}/panes/{pane.id}/branch/", {"run": str(old.id)})
    token = share(client, session)
    viewer = stranger()
    response = viewer.post(f"/s/{token}/fork/")
    copy = PlaygroundSession.objects.exclude(pk=session.pk).latest("created_at")
    assert response.status_code == 302 and response["Location"] == f"/sessions/{copy.id}/"
    html = viewer.get(response["Location"]).content.decode()
    assert "the old answer" in html and "the new answer" not in html  # the branch shown
    assert '<span class="branch-position">1/2</span>' in html and 'id="composer"' in html
    copied = Run.objects.filter(pane__session=copy)
    assert copied.count() == 3 and not copied.exclude(request={}).exists()
    assert client.get(f"/sessions/{copy.id}/").status_code == 404  # the viewer's, not the owner's
    assert Run.objects.filter(pane__session=session).count() == 3


def test_looking_at_a_shared_page_stores_nothing_about_the_viewer(client):
    session, _, _ = open_session(client)
    token = share(client, session)
    before = Session.objects.count()
    viewer = Client()
    for url in (f"/s/{token}/", f"/s/{token}/export.json", f"/s/{token}/export.md"):
        assert viewer.get(url).status_code == 200
    assert Session.objects.count() == before and "sessionid" not in viewer.cookies


def test_every_share_and_library_write_requires_csrf(client):
    session, _, _ = open_session(client)
    token = share(client, session)
    link = ShareLink.objects.get()
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    base = f"/sessions/{session.id}"
    for url in (
        f"{base}/shares/new/",
        f"{base}/shares/{link.id}/revoke/",
        f"{base}/shares/{link.id}/regenerate/",
        f"{base}/duplicate/",
        "/sessions/import/",
        f"/s/{token}/fork/",
    ):
        assert strict.post(url, {"expires": "never"}).status_code == 403, url
    assert ShareLink.objects.get().revoked_at is None and PlaygroundSession.objects.count() == 1
