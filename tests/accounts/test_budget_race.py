"""RL-5: N sends at once against a budget with room for exactly k admit exactly k, on SQLite
and on PostgreSQL; once they have streamed, the month's spend is the sum of their costs and
nothing stays reserved."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import uuid
from decimal import ROUND_CEILING

import pytest
from django.db import connection

from playground.accounts.budgets import current_month, to_pico
from playground.accounts.models import MonthlyBudget, Reservation, SpendLedger
from playground.models import Run
from playground.runs import executor
from playground.runs.submit import Accepted, runs_submit
from tests.live import ROOT

from .helpers import own_session, room_for, send_data, worst_of

pytestmark = pytest.mark.django_db(transaction=True)
SENDS, ROOM = 8, 3
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


@pytest.fixture
def stream_base(request):
    """The simulator the runs stream from: the parent's when this runs as a child process."""
    return os.environ.get("RACE_SIMULATOR_URL") or (
        request.getfixturevalue("live_app").url + "/simulator/v1"
    )


def race(accesses, *, base):
    """Every send at the same instant, each on its own thread and database connection."""
    start, outcomes = threading.Barrier(len(accesses)), [None] * len(accesses)

    def send(index, access):
        try:
            data = send_data(access.session.panes.get())
            start.wait(timeout=30)
            outcomes[index] = runs_submit(access=access, data=data, simulator_base=base)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=item) for item in enumerate(accesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


async def stream_all(accepted):
    tasks = [executor.run_start(item=item) for outcome in accepted for item in outcome.runs]
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)


def test_concurrent_sends_with_room_for_k_admit_exactly_k(alice, stream_base):
    if os.environ.get("RACE_EXPECT_VENDOR"):
        assert connection.vendor == os.environ["RACE_EXPECT_VENDOR"]
    accesses = [own_session(alice) for _ in range(SENDS)]
    pane = accesses[0].session.panes.get()
    worst = worst_of(pane, send_data(pane))
    limit = room_for(ROOM, worst)
    MonthlyBudget.objects.create(user=alice, limit=limit)

    outcomes = race(accesses, base=stream_base)

    accepted = [o for o in outcomes if isinstance(o, Accepted)]
    refused = [o for o in outcomes if not isinstance(o, Accepted)]
    assert len(accepted) == ROOM and len(refused) == SENDS - ROOM
    assert all("Over budget" in o.errors[0] for o in refused)
    ledger = SpendLedger.objects.get(owner_key=f"user:{alice.pk}", month=current_month())
    assert ledger.reserved == ROOM * to_pico(worst.amount, rounding=ROUND_CEILING)
    assert Run.objects.count() == ROOM

    asyncio.run(stream_all(accepted))

    ledger.refresh_from_db()
    runs = list(Run.objects.all())
    assert [r.status for r in runs] == ["done"] * ROOM
    assert ledger.reserved == 0
    assert ledger.spent == sum(to_pico(r.cost) for r in runs) > 0
    assert ledger.spent <= to_pico(limit)
    assert not Reservation.objects.filter(settled_at=None).exists()


def postgres_or_skip() -> None:
    from deploy.services import postgres_error

    error = postgres_error(f"{POSTGRES}/postgres")
    if error and os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required in CI: {error}")
    if error:
        pytest.skip(f"PostgreSQL is not running: {error}")


@pytest.mark.timeout(300)
def test_the_same_race_on_postgresql(live_app):
    """The same test in a child process whose database is PostgreSQL (row locks, several
    connections really at once), streaming from this process's live simulator."""
    postgres_or_skip()
    env = os.environ | {
        "DATABASE_URL": f"{POSTGRES}/race_{uuid.uuid4().hex[:10]}",
        "RACE_SIMULATOR_URL": f"{live_app.url}/simulator/v1",
        "RACE_EXPECT_VENDOR": "postgresql",
    }
    test = f"{__file__}::test_concurrent_sends_with_room_for_k_admit_exactly_k"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--create-db", test]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
