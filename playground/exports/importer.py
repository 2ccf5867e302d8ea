"""Import a `seed-playground/session@1` document as a new session of the importer.

Everything is read and checked before anything is stored; a bad or hostile file gives every
problem it has and creates nothing. Imported runs keep their recorded cost and price snapshot
(nothing is priced again at today's catalog) and are marked imported. Files are not in exports,
so imported runs have none; the messages are checked but not stored (they follow from the runs).
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from playground.catalog import DIALECTS
from playground.models import Pane, PlaygroundSession, Round, Run
from playground.unusable_text import unusable_in

from . import SCHEMA
from .checks import Reader, Refused
from .runs_read import read_run

__all__ = ["Refused", "refuse_size", "session_import"]


def session_import(*, raw: bytes, owner_key: str) -> PlaygroundSession:
    document = _parse(raw)
    reader = Reader()
    session, panes, runs = _read(reader, document)
    reader.check()
    return _store(owner_key=owner_key, session=session, panes=panes, runs=runs)


def refuse_size(size: int, *, limit: int) -> None:
    if size > limit:
        raise Refused([f"The file is {size / 1048576:.1f} MB; imports can be at most "
                       f"{limit / 1048576:.0f} MB (PLAYGROUND_MAX_IMPORT_BYTES)."])  # fmt: skip


def _parse(raw: bytes):
    refuse_size(len(raw), limit=settings.PLAYGROUND_MAX_IMPORT_BYTES)
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Refused(["The file is not JSON text (UTF-8): export a session to get one."]) from None
    if found := unusable_in(document):  # (an edited file: what a session can hold is stored)
        where, problem = found
        raise Refused([f"{where} {problem}, which cannot be stored."])
    schema = document.get("schema") if isinstance(document, dict) else None
    if schema != SCHEMA:
        found = f' (this one says "{str(schema)[:60]}")' if isinstance(schema, str) else ""
        raise Refused([f'This is not a Seed Playground session export in "{SCHEMA}"{found}.'])
    return document


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _read(reader: Reader, document: dict) -> tuple[dict, list[dict], list[dict]]:
    session = {
        "title": reader.text(document, "title", "file", most=200),
        "created_at": reader.moment(document, "created", "file", null=False),
    }
    pane_items = reader.items(
        document, "panes", "file", least=1, most=settings.PLAYGROUND_MAX_PANES
    )
    run_items = reader.items(document, "runs", "file", most=settings.PLAYGROUND_MAX_IMPORT_RUNS)
    panes = [_read_pane(reader, item, f"panes[{i}]") for i, item in enumerate(pane_items)]
    runs = [read_run(reader, item, f"runs[{i}]", index=i, panes=len(panes))
            for i, item in enumerate(run_items)]  # fmt: skip
    _check_tree(reader, panes, runs)
    _check_total(reader, document, runs)
    return session, panes, runs


def _read_pane(reader: Reader, item, path: str) -> dict:
    item = reader.obj(item, path)
    return {
        "model_ref": f"{reader.text(item, 'provider', path, least=1, most=100)}/"
        f"{reader.text(item, 'model', path, least=1, most=200)}"[:200],
        "dialect": reader.choice(item, "dialect", path, options=DIALECTS),
        "system": reader.text(item, "system", path, most=65536, null=True) or "",
        "params": reader.params(item, "params", path),
        "head": reader.integer(item, "head", path, most=settings.PLAYGROUND_MAX_IMPORT_RUNS),
        "path": path,
    }


def _check_tree(reader: Reader, panes: list[dict], runs: list[dict]) -> None:
    """Parents come first and sit in the same pane; a head is a run of its pane; a round
    prefers at most one run."""
    for i, run in enumerate(runs):
        parent = run["parent"]
        if parent is not None and (parent >= i or runs[parent]["pane"] != run["pane"]):
            reader.fail(f"runs[{i}].parent", "must be an earlier run of the same pane")
        elif parent is not None and _before(run["created"], runs[parent]["created"]):
            reader.fail(f"runs[{i}].created", "must not be earlier than its parent's")
    for pane_index, pane in enumerate(panes):
        head = pane["head"]
        if head is not None and (head >= len(runs) or runs[head]["pane"] != pane_index):
            reader.fail(f"{pane['path']}.head", "must be a run of this pane")
    preferred = [run["round"] for run in runs if run["preferred"] and run["round"] is not None]
    if len(preferred) != len(set(preferred)):
        reader.fail("runs", "a round can have only one preferred run")


def _before(moment, other) -> bool:
    return moment is not None and other is not None and moment < other


def _check_total(reader: Reader, document: dict, runs: list[dict]) -> None:
    total = reader.money(document, "total_cost_usd", "file")
    spent = sum((run["fields"]["cost"] or Decimal(0) for run in runs), Decimal(0))
    if total is not None and total != spent:
        reader.fail("file.total_cost_usd", f"is {total}, but the runs cost {spent} in total")


@transaction.atomic
def _store(*, owner_key: str, session: dict, panes: list[dict], runs: list[dict]):
    stored = PlaygroundSession.objects.create(owner_key=owner_key, **session)
    pane_rows = [
        Pane.objects.create(session=stored, position=i, model_ref=pane["model_ref"],
                            dialect=pane["dialect"], system=pane["system"], params=pane["params"])
        for i, pane in enumerate(panes)
    ]  # fmt: skip
    ids = [uuid.uuid4() for _ in runs]
    rounds = _rounds(stored, runs)
    Run.objects.bulk_create(
        [_run_row(run, i, ids=ids, panes=pane_rows, rounds=rounds, start=stored.created_at)
         for i, run in enumerate(runs)],
        batch_size=500,
    )  # fmt: skip
    for pane, row in zip(panes, pane_rows, strict=True):
        head = pane["head"] if pane["head"] is not None else _last_of(runs, row.position)
        if head is not None:
            Pane.objects.filter(pk=row.pk).update(head_id=ids[head])
    for i, run in enumerate(runs):
        if run["preferred"]:
            Round.objects.filter(pk=rounds[_round_key(run, i)]).update(preferred_id=ids[i])
    return stored


def _round_key(run: dict, index: int):
    """Runs of one round share its index; a run with none answers a round of its own."""
    return ("round", run["round"]) if run["round"] is not None else ("run", index)


def _rounds(session: PlaygroundSession, runs: list[dict]) -> dict:
    rounds: dict = {}
    for i, run in enumerate(runs):
        key = _round_key(run, i)
        if key not in rounds:
            rounds[key] = Round(id=uuid.uuid4(), session=session, prompt=run["fields"]["prompt"],
                                created_at=run["created"] or session.created_at)  # fmt: skip
    Round.objects.bulk_create(rounds.values())
    return {key: row.pk for key, row in rounds.items()}


def _run_row(run: dict, index: int, *, ids, panes, rounds, start) -> Run:
    # Without a recorded time, the file's order is kept a microsecond apart.
    created = run["created"] or start + timedelta(microseconds=index)
    parent = run["parent"]
    return Run(
        id=ids[index],
        pane=panes[run["pane"]],
        parent_id=ids[parent] if parent is not None else None,
        round_id=rounds[_round_key(run, index)],
        created_at=created,
        imported=True,
        **run["fields"],
    )


def _last_of(runs: list[dict], pane: int) -> int | None:
    mine = [i for i, run in enumerate(runs) if run["pane"] == pane]
    return mine[-1] if mine else None
