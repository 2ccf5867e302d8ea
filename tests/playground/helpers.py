"""Setting the scene for view tests: a browser's session, runs stored as if they had streamed,
and share links made the way the owner makes them (through the Share dialog)."""

from __future__ import annotations

import re

from django.test import Client

from playground.models import PlaygroundSession, Round, Run

SHARE_URL = re.compile(r'id="share-url" readonly value="http://testserver/s/([\w-]+)/"')


def open_session(client):
    page = client.get("/", follow=True)
    session = PlaygroundSession.objects.latest("created_at")
    return session, session.panes.get(), page.content.decode()


def settings_url(session, pane):
    return f"/sessions/{session.id}/panes/{pane.id}/settings/"


def add_run(pane, *, prompt, parent=None, text="An answer.", status="done", round=None, **fields):
    round = round or Round.objects.create(session=pane.session, prompt=prompt)
    values = (
        dict(
            provider_id="simulator",
            model_id="seed-2-0-mini",
            model_name="Seed 2.0 Mini",
            dialect="chat",
            input_tokens=10,
            output_tokens=5,
            reasoning_tokens=0,
            cost="0.000002",
            usage_source="reported",
        )
        | fields
    )
    run = Run.objects.create(
        pane=pane, round=round, parent=parent, prompt=prompt, text=text, status=status, **values
    )
    pane.head = run
    pane.save(update_fields=["head"])
    return run


def share(client, session, *, expires="7d", name="") -> str:
    """A new share link's token, as the Share dialog shows it (once)."""
    response = client.post(
        f"/sessions/{session.id}/shares/new/", {"expires": expires, "display_name": name}
    )
    assert response.status_code == 200, response.status_code
    return SHARE_URL.search(response.content.decode()).group(1)


def stranger() -> Client:
    """Another browser, with a session of its own."""
    other = Client()
    other.get("/")
    return other
