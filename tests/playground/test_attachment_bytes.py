"""A file's bytes are read only where they are needed (the upstream request, the file's own
URL), never to draw a run that lists the file."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playground.models import Attachment, Run
from playground.runs.frames import run_frame
from tests.playground.helpers import add_run, open_session

pytestmark = pytest.mark.django_db

DATA_COLUMN = '"playground_attachment"."data"'


def _run_with_a_file(client) -> Run:
    session, pane, _ = open_session(client)
    photo = Attachment.objects.create(
        owner_key=session.owner_key, kind="image", mime="image/png", name="photo.png",
        size=2_000_000, data=b"\x89PNG" + b"\0" * 2_000_000,
    )  # fmt: skip
    run = add_run(pane, prompt="What is in it?")
    run.attachments.set([photo])
    return Run.objects.select_related("pane__session", "round").get(pk=run.pk)


def test_a_final_frame_names_the_file_without_reading_its_bytes(client):
    run = _run_with_a_file(client)
    with CaptureQueriesContext(connection) as queries:
        frame = run_frame(run)
    assert "photo.png" in frame
    assert not [q["sql"] for q in queries if DATA_COLUMN in q["sql"]]


def test_the_bytes_are_still_there_when_asked_for(client):
    run = _run_with_a_file(client)
    (photo,) = run.attachments.all()
    assert bytes(photo.data[:4]) == b"\x89PNG" and len(photo.data) == 2_000_004
