"""A run stored by a send holds a long lease until its task starts: under a burst the send may
take seconds to get there, and a running run's short lease let other workers' sweeps interrupt
runs that had not begun. Once started, its worker renews the usual short lease."""

import json
import time

import pytest

from playground.access import access_for_owner
from playground.models import Run
from playground.runs import records
from playground.runs.submit import runs_submit
from tests.playground.helpers import open_session
from tests.playground.test_consumer import form

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stored_run_outlives_a_running_runs_lease_until_its_task_starts(client, settings):
    settings.PLAYGROUND_RUN_LEASE_SECONDS = 0.2
    session, pane, _ = open_session(client)
    access = access_for_owner(viewer_key=session.owner_key, session_id=session.id)
    data = json.loads(form(pane, "Hello"))
    outcome = runs_submit(access=access, data=data, simulator_base="http://127.0.0.1:9/v1")
    run = outcome.runs[0].run
    time.sleep(0.5)  # more than a running run's lease
    assert records.runs_interrupt_expired() == []  # a sweep (another worker's) leaves it be
    run.refresh_from_db()
    assert run.status in Run.ACTIVE
    records.runs_lease_renew(run_ids=[run.id])  # its task started: the worker renews it
    time.sleep(0.5)  # and stops renewing (the worker died): the short lease runs out
    assert records.runs_interrupt_expired() == [str(run.id)]
