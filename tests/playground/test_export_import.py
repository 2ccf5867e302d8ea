"""Export and import: the `seed-playground/session@1` JSON round trip, field by field; the
Markdown export; and files that are bad or hostile, each refused with a clear error and with
nothing created."""

import json
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from playground.models import Pane, PlaygroundSession, Round, Run
from tests.playground.helpers import add_run, open_session, share, stranger

pytestmark = pytest.mark.django_db

PRICE = {
    "currency": "USD",
    "unit_tokens": 1000000,
    "tier": 1,
    "max_input_tokens": 128000,
    "input": "0.12",
    "output": "0.50",
    "cached_input": None,
}
NOT_COMPARED = {"id", "pane", "parent", "round", "request", "lease_until", "updated_at", "imported"}


def rich_session(client):
    """Two panes, branches, a preferred answer, a failure, reported and estimated costs, and a
    run still streaming (which exports leave out)."""
    session, pane, _ = open_session(client)
    session.title = "Tides & moons <b>"
    session.save()
    other = Pane.objects.create(
        session=session,
        position=1,
        model_ref="simulator/seed-2-0-pro",
        dialect="responses",
        system="Be brief.",
        params={"max_tokens": 99},
    )
    pane.system, pane.params = "You are kind.", {"max_tokens": 512, "stop": ["END"]}
    pane.save()
    first = add_run(
        pane,
        prompt="What are tides?",
        text="Long waves.",
        reasoning="Moon.",
        price_snapshot=PRICE,
        cached_input_tokens=4,
        reasoning_tokens=2,
        ttft_ms=120,
        duration_ms=900,
        finish_reason="stop",
        reported_cost="0.000003",
        params={"max_tokens": 512},
        sent_params={"max_tokens": 512},
        system="Kind.",
    )
    rival = add_run(
        other,
        prompt="What are tides?",
        round=first.round,
        model_id="seed-2-0-pro",
        model_name="Seed 2.0 Pro",
        dialect="responses",
        text="Waves.",
        cost="0.000100",
    )
    Round.objects.filter(pk=first.round_id).update(preferred=rival)
    old = add_run(pane, prompt="And the moon?", parent=first, text="It pulls.")
    add_run(
        pane,
        prompt="And the moon?",
        parent=first,
        status="failed",
        text="",
        error_kind="rate_limited",
        error_message="Too many requests.",
        error_status=429,
        usage_source="estimated",
        input_tokens=0,
        output_tokens=0,
        cost="0",
    )
    add_run(pane, prompt="Go on", parent=old, status="streaming", text="so f")
    pane.refresh_from_db()
    client.post(f"/sessions/{session.id}/panes/{pane.id}/branch/", {"run": str(old.id)})
    return session


def upload(content, name="session.json"):
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    return SimpleUploadedFile(name, data, content_type="application/json")


def import_file(client, content):
    return client.post("/sessions/import/", {"file": upload(content)})


def imported(response) -> PlaygroundSession:
    assert response.status_code == 302, response.content.decode()[-3000:]
    return PlaygroundSession.objects.get(pk=response["Location"].split("/")[2])


def exported(client, session, fmt="json"):
    response = client.get(f"/sessions/{session.id}/export.{fmt}")
    assert response.status_code == 200
    return response


def test_export_import_round_trip_is_equal_field_by_field(client):
    session = rich_session(client)
    original = exported(client, session).json()
    copy = imported(import_file(client, original))
    assert copy.pk != session.pk and copy.created_at == session.created_at
    again = exported(client, copy).json()
    assert {k: v for k, v in again.items() if k not in ("exported", "runs")} == {
        k: v for k, v in original.items() if k not in ("exported", "runs")
    }
    assert len(again["runs"]) == len(original["runs"]) == 4  # the streaming run is left out
    for before, after in zip(original["runs"], again["runs"], strict=True):
        assert before.pop("imported") is False and after.pop("imported") is True
        assert after == before
    # And in the database, run by run: everything but ids and the recorded request.
    old = (
        Run.objects.filter(pane__session=session).exclude(status="streaming").order_by("created_at")
    )
    new = Run.objects.filter(pane__session=copy).order_by("created_at")
    names = [f.attname for f in Run._meta.concrete_fields if f.name not in NOT_COMPARED]
    for a, b in zip(old, new, strict=True):
        assert {n: getattr(a, n) for n in names} == {n: getattr(b, n) for n in names}
        assert b.imported and b.price_snapshot == a.price_snapshot and b.cost == a.cost


def test_an_imported_session_shows_the_same_branches_costs_and_preferred_answer(client):
    session = rich_session(client)
    copy = imported(import_file(client, exported(client, session).json()))
    html = client.get(f"/sessions/{copy.id}/").content.decode()
    assert "It pulls." in html and "Too many requests." not in html  # the branch shown
    assert '<span class="branch-position">1/2</span>' in html and ">Imported<" in html
    assert ">Preferred<" in html and "$0.000104" in html  # as recorded: 2 + 100 + 2 + 0 µ$
    assert Run.objects.filter(pane__session=copy, imported=False).count() == 0


def test_the_export_follows_the_schema_with_money_as_decimal_strings(client):
    session = rich_session(client)
    response = exported(client, session)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tides-moons-b.json"'
    data = response.json()
    assert data["schema"] == "seed-playground/session@1" and data["title"] == "Tides & moons <b>"
    assert data["total_cost_usd"] == "0.000104000000"  # the streaming run is not in it
    assert [p["model"] for p in data["panes"]] == ["seed-2-0-mini", "seed-2-0-pro"]
    assert data["panes"][0] | {} == {
        "model": "seed-2-0-mini",
        "provider": "simulator",
        "dialect": "chat",
        "system": "You are kind.",
        "params": {"max_tokens": 512, "stop": ["END"]},
        "head": 2,
    }
    first = data["runs"][0]
    assert first["cost_usd"] == "0.000002000000" and first["price"] == PRICE
    assert first["usage"] == {
        "input_tokens": 10,
        "cached_input_tokens": 4,
        "output_tokens": 5,
        "reasoning_tokens": 2,
    }
    assert first["messages"] == [
        {"role": "system", "content": "Kind."},
        {"role": "user", "content": "What are tides?"},
    ]
    third = data["runs"][2]
    assert third["parent"] == 0 and third["messages"][-3:] == [
        {"role": "user", "content": "What are tides?"},
        {"role": "assistant", "content": "Long waves."},
        {"role": "user", "content": "And the moon?"},
    ]
    assert data["runs"][1]["preferred"] is True and first["preferred"] is False
    assert data["runs"][0]["round"] == data["runs"][1]["round"] == 0
    assert data["runs"][3]["error"]["http_status"] == 429
    text = response.content.decode()
    assert str(session.id) not in text and not re.search(r"\d+\.\d+e-?\d", text)
    assert all(str(run.id) not in text for run in Run.objects.all())


def test_the_markdown_export_reads_as_the_conversation(client):
    session = rich_session(client)
    response = exported(client, session, "md")
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("# Tides & moons <b>\n")
    assert "## Pane A · simulator/seed-2-0-mini · Chat Completions" in text
    assert "## Pane B · simulator/seed-2-0-pro · Responses" in text
    assert text.index("What are tides?") < text.index("Long waves.") < text.index("It pulls.")
    assert "Too many requests." not in text and "more run(s) on other branches" in text
    assert "**Seed 2.0 Pro** (simulator) · done · preferred" in text
    assert "total cost $0.000106" in text  # the streaming run's cost so far included


def test_a_share_link_exports_the_same_document(client):
    session = rich_session(client)
    token = share(client, session)
    viewer = stranger()
    owner_copy = exported(client, session).json()
    shared = viewer.get(f"/s/{token}/export.json").json()
    assert shared.pop("exported") and owner_copy.pop("exported")
    assert shared == owner_copy
    assert viewer.get(f"/s/{token}/export.md").content == exported(client, session, "md").content


def test_exports_are_the_owners_only(client):
    session = rich_session(client)
    other = stranger()
    for fmt in ("json", "md"):
        assert other.get(f"/sessions/{session.id}/export.{fmt}").status_code == 404
    assert client.get(f"/sessions/{session.id}/export.html").status_code == 404


def good_document(client):
    session = rich_session(client)
    return exported(client, session).json()


def bad(document, path, value):
    """`document` with the value at `path` (keys and list positions) replaced."""
    target = document
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


HOSTILE = {
    "not json": (b"this is not json", "not JSON text"),
    "not utf-8": (b"\xff\xfe\x00\x00{", "not JSON text"),
    "a list": (b"[]", "not a Seed Playground session export"),
    "deep nesting": (b"[" * 200_000 + b"]" * 200_000, "not JSON text"),
    "NaN": (b'{"schema": "seed-playground/session@1", "x": NaN}', "not JSON text"),
}
FIELD_PROBLEMS = {
    "another schema": (
        ("schema",),
        "seed-playground/session@2",
        'this one says "seed-playground/session@2"',
    ),
    "no panes": (("panes",), [], "file.panes must hold 1 to 8 items"),
    "tokens as text": (
        ("runs", 0, "usage", "output_tokens"),
        "5",
        "runs[0].usage.output_tokens must be a whole number",
    ),
    "negative tokens": (
        ("runs", 0, "usage", "input_tokens"),
        -1,
        "runs[0].usage.input_tokens must be a whole number",
    ),
    "cost as a float": (
        ("runs", 0, "cost_usd"),
        0.000002,
        "runs[0].cost_usd must be a decimal string",
    ),
    "cost in exponent form": (
        ("runs", 0, "cost_usd"),
        "2E-6",
        "runs[0].cost_usd must be a decimal string",
    ),
    "a streaming run": (("runs", 0, "status"), "streaming", 'runs[0].status must be one of "done"'),
    "unknown dialect": (
        ("panes", 0, "dialect"),
        "<script>",
        'panes[0].dialect must be one of "chat"',
    ),
    "forward parent": (
        ("runs", 0, "parent"),
        3,
        "runs[0].parent must be an earlier run of the same pane",
    ),
    "parent in another pane": (
        ("runs", 2, "parent"),
        1,
        "runs[2].parent must be an earlier run of the same pane",
    ),
    "head in another pane": (("panes", 1, "head"), 0, "panes[1].head must be a run of this pane"),
    "pane out of range": (
        ("runs", 0, "pane"),
        7,
        "runs[0].pane must be a whole number from 0 to 1",
    ),
    "nested params": (
        ("runs", 0, "params"),
        {"max_tokens": {"$gt": 1}},
        "runs[0].params.max_tokens must be text, a number",
    ),
    "prompt too long": (
        ("runs", 0, "prompt"),
        "x" * 262_145,
        "runs[0].prompt must be 0 to 262,144 characters",
    ),
    "missing prompt": (("runs", 0, "prompt"), KeyError, "runs[0].prompt is missing"),
    "price with a float": (
        ("runs", 0, "price", "input"),
        0.12,
        "runs[0].price.input must be a decimal string",
    ),
    "bad date": (("created",), "yesterday", "file.created must be a date and time"),
    "wrong total": (("total_cost_usd",), "1.00", "file.total_cost_usd is 1.00, but the runs cost"),
    "a message with no role": (
        ("runs", 0, "messages", 0, "role"),
        "root",
        "runs[0].messages[0].role must be one of",
    ),
}


def assert_refused(client, content, message):
    before = [model.objects.count() for model in (PlaygroundSession, Pane, Round, Run)]
    response = import_file(client, content)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported." in html
    assert message in html.replace("&quot;", '"').replace("&#x27;", "'"), html[
        html.find("import-problems") :
    ][:600]
    assert [model.objects.count() for model in (PlaygroundSession, Pane, Round, Run)] == before
    return html


@pytest.mark.parametrize("name", HOSTILE)
def test_an_unreadable_file_is_refused_and_creates_nothing(client, name):
    content, message = HOSTILE[name]
    open_session(client)
    assert_refused(client, content, message)


@pytest.mark.parametrize("name", FIELD_PROBLEMS)
def test_a_bad_field_is_named_with_its_place_and_creates_nothing(client, name):
    path, value, message = FIELD_PROBLEMS[name]
    assert_refused(client, bad(good_document(client), path, value), message)


def test_every_problem_is_listed_at_once_up_to_a_limit(client):
    document = good_document(client)
    document["runs"] = document["runs"] * 10
    for run in document["runs"]:
        run["usage"]["output_tokens"] = "lots"
        run["status"] = "?"
    html = assert_refused(client, document, "more problems.")
    assert re.search(r"… and \d+ more problems\.", html)
    assert html.count("<li>runs[") == 20


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(client, settings):
    settings.PLAYGROUND_MAX_IMPORT_BYTES = 1000
    assert_refused(  # stopped by the upload handler as it streams in, before the view reads it
        client,
        good_document(client),
        "session.json is over 1000 bytes; imports can be at most 1000 bytes "
        "(PLAYGROUND_MAX_IMPORT_BYTES).",
    )


def test_import_without_a_file_says_what_to_choose(client):
    response = client.post("/sessions/import/", {})
    assert response.status_code == 400
    assert "Choose a JSON file exported from Seed Playground." in response.content.decode()


def test_an_import_keeps_the_recorded_cost_whatever_the_catalog_says_now(client):
    document = good_document(client)
    document["runs"][0]["price"] = PRICE | {"input": "99.5", "output": "120"}
    document["runs"][0]["cost_usd"] = "7.250000000000"
    document["total_cost_usd"] = str(sum(Decimal(r["cost_usd"] or 0) for r in document["runs"]))
    copy = imported(import_file(client, document))
    run = Run.objects.filter(pane__session=copy).order_by("created_at").first()
    assert run.cost == Decimal("7.25") and run.price_snapshot["input"] == "99.5"
