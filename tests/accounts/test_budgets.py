"""Budgets: a run that cannot fit is refused before sending with the numbers; every run's
reservation is settled to its real cost when it ends, however it ends."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from playground.accounts.budgets import SERVER, current_month, from_pico, to_pico
from playground.accounts.models import MonthlyBudget, Reservation, SpendLedger
from playground.models import Pane, PlaygroundSession, Run
from playground.runs import records
from playground.runs.submit import Accepted, Rejected, runs_submit
from tests.gates import gated, new_gate, wait_paused
from tests.playground.test_consumer import connect, frames_until_final

from .helpers import FAST, own_session, room_for, send_data, worst_of

pytestmark = pytest.mark.django_db(transaction=True)


def ledger_of(user) -> SpendLedger:
    return SpendLedger.objects.get(owner_key=f"user:{user.pk}", month=current_month())


def test_a_run_that_does_not_fit_is_refused_with_the_numbers(alice):
    MonthlyBudget.objects.create(user=alice, limit=Decimal("0.001"))
    access = own_session(alice)
    pane = access.session.panes.get()
    data = send_data(pane)
    worst = worst_of(pane, data)
    outcome = runs_submit(access=access, data=data, simulator_base="http://unused")
    assert isinstance(outcome, Rejected)
    message = outcome.errors[0]
    assert message.startswith("Over budget: the run on Seed 2.0 Mini could cost up to $0.0041")
    assert f"{worst.output_tokens:,} output tokens" == "8,192 output tokens" in message
    assert "$0.0010 of your $0.0010 monthly budget remains" in message
    assert "($0.0000 spent, $0.0000 held for runs in progress)" in message
    assert not Run.objects.exists() and not Reservation.objects.exists()
    assert not SpendLedger.objects.filter(reserved__gt=0).exists()


def test_the_same_run_fits_once_max_tokens_is_lower(alice):
    MonthlyBudget.objects.create(user=alice, limit=Decimal("0.001"))
    access = own_session(alice)
    data = send_data(access.session.panes.get(), max_tokens="256")
    assert isinstance(runs_submit(access=access, data=data, simulator_base="x"), Accepted)
    assert ledger_of(alice).reserved > 0


def test_anonymous_runs_meet_only_the_server_wide_budget(settings):
    access = own_session_anonymous()
    pane = access.session.panes.get()
    assert isinstance(
        runs_submit(access=access, data=send_data(pane), simulator_base="x"), Accepted
    )
    assert not SpendLedger.objects.exists()  # no cap anywhere: nothing to hold
    settings.PLAYGROUND_SERVER_MONTHLY_BUDGET = Decimal("0.001")
    other = own_session_anonymous()
    refused = runs_submit(
        access=other, data=send_data(other.session.panes.get()), simulator_base="x"
    )
    assert (
        isinstance(refused, Rejected) and "the server's $0.0010 monthly budget" in refused.errors[0]
    )


def own_session_anonymous():
    from playground import services
    from playground.access import SessionAccess

    session = services.session_create(owner_key="anon:0123456789abcdef")
    return SessionAccess(session=session, viewer_key=session.owner_key, can_edit=True)


def test_an_interrupted_run_is_settled_to_the_cost_of_what_arrived(alice):
    access = own_session(alice)
    runs_submit(access=access, data=send_data(access.session.panes.get()), simulator_base="x")
    run = Run.objects.get()
    Run.objects.filter(pk=run.pk).update(text="Partial answer so far", lease_until=None)
    records.runs_interrupt_expired(everything=True)
    run.refresh_from_db()
    ledger = ledger_of(alice)
    assert run.status == "interrupted" and run.cost > 0
    assert ledger.reserved == 0 and ledger.spent == to_pico(run.cost)


def test_a_reservation_whose_run_vanished_is_settled_at_its_worst_case(alice):
    access = own_session(alice)
    runs_submit(access=access, data=send_data(access.session.panes.get()), simulator_base="x")
    held = Reservation.objects.get()
    PlaygroundSession.objects.all().delete()  # the session (and its run) deleted mid-run…
    Reservation.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    records.runs_interrupt_expired()  # …and its worker died: the next sweep settles it
    ledger = ledger_of(alice)
    assert ledger.reserved == 0 and ledger.spent == held.amount


def test_a_budget_set_mid_month_starts_from_what_was_spent(alice):
    access = own_session(alice)
    pane = access.session.panes.get()
    Run.objects.create(
        pane=pane, prompt="earlier", provider_id="simulator", model_id="m", model_name="M",
        dialect="chat", status="done", cost=Decimal("0.25"),
    )  # fmt: skip
    SpendLedger.objects.all().delete()
    MonthlyBudget.objects.create(user=alice, limit=Decimal("0.2500"))
    refused = runs_submit(access=access, data=send_data(pane), simulator_base="x")
    assert isinstance(refused, Rejected) and "($0.2500 spent" in refused.errors[0]


async def logged_in_page(async_client, user):
    await async_client.aforce_login(user)
    await async_client.get("/")
    session = await PlaygroundSession.objects.filter(owner_key=f"user:{user.pk}").alatest(
        "created_at"
    )
    pane = await Pane.objects.aget(session=session)
    return session, pane, async_client.cookies["sessionid"].value


def ws_send(pane, prompt, **params):
    return json.dumps(send_data(pane, prompt=prompt, **params))


async def test_done_stopped_and_failed_runs_are_settled_to_their_cost(
    async_client, alice, simulator_url
):
    session, pane, cookie = await logged_in_page(async_client, alice)
    communicator, connected, _ = await connect(session, cookie)
    assert connected
    await communicator.send_to(text_data=ws_send(pane, f"Quick answer {FAST}"))
    await frames_until_final(communicator)
    gate = new_gate()  # never released: the run streams until it is stopped
    await communicator.send_to(text_data=ws_send(pane, gated("A long story", gate)))
    await communicator.receive_from(timeout=5)
    await wait_paused(simulator_url, gate)  # streaming now
    running = await Run.objects.filter(status="streaming").aget()
    await communicator.send_to(text_data=json.dumps({"action": "stop", "run": str(running.id)}))
    await frames_until_final(communicator)
    await communicator.send_to(text_data=ws_send(pane, "Fail please [[sim fault=400]]"))
    await frames_until_final(communicator)
    await communicator.disconnect()
    runs = [r async for r in Run.objects.order_by("created_at")]
    assert [r.status for r in runs] == ["done", "stopped", "failed"]
    ledger = await sync_to_async(ledger_of)(alice)
    assert ledger.reserved == 0
    assert ledger.spent == sum(to_pico(r.cost or 0) for r in runs) > 0
    assert await Reservation.objects.filter(settled_at=None).acount() == 0


@pytest.mark.usefixtures("simulator_url")
async def test_websocket_sends_at_once_admit_k_and_spend_is_the_sum_of_costs(async_client, alice):
    sockets = []
    for _ in range(6):
        session, pane, cookie = await logged_in_page(async_client, alice)
        await sync_to_async(PlaygroundSession.objects.filter(pk=session.pk).update)(
            title="race"
        )  # a new session per socket: `/` reopens the last one otherwise
        communicator, connected, _ = await connect(session, cookie)
        assert connected
        sockets.append((communicator, pane))
        await async_client.post("/sessions/new/")
    worst = await sync_to_async(worst_of)(sockets[0][1], send_data(sockets[0][1]))
    limit = room_for(2, worst)
    await MonthlyBudget.objects.acreate(user=alice, limit=limit)
    await asyncio.gather(*(c.send_to(text_data=ws_send(p, f"Hello {FAST}")) for c, p in sockets))
    replies = [await c.receive_from(timeout=10) for c, _ in sockets]
    admitted = [
        c for (c, _), reply in zip(sockets, replies, strict=True) if "Over budget" not in reply
    ]
    assert len(admitted) == 2
    assert sum("Over budget" in r and "Nothing was sent" in r for r in replies) == 4
    for communicator in admitted:
        await frames_until_final(communicator)
    for communicator, _ in sockets:
        await communicator.disconnect()
    runs = [r async for r in Run.objects.all()]
    ledger = await sync_to_async(ledger_of)(alice)
    assert len(runs) == 2 and ledger.reserved == 0
    assert from_pico(ledger.spent) == sum(r.cost for r in runs) <= limit
    assert not await SpendLedger.objects.filter(owner_key=SERVER).aexists()
