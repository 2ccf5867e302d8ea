"""Copies of a session: Duplicate (the owner's own copy) and Open a copy (a share viewer's fork).

A copy holds the panes with their settings and every finished run as history: the same tree of
branches, the same branch shown in each pane, the same rounds and preferred answers, each run
with its recorded cost and price. Runs still streaming are left out: their copy could never
finish. Copies are new runs (new ids); the originals are not touched.

A fork leaves out what the shared page does not show: the recorded request (View code, with the
provider's URL) and the attached files (the page lists their names; the bytes stay with the
owner, and so the fork's conversation goes on without them).
"""

from __future__ import annotations

import uuid

from django.db import transaction

from .models import Pane, PlaygroundSession, Round, Run

TITLE_CHARS = 200
NOT_COPIED = {"id", "pane", "parent", "round", "lease_until", "worker", "updated_at"}


def session_copy(
    *, source: PlaygroundSession, owner_key: str, title: str, private: bool
) -> PlaygroundSession:
    """A new session of `owner_key` with the panes and finished runs of `source`. `private`
    leaves out the recorded requests and the files (a copy for someone else)."""
    with transaction.atomic():
        copy = PlaygroundSession.objects.create(
            owner_key=owner_key, title=title[:TITLE_CHARS], **_compare_settings(source)
        )
        panes = {pane.pk: _pane_copy(pane, session=copy) for pane in source.panes.all()}
        rounds = _rounds_copy(source=source, session=copy)
        runs = _runs_copy(source=source, panes=panes, rounds=rounds, private=private)
        _heads_point_at_copies(panes=panes, source=source, runs=runs)
        _preferred_copy(source=source, rounds=rounds, runs=runs)
    return copy


def _compare_settings(source: PlaygroundSession) -> dict:
    names = ("sync_system", "sync_params", "sync_history", "blind")
    return {name: getattr(source, name) for name in names}


def _pane_copy(pane: Pane, *, session: PlaygroundSession) -> Pane:
    return Pane.objects.create(
        session=session,
        position=pane.position,
        archived=pane.archived,
        model_ref=pane.model_ref,
        dialect=pane.dialect,
        system=pane.system,
        params=pane.params,
    )


def _rounds_copy(*, source: PlaygroundSession, session: PlaygroundSession) -> dict:
    rounds = {
        old.pk: Round(
            id=uuid.uuid4(),
            session=session,
            prompt=old.prompt,
            created_at=old.created_at,
            repeat=old.repeat,
            blind=old.blind,
        )
        for old in source.rounds.all()
    }
    Round.objects.bulk_create(rounds.values())
    return {old: new.pk for old, new in rounds.items()}


def _runs_copy(*, source, panes: dict, rounds: dict, private: bool) -> dict:
    """Old run id -> new run id, for every finished run (parents before children: a parent is
    always older than its child)."""
    finished = Run.objects.filter(pane__session=source).exclude(status__in=Run.ACTIVE)
    finished = list(finished.order_by("created_at").prefetch_related("attachments"))
    ids = {old.id: uuid.uuid4() for old in finished}
    copies = [_run_copy(old, ids=ids, panes=panes, rounds=rounds) for old in finished]
    for copy in copies:
        copy.copied = True
        if private:
            copy.request = {}
    Run.objects.bulk_create(copies, batch_size=500)
    if not private:
        _files_copy(finished, ids)
    return ids


def _run_copy(old: Run, *, ids: dict, panes: dict, rounds: dict) -> Run:
    values = {
        field.attname: getattr(old, field.attname)
        for field in Run._meta.concrete_fields
        if field.name not in NOT_COPIED
    }
    return Run(
        id=ids[old.id],
        pane=panes[old.pane_id],
        parent_id=ids.get(old.parent_id),
        round_id=rounds.get(old.round_id),
        **values,
    )


def _files_copy(finished: list[Run], ids: dict) -> None:
    """The same owner: the copies point at the same uploads (no bytes are duplicated)."""
    through = Run.attachments.through
    links = [
        through(run_id=ids[run.id], attachment_id=file.id)
        for run in finished
        for file in run.attachments.all()
    ]
    through.objects.bulk_create(links, batch_size=500)


def _heads_point_at_copies(*, panes: dict, source, runs: dict) -> None:
    """Each pane shows the same branch; where its end was still streaming (not copied), the
    branch up to the last finished turn."""
    parents = run_parents(session=source)
    for old_pane in source.panes.all():
        head = finished_head(old_pane.head_id, kept=runs, parents=parents)
        if head is not None:
            Pane.objects.filter(pk=panes[old_pane.pk].pk).update(head_id=runs[head])


def run_parents(*, session: PlaygroundSession) -> dict:
    return dict(Run.objects.filter(pane__session=session).values_list("id", "parent_id"))


def finished_head(head, *, kept, parents: dict):
    """The last turn of the shown branch that is in `kept` (its end may still be streaming)."""
    while head is not None and head not in kept:
        head = parents.get(head)
    return head


def _preferred_copy(*, source, rounds: dict, runs: dict) -> None:
    for old in source.rounds.exclude(preferred=None):
        if old.preferred_id in runs:
            Round.objects.filter(pk=rounds[old.pk]).update(preferred_id=runs[old.preferred_id])
