"""The session library: search by title, prompt and answer; sort by activity or cost; pages
that keep the search; Duplicate."""

import re

import pytest

from playground.models import Attachment, Pane, PlaygroundSession, Round, Run
from playground.views import pages
from tests.playground.helpers import add_run, open_session, stranger

pytestmark = pytest.mark.django_db


def titles(html: str) -> list[str]:
    return re.findall(r'<span id="session-title-[^"]+" ><a href="[^"]+">([^<]*)</a>', html)


def new_session(client, *, title: str, prompt: str = "", answer: str = "", cost="0.000002"):
    client.post("/sessions/new/")
    session = PlaygroundSession.objects.latest("created_at")
    PlaygroundSession.objects.filter(pk=session.pk).update(title=title)
    if prompt or answer:
        add_run(session.panes.get(), prompt=prompt or "hi", text=answer or "ok", cost=cost)
    return session


def test_search_finds_sessions_by_title_prompt_or_answer_in_any_case(client):
    open_session(client)
    new_session(client, title="Ocean tides")
    new_session(client, title="Cooking", prompt="How long do I boil an EGG?")
    new_session(client, title="Birds", answer="Swallows migrate to Africa.")
    new_session(client, title="Unrelated", prompt="Hello", answer="Hi there")
    assert titles(client.get("/sessions/?q=tides").content.decode()) == ["Ocean tides"]
    assert titles(client.get("/sessions/?q=egg").content.decode()) == ["Cooking"]
    assert titles(client.get("/sessions/?q=AFRICA").content.decode()) == ["Birds"]
    html = client.get("/sessions/?q=zebra").content.decode()
    assert titles(html) == [] and "No session matches." in html and "0 sessions match" in html


def test_search_counts_every_run_of_a_matching_session(client):
    session = new_session(client, title="Many", prompt="needle one")
    pane = session.panes.get()
    for prompt in ("hay", "more hay"):
        add_run(pane, prompt=prompt)
    html = client.get("/sessions/?q=needle").content.decode()
    row = re.search(rf'<tr id="session-row-{session.id}">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="num">3</td>' in row and "$0.000006" in row  # not only the matching run


def test_search_sees_only_the_viewers_own_sessions(client):
    new_session(client, title="Secret plans", answer="the password is swordfish")
    other = stranger()
    assert titles(other.get("/sessions/?q=swordfish").content.decode()) == []
    assert titles(other.get("/sessions/?q=Secret").content.decode()) == []


def test_sessions_sort_by_last_activity_or_by_cost(client):
    new_session(client, title="Cheap", prompt="a", cost="0.000001")
    new_session(client, title="Dear", prompt="b", cost="0.500000")
    new_session(client, title="Free")
    new_session(client, title="Middling", prompt="c", cost="0.010000")
    assert titles(client.get("/sessions/").content.decode()) == [
        "Middling",
        "Free",
        "Dear",
        "Cheap",
    ]
    by_cost = titles(client.get("/sessions/?sort=cost").content.decode())
    assert by_cost == ["Dear", "Middling", "Cheap", "Free"]  # no runs: last
    html = client.get("/sessions/?sort=nonsense").content.decode()
    assert titles(html)[0] == "Middling" and '<option value="activity" selected>' in html


def test_pages_keep_the_search_and_the_order(client, monkeypatch):
    monkeypatch.setattr(pages, "SESSIONS_PER_PAGE", 2)
    for n in range(5):
        new_session(client, title=f"River {n}", prompt="x", cost=f"0.00000{n + 1}")
    new_session(client, title="Lake")
    html = client.get("/sessions/?q=river&sort=cost").content.decode()
    assert titles(html) == ["River 4", "River 3"] and "Page 1 of 3" in html
    assert 'href="?q=river&amp;sort=cost&amp;page=2"' in html
    assert titles(client.get("/sessions/?q=river&sort=cost&page=3").content.decode()) == ["River 0"]


def test_duplicate_copies_panes_settings_branches_and_history(client):
    session, pane, _ = open_session(client)
    PlaygroundSession.objects.filter(pk=session.pk).update(title="Tides")
    pane.system, pane.params = "Be terse.", {"max_tokens": 77}
    pane.save()
    second = Pane.objects.create(
        session=session, position=1, model_ref="simulator/seed-2-0-pro", dialect="chat"
    )
    first = add_run(pane, prompt="first", request={"url": "https://api.example/v1"})
    rival = add_run(second, prompt="first", round=first.round, text="Pro says")
    Round.objects.filter(pk=first.round_id).update(preferred=rival)
    old = add_run(pane, prompt="again", parent=first, text="branch one")
    add_run(pane, prompt="again", parent=first, text="branch two")
    client.post(f"/sessions/{session.id}/panes/{pane.id}/branch/", {"run": str(old.id)})
    add_run(pane, prompt="streaming", parent=old, status="streaming")
    Attachment.objects.create(
        owner_key=session.owner_key,
        kind="document",
        mime="text/plain",
        name="notes.txt",
        size=3,
        data=b"abc",
    ).runs.add(first)
    response = client.post(f"/sessions/{session.id}/duplicate/")
    copy = PlaygroundSession.objects.exclude(pk=session.pk).get()
    assert response["Location"] == f"/sessions/{copy.id}/"
    assert copy.title == "Tides (copy)" and copy.owner_key == session.owner_key
    panes = list(copy.panes.all())
    assert [(p.model_ref, p.system, p.params) for p in panes] == [
        ("simulator/seed-2-0-mini", "Be terse.", {"max_tokens": 77}),
        ("simulator/seed-2-0-pro", "", {}),
    ]
    runs = Run.objects.filter(pane__session=copy)
    assert runs.count() == 4 and not runs.filter(status="streaming").exists()
    assert panes[0].head.text == "branch one"  # its streaming end is not copied
    copied_first = runs.get(prompt="first", pane=panes[0])
    assert copied_first.request == {"url": "https://api.example/v1"}  # the owner's own copy
    assert [a.name for a in copied_first.attachments.all()] == ["notes.txt"]
    assert copied_first.round.preferred.text == "Pro says"
    assert copied_first.round.preferred.pane == panes[1]
    html = client.get(response["Location"]).content.decode()
    assert '<span class="branch-position">1/2</span>' in html and "branch one" in html
    assert Run.objects.filter(pane__session=session).count() == 5  # the original is untouched


def test_only_the_owner_can_duplicate(client):
    session, pane, _ = open_session(client)
    add_run(pane, prompt="mine")
    assert stranger().post(f"/sessions/{session.id}/duplicate/").status_code == 404
    assert PlaygroundSession.objects.count() == 2  # the owner's and the stranger's own


def test_the_list_offers_search_import_duplicate_and_confirmed_delete(client):
    session, _, _ = open_session(client)
    html = client.get("/sessions/").content.decode()
    assert 'type="search" id="session-search" name="q"' in html
    assert 'action="/sessions/import/" enctype="multipart/form-data"' in html
    assert f'action="/sessions/{session.id}/duplicate/"' in html
    assert "Delete this session and its runs?" in html and "Delete for good" in html
