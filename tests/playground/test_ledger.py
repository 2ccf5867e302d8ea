"""The run ledger: a finished run never changes (enforced in the model layer), the executor's
writes still reach runs while they stream, and a session shows its cost and tokens in total and
per model."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from playground.accounts.usage import usage_report
from playground.models import FinishedRunError, PlaygroundSession, Run
from playground.pricing import PriceSnapshot, cost_for_usage
from playground.providers.types import Usage
from playground.runs import records
from tests.playground.helpers import add_run, open_session, share, stranger

pytestmark = pytest.mark.django_db

FINAL = ["done", "stopped", "failed", "interrupted"]


def stored(run):
    return Run.objects.values().get(pk=run.pk)


@pytest.mark.parametrize("status", FINAL)
def test_a_finished_run_cannot_be_saved_again(client, status):
    _, pane, _ = open_session(client)
    run = add_run(pane, prompt="hi", status=status)
    before = stored(run)
    run.text, run.cost = "rewritten", Decimal("9")
    with pytest.raises(FinishedRunError):
        run.save()
    with pytest.raises(FinishedRunError):
        run.save(update_fields=["cost"])
    assert stored(run) == before


def test_no_queryset_update_reaches_a_finished_run(client):
    _, pane, _ = open_session(client)
    done = add_run(pane, prompt="done")
    streaming = add_run(pane, prompt="streaming", parent=done, status="streaming", text="so far")
    before = stored(done), stored(streaming)
    for queryset in (Run.objects.filter(pk=done.pk), Run.objects.all(), pane.runs.all()):
        with pytest.raises(FinishedRunError):
            queryset.update(cost=Decimal("1"), text="changed")
    done.text = "changed"
    with pytest.raises(FinishedRunError), transaction.atomic():
        Run.objects.bulk_update([done], ["text"])
    assert (stored(done), stored(streaming)) == before
    # Even a queryset that says it is about active runs only writes active runs.
    assert Run.objects.active().filter(pk__in=[done.pk, streaming.pk]).update(text="x") == 1
    assert stored(done) == before[0]


def test_a_run_changes_while_it_streams_and_never_after_it_finished(client):
    _, pane, _ = open_session(client)
    run = add_run(pane, prompt="hi", status="streaming", text="")
    records.run_checkpoint(run_id=run.id, text="Partial", reasoning="")
    snapshot = PriceSnapshot.from_json(
        {
            "currency": "USD",
            "unit_tokens": 1_000_000,
            "tier": 1,
            "max_input_tokens": None,
            "input": "0.12",
            "output": "0.50",
            "cached_input": None,
        }
    )
    cost = cost_for_usage(usage=Usage(input_tokens=100, output_tokens=20), snapshot=snapshot)
    fields = {
        "status": "done",
        "text": "Partial and whole.",
        "input_tokens": 100,
        "output_tokens": 20,
        "usage_source": "reported",
    }
    finished = records.run_finish(run_id=run.id, fields=fields, cost=cost)
    assert finished.status == "done" and finished.cost == Decimal("0.000022")
    before = stored(run)
    # Late writes for the same run (a checkpoint, a second finish, a lease, a sweep) do nothing.
    records.run_checkpoint(run_id=run.id, text="late", reasoning="late")
    records.run_finish(run_id=run.id, fields={"status": "failed", "text": "no"}, cost=None)
    records.runs_lease_renew(run_ids=[run.id])
    assert records.runs_interrupt_expired(everything=True) == []
    assert stored(run) == before


def test_copies_and_imports_are_new_runs_and_may_be_stored_finished(client):
    _, pane, _ = open_session(client)
    run = Run(
        pane=pane,
        prompt="x",
        provider_id="p",
        model_id="m",
        model_name="M",
        dialect="chat",
        status="done",
        imported=True,
    )
    run.save()
    Run.objects.bulk_create(
        [
            Run(
                pane=pane,
                prompt="y",
                provider_id="p",
                model_id="m",
                model_name="M",
                dialect="chat",
                status="done",
            )
        ]
    )
    assert Run.objects.filter(status="done").count() == 2


def test_the_session_shows_its_cost_and_tokens_in_total_and_per_model(client):
    session, pane, _ = open_session(client)
    add_run(pane, prompt="a")  # Seed 2.0 Mini: 10 in, 5 out, $0.000002
    add_run(
        pane,
        prompt="b",
        model_name="Seed 2.0 Pro",
        model_id="seed-2-0-pro",
        cost="0.000030",
        input_tokens=1000,
        cached_input_tokens=400,
        output_tokens=300,
        reasoning_tokens=200,
        reported_cost="0.000031",
    )
    add_run(
        pane,
        prompt="c",
        model_name="Seed 2.0 Pro",
        model_id="seed-2-0-pro",
        cost="0.000010",
        usage_source="estimated",
        input_tokens=50,
        output_tokens=7,
    )
    html = client.get(f"/sessions/{session.id}/").content.decode()
    ledger = re.search(
        r'<details class="ledger" id="session-ledger"\s*>(.*?)</details>', html, re.S
    ).group(1)
    assert '<span class="session-cost" id="session-cost"' in ledger and "$0.000042" in ledger
    assert "1,372 tokens" in ledger  # 1,060 in + 312 out
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", ledger, re.S)
    mini, pro, total = rows
    assert "Seed 2.0 Mini" in mini and "$0.000002" in mini and ">1<" in mini
    assert "Seed 2.0 Pro" in pro and ">2<" in pro and "1,050" in pro and "400 cached" in pro
    assert "307" in pro and "200 reasoning" in pro and "$0.000040" in pro
    assert "estimate" in pro and "provider: $0.000031" in pro
    assert "All models" in total and "1,060" in total and "312" in total and "$0.000042" in total


def test_copies_and_imports_show_their_history_but_are_not_spent_again(client):
    session, pane, _ = open_session(client)
    add_run(pane, prompt="paid once", cost="0.250000")
    owner = session.owner_key
    assert usage_report(owner_key=owner).total == Decimal("0.25")
    client.post(f"/sessions/{session.id}/duplicate/")
    exported = client.get(f"/sessions/{session.id}/export.json").content
    file = SimpleUploadedFile("s.json", exported, content_type="application/json")
    assert client.post("/sessions/import/", {"file": file}).status_code == 302
    viewer = stranger()
    forked = viewer.post(f"/s/{share(client, session)}/fork/")["Location"]
    assert Run.objects.filter(cost=Decimal("0.25")).count() == 4  # the run and three copies
    assert usage_report(owner_key=owner).total == Decimal("0.25")
    fork = PlaygroundSession.objects.get(pk=forked.split("/")[2])
    assert usage_report(owner_key=fork.owner_key).total == 0
    assert "$0.250000" in viewer.get(forked).content.decode()  # its history
