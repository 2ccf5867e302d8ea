"""Reads. Everything inside a session is looked up through a SessionAccess, so another owner's
pane, run or attachment is simply not found (a 404)."""

from __future__ import annotations

import string
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, Sum

from .access import SessionAccess, as_uuid
from .models import Attachment, Pane, PlaygroundSession, Round, Run


def session_latest_for(*, viewer_key: str) -> PlaygroundSession | None:
    return PlaygroundSession.objects.filter(owner_key=viewer_key).first()


SESSION_SORTS = {"activity": "Last activity", "cost": "Cost"}


def sessions_for(*, viewer_key: str, query: str = "", sort: str = "activity"):
    """The viewer's sessions with their total cost and run count, newest activity (or highest
    cost) first; with a query, those whose title, or a prompt or answer, contains it. One code
    path for SQLite and PostgreSQL: a case-insensitive contains, matched in a subquery so the
    sums still count every run."""
    sessions = PlaygroundSession.objects.filter(owner_key=viewer_key)
    if query:
        said = Q(prompt__icontains=query) | Q(text__icontains=query)
        matching = Run.objects.filter(said, pane__session__owner_key=viewer_key)
        sessions = sessions.filter(
            Q(title__icontains=query) | Q(id__in=matching.values("pane__session_id"))
        )
    sessions = sessions.annotate(
        total_cost=Sum("panes__runs__cost"),
        run_count=Count("panes__runs"),
        last_run_at=Max("panes__runs__created_at"),
    ).prefetch_related("panes")
    if sort == "cost":
        return sessions.order_by(F("total_cost").desc(nulls_last=True), "-updated_at")
    return sessions.order_by("-updated_at")


def panes_shown(*, session_id) -> list[Pane]:
    """The session's panes on the page, in their order (one query for a letter and a summary)."""
    return list(Pane.objects.filter(session_id=session_id, archived=False))


def pane_letter(*, pane: Pane, shown: list[Pane]) -> str:
    """A pane's letter: its place among the session's panes on the page (A, B, C…)."""
    earlier = sum(1 for other in shown if other.position < pane.position)
    return string.ascii_uppercase[earlier % 26]


def pane_letters(*, session_id) -> dict[int, str]:
    """Every shown pane's letter by pane id, in one query (a fan-out draws up to eight runs)."""
    shown = Pane.objects.filter(session_id=session_id, archived=False).order_by("position")
    ids = shown.values_list("pk", flat=True)
    return {pk: string.ascii_uppercase[index % 26] for index, pk in enumerate(ids)}


def panes_of(*, access: SessionAccess) -> list[Pane]:
    return list(access.session.panes.filter(archived=False).select_related("head"))


SESSION_SWITCHES = ("sync_system", "sync_params", "sync_history", "blind")


def panes_for_send(*, access: SessionAccess) -> list[Pane]:
    """The panes a send goes to, with their session as it is now (the socket resolved it when
    it connected; its compare switches may have changed since), in one query. Their heads come
    from the threads the send reads anyway (`panes_runs`), not from a join here."""
    panes = list(access.session.panes.filter(archived=False).select_related("session"))
    for name in SESSION_SWITCHES:
        setattr(access.session, name, getattr(panes[0].session, name))
    return panes


def pane_get(*, access: SessionAccess, pane_id) -> Pane:
    try:
        number = int(pane_id)
    except (TypeError, ValueError):
        raise Pane.DoesNotExist(f"not a pane: {str(pane_id)[:40]!r}") from None
    return Pane.objects.select_related("head").get(session=access.session, id=number)


def run_get(*, access: SessionAccess, run_id) -> Run:
    try:
        wanted = as_uuid(run_id)
    except PlaygroundSession.DoesNotExist:
        raise Run.DoesNotExist("not a run id") from None
    return Run.objects.select_related("pane", "round").get(pane__session=access.session, id=wanted)


HEAVY_RUN_FIELDS = ("request", "sent_params", "price_snapshot")


def round_get(*, access: SessionAccess, round_id) -> Round:
    try:
        wanted = as_uuid(round_id)
    except PlaygroundSession.DoesNotExist:
        raise Round.DoesNotExist("not a round id") from None
    return Round.objects.get(session=access.session, id=wanted)


def pane_runs(*, pane_id) -> dict:
    """Every run of a pane by id (file bytes and recorded requests left out): one query for
    the thread, its branches and their attachments."""
    return panes_runs(pane_ids=[pane_id]).get(pane_id, {})


def panes_runs(*, pane_ids: list) -> dict:
    """`pane_runs` of several panes at once, by pane id: a send to eight panes reads their
    threads in two queries, not sixteen."""
    runs = Run.objects.filter(pane_id__in=pane_ids).select_related("round")
    runs = runs.defer(*HEAVY_RUN_FIELDS, "round__prompt")
    found: dict = {}
    for run in runs.prefetch_related("attachments"):  # their bytes stay behind (models.py)
        found.setdefault(run.pane_id, {})[run.id] = run
    return found


def run_thread(*, run: Run | None, runs: dict | None = None) -> list[Run]:
    """The conversation that ends at `run`, oldest first."""
    if run is None:
        return []
    runs = pane_runs(pane_id=run.pane_id) if runs is None else runs
    thread, current = [], runs.get(run.id)
    while current is not None:
        thread.append(current)
        current = runs.get(current.parent_id)
    return thread[::-1]


@dataclass(frozen=True)
class Turn:
    """A turn as the pane shows it: its run (and the run's repetitions, when one send asked
    for several answers), and where it sits among the other branches from the same point (the
    ‹ 2/3 › switcher). Runs of one round with one parent are one branch."""

    run: Run
    position: int  # 1-based among the branches
    branches: tuple[Run, ...]  # the first run of each branch
    group: tuple[Run, ...] = ()  # the shown branch's runs: repetitions of one send

    @property
    def previous(self) -> Run | None:
        return self.branches[self.position - 2] if self.position > 1 else None

    @property
    def next(self) -> Run | None:
        return self.branches[self.position] if self.position < len(self.branches) else None

    @property
    def runs(self) -> tuple[Run, ...]:
        return self.group or (self.run,)


def pane_view(*, pane: Pane) -> tuple[list[Turn], list[Run]]:
    """The turns on the shown branch, and the runs still streaming on branches not shown."""
    runs = pane_runs(pane_id=pane.pk)
    children: dict = {}
    for run in sorted(runs.values(), key=lambda r: r.created_at):
        children.setdefault(run.parent_id, []).append(run)
    thread = run_thread(run=pane.head, runs=runs) if pane.head_id else []
    turns = [turn_among(run, children[run.parent_id]) for run in thread]
    shown = {r.id for turn in turns for r in turn.runs}
    hidden = [r for r in runs.values() if r.is_active and r.id not in shown]
    return turns, hidden


def turn_among(run: Run, siblings: list[Run]) -> Turn:
    """`siblings` (oldest first): the runs with the same parent, `run` among them."""
    groups: dict = {}
    for sibling in siblings:
        groups.setdefault(sibling.round_id or sibling.id, []).append(sibling)
    keys = list(groups)
    mine = run.round_id or run.id
    return Turn(
        run=run,
        position=keys.index(mine) + 1,
        branches=tuple(groups[key][0] for key in keys),
        group=tuple(groups[mine]) if len(groups[mine]) > 1 else (),
    )


def run_turn(*, run: Run) -> Turn:
    """Where a single run sits among its siblings (for a frame that redraws one run)."""
    siblings = list(
        Run.objects.filter(pane_id=run.pane_id, parent_id=run.parent_id)
        .only("id", "created_at", "round_id")
        .order_by("created_at")
    )
    return turn_among(run, siblings)


def branch_leaf(*, run: Run) -> Run:
    """The newest run at the end of the branch that starts at `run` (what to show after
    switching to it)."""
    runs = pane_runs(pane_id=run.pane_id)
    children: dict = {}
    for other in runs.values():
        children.setdefault(other.parent_id, []).append(other)
    current = runs[run.id]
    while children.get(current.id):
        current = max(children[current.id], key=lambda r: r.created_at)
    return current


def attachment_data(*, ids) -> dict:
    """File bytes by attachment id, in one query."""
    ids = list(ids)
    if not ids:
        return {}
    return dict(Attachment.objects.filter(id__in=ids).values_list("id", "data"))


def attachments_get_for(*, viewer_key: str, ids) -> list[Attachment]:
    """The viewer's own uploads, each once, in the order given."""
    wanted = list(dict.fromkeys(as_uuid(i) for i in ids))
    if not wanted:  # most sends: no query at all
        return []
    found = {a.id: a for a in Attachment.objects.filter(owner_key=viewer_key, id__in=wanted)}
    if len(found) != len(wanted):
        raise Attachment.DoesNotExist("attachment not found")
    return [found[i] for i in wanted]


def attachment_get_for(*, viewer_key: str, attachment_id) -> Attachment:
    return Attachment.objects.get(owner_key=viewer_key, id=as_uuid(attachment_id))


def runs_of_session(*, access: SessionAccess, run_ids: list[str]) -> list[Run]:
    """The session's runs among `run_ids` (ids of other sessions or malformed ones: ignored)."""
    wanted = []
    for run_id in run_ids:
        try:
            wanted.append(as_uuid(run_id))
        except PlaygroundSession.DoesNotExist:
            continue
    runs = Run.objects.select_related("pane__session").filter(
        pane__session=access.session, id__in=wanted
    )
    return list(runs)


def runs_active_in(*, session: PlaygroundSession) -> list[Run]:
    return list(Run.objects.filter(pane__session=session, status__in=Run.ACTIVE))


def panes_streaming(*, session: PlaygroundSession) -> list[int]:
    runs = Run.objects.filter(pane__session=session, status__in=Run.ACTIVE)
    return list(runs.values_list("pane_id", flat=True))
