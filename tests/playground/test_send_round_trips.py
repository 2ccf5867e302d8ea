"""Round trips a send and a run's end need not make: a savepoint per stored run inside the
send's own transaction, and a lookup of the session's owner the send already loaded."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playground.access import access_for_owner
from playground.runs.executor import _owner_of
from playground.runs.submit import runs_submit
from tests.playground.helpers import open_session
from tests.playground.test_consumer import form

pytestmark = pytest.mark.django_db(transaction=True)


def send(session, pane, prompt: str):
    access = access_for_owner(viewer_key=session.owner_key, session_id=session.id)
    data = json.loads(form(pane, prompt))
    return runs_submit(access=access, data=data, simulator_base="http://127.0.0.1:9/v1")


def test_a_send_stores_its_runs_in_one_transaction_without_savepoints(client):
    session, pane, _ = open_session(client)
    with CaptureQueriesContext(connection) as queries:
        outcome = send(session, pane, "Hello")
    assert outcome.runs
    sql = [query["sql"] for query in queries.captured_queries]
    assert any(statement.startswith('INSERT INTO "playground_run"') for statement in sql)
    assert not [statement for statement in sql if "SAVEPOINT" in statement]


def test_a_run_started_by_a_send_knows_its_owner_without_a_query(client, django_assert_num_queries):
    session, pane, _ = open_session(client)
    run = send(session, pane, "Hello").runs[0].run
    with django_assert_num_queries(0):
        assert _owner_of(run) == session.owner_key
