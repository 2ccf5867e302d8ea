"""What earlier turns a pane's request carries. Each pane keeps its own answers; with history
synced (compare mode), every pane builds on the same answer of each earlier round: the one
marked preferred, else the first pane's (in page order) that answered."""

from __future__ import annotations

import copy

from playground.models import Pane, PlaygroundSession, Round, Run


def thread_for_request(*, session: PlaygroundSession, thread: list[Run], panes: list[Pane]):
    """`thread` as the pane's request should see it."""
    if not session.sync_history or not thread:
        return thread
    shared = _shared_answers(rounds={r.round_id for r in thread if r.round_id}, panes=panes)
    return [_with_answer(run, shared.get(run.round_id)) for run in thread]


def _shared_answers(*, rounds: set, panes: list[Pane]) -> dict:
    order = {pane.pk: index for index, pane in enumerate(panes)}
    runs = (
        Run.objects.filter(round_id__in=rounds)
        .exclude(text="")
        .only("id", "pane_id", "round_id", "text", "created_at")
    )
    chosen: dict = {}
    for run in sorted(runs, key=lambda r: (order.get(r.pane_id, len(order)), r.created_at)):
        chosen.setdefault(run.round_id, run.text)
    preferred = Round.objects.filter(pk__in=rounds, preferred__isnull=False)
    for round_id, text in preferred.values_list("pk", "preferred__text"):
        if text:
            chosen[round_id] = text
    return chosen


def _with_answer(run: Run, text: str | None) -> Run:
    if text is None or text == run.text:
        return run
    shared = copy.copy(run)
    shared.text = text
    shared.input_tokens = None  # the provider's count was for the pane's own answer: recount
    return shared
