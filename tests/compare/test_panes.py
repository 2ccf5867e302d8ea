"""Compare mode's panes over HTTP: add, duplicate, move, remove, copy settings, presets, sync
switches, blind judging and the preferred answer."""

import re

import pytest

from playground.models import Pane, Round, Run
from playground.runs.frames import run_frame
from tests.playground.test_views import add_run, open_session

pytestmark = pytest.mark.django_db


def post(client, session, path, data=None):
    return client.post(f"/sessions/{session.id}/{path}", data or {}, HTTP_HX_REQUEST="true")


def panes(session):
    return list(Pane.objects.filter(session=session, archived=False).order_by("position"))


def test_adding_a_pane_copies_the_last_panes_settings_and_redraws_the_workspace(client):
    session, pane, _ = open_session(client)
    Pane.objects.filter(pk=pane.pk).update(system="Be brief.", params={"max_tokens": 99})
    html = post(client, session, "panes/add/").content.decode()
    first, second = panes(session)
    assert (second.system, second.params, second.model_ref) == ("Be brief.", {"max_tokens": 99},
                                                               first.model_ref)  # fmt: skip
    assert '<div id="workspace" class="multi panes-2' in html
    assert "Pane A" in html and "Pane B" in html


def test_a_session_holds_at_most_the_pane_limit(client, settings):
    settings.PLAYGROUND_MAX_PANES = 3
    session, _, _ = open_session(client)
    for _ in range(3):
        html = post(client, session, "panes/add/").content.decode()
    assert len(panes(session)) == 3
    assert "A session holds at most 3 panes." in html


def test_duplicate_move_and_remove_keep_the_order_and_the_runs(client):
    session, first, _ = open_session(client)
    Pane.objects.filter(pk=first.pk).update(system="original")
    post(client, session, f"panes/{first.pk}/duplicate/")
    assert [p.system for p in panes(session)] == ["original", "original"]
    post(client, session, "panes/add/")
    third = panes(session)[2]
    post(client, session, f"panes/{third.pk}/move/", {"step": "-1"})
    assert panes(session)[1].pk == third.pk
    run = add_run(third, prompt="kept")
    post(client, session, f"panes/{third.pk}/remove/")
    assert third.pk not in [p.pk for p in panes(session)]
    assert Run.objects.filter(pk=run.pk).exists()  # its run stays in history and cost
    for pane in panes(session)[1:]:
        post(client, session, f"panes/{pane.pk}/remove/")
    html = post(client, session, f"panes/{panes(session)[0].pk}/remove/").content.decode()
    assert "A session keeps at least one pane." in html and len(panes(session)) == 1


def test_copy_settings_to_every_pane(client):
    session, first, _ = open_session(client)
    post(client, session, "panes/add/")
    Pane.objects.filter(pk=first.pk).update(
        model_ref="simulator/seed-2-0-pro", dialect="responses", system="S", params={"a": 1}
    )
    post(client, session, f"panes/{first.pk}/copy-to-all/")
    other = panes(session)[1]
    assert (other.model_ref, other.dialect, other.system, other.params) == (
        "simulator/seed-2-0-pro", "responses", "S", {"a": 1}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("models", [("simulator/seed-2-0-mini", "chat"), ("simulator/seed-2-0-lite", "chat"),
                    ("simulator/seed-2-0-pro", "chat"), ("simulator/seed-2-0-code", "chat")]),
        ("dialects", [("simulator/seed-2-0-mini", d) for d in ("chat", "responses", "messages")]),
    ],
)  # fmt: skip
def test_presets_lay_out_the_panes(client, preset, expected):
    session, _, _ = open_session(client)
    post(client, session, "presets/", {"preset": preset})
    assert [(p.model_ref, p.dialect) for p in panes(session)] == expected


def test_the_effort_preset_sets_low_medium_high_with_thinking_on(client):
    session, _, _ = open_session(client)
    post(client, session, "presets/", {"preset": "efforts"})
    got = [(p.params["reasoning_effort"], p.params["enable_thinking"]) for p in panes(session)]
    assert got == [("low", True), ("medium", True), ("high", True)]


def test_turning_sync_on_gives_every_pane_the_first_panes_values(client):
    session, first, _ = open_session(client)
    post(client, session, "panes/add/")
    Pane.objects.filter(pk=first.pk).update(system="Shared prompt", params={"max_tokens": 321})
    post(client, session, "compare/", {"system": "on", "params": "on"})
    other = panes(session)[1]
    assert other.system == "Shared prompt" and other.params["max_tokens"] == 321
    session.refresh_from_db()
    assert (session.sync_system, session.sync_params, session.sync_history) == (True, True, False)


def test_with_parameters_synced_an_edit_reaches_the_other_panes_as_it_is_saved(client):
    session, first, _ = open_session(client)
    post(client, session, "panes/add/")
    post(client, session, "compare/", {"params": "on"})
    second = panes(session)[1]
    p = f"p{first.pk}"
    values = {"model": first.model_ref, "dialect": "chat", "max_tokens": "777",
              "reasoning_effort": "high", "enable_thinking": "on"}  # fmt: skip
    data = {f"{p}-{name}": value for name, value in values.items()}
    html = post(client, session, f"panes/{first.pk}/settings/", data).content.decode()
    second.refresh_from_db()
    assert second.params["max_tokens"] == 777 and second.params["reasoning_effort"] == "high"
    assert f'id="pane-{second.pk}-settings-form" novalidate hx-swap-oob="true"' in html


def test_blind_mode_shuffles_the_panes_and_hides_names_until_an_answer_is_preferred(client):
    session, first, _ = open_session(client)
    post(client, session, "presets/", {"preset": "models"})
    before = [p.pk for p in panes(session)]
    post(client, session, "compare/", {"blind": "on"})
    assert sorted(p.pk for p in panes(session)) == sorted(before)
    round = Round.objects.create(session=session, prompt="judge", blind=True)
    runs = [
        Run.objects.create(pane=pane, round=round, prompt="judge", provider_id="simulator",
                           model_id="seed-2-0-mini", model_name="Seed 2.0 Mini", dialect="chat",
                           text="An answer.", status="done")
        for pane in panes(session)[:2]
    ]  # fmt: skip
    for run in runs:
        Pane.objects.filter(pk=run.pane_id).update(head=run)
    html = client.get(f"/sessions/{session.id}/").content.decode()
    assert "Seed 2.0 Mini" not in re.sub(r"<select.*?</select>", "", html, flags=re.S)
    assert "model hidden until you prefer an answer" in html
    post(client, session, f"rounds/{round.id}/prefer/", {"run": str(runs[1].id)})
    round.refresh_from_db()
    assert round.preferred_id == runs[1].id
    post(client, session, "compare/", {})  # blind off: the panes' settings show again
    html = client.get(f"/sessions/{session.id}/").content.decode()
    assert "★ preferred" in html and "model hidden until" not in html


def test_the_shape_cannot_change_while_a_pane_streams(client):
    session, pane, _ = open_session(client)
    add_run(pane, prompt="running", status="streaming", text="")
    Run.objects.filter(pane=pane).update(lease_until="2999-01-01T00:00Z")
    html = post(client, session, "panes/add/").content.decode()
    assert "Stop the running answers first" in html and len(panes(session)) == 1


def test_the_word_diff_of_two_answers(client):
    session, pane, _ = open_session(client)
    a = add_run(pane, prompt="q", text="The tide rises twice a day.")
    b = add_run(pane, prompt="q", text="The tide rises once a day.")
    html = client.get(f"/sessions/{session.id}/diff/", {"a": a.id, "b": b.id}).content.decode()
    assert "<del>twice</del><ins>once</ins>" in html
    assert client.get(f"/sessions/{session.id}/diff/").status_code == 400


def test_a_reloaded_page_shows_the_round_summary_once_not_after_every_run(client):
    session, _, _ = open_session(client)
    post(client, session, "panes/add/")
    round = Round.objects.create(session=session, prompt="tides")
    for pane in panes(session):
        add_run(pane, prompt="tides", round=round)
    html = client.get(f"/sessions/{session.id}/").content.decode()
    assert html.count('id="round-summary"') == 1


def test_a_final_frame_names_its_pane_by_its_place_among_the_panes_shown(client):
    session, first, _ = open_session(client)
    for _ in range(2):
        post(client, session, "panes/add/")
    post(client, session, "compare/", {"blind": "on"})
    shown = panes(session)
    post(client, session, f"panes/{shown[0].pk}/remove/")  # the last pane is now the second
    round = Round.objects.create(session=session, prompt="judge", blind=True)
    runs = [
        Run.objects.create(pane=pane, round=round, prompt="judge", provider_id="simulator",
                           model_id="seed-2-0-mini", model_name="Seed 2.0 Mini", dialect="chat",
                           text=f"Answer {pane.pk}.", status="done", cost="0.0001")
        for pane in shown[1:]
    ]  # fmt: skip
    html = run_frame(Run.objects.select_related("pane__session", "round").get(pk=runs[1].pk))
    assert 'aria-label="Run in pane B"' in html and "Seed 2.0 Mini" not in html
    assert 'aria-labelledby="round-summary-heading">' in html  # the round's two runs, compared
