"""The frame protocol: every HTML fragment pushed over a socket, rendered from template partials
(always escaped), and the Channels events and groups that carry them.

Groups: `run.<id>` carries a run's frames to everyone watching it; `runctl.<id>` reaches the
worker that streams it (stop, snapshot); `session.<id>` tells every open tab and share viewer
of a session that runs started. Frames on the layer are rendered for people who can edit; a
share viewer's socket renders its own, without actions, when a frame shows any.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

from django.template.loader import get_template, render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from playground.access import SessionAccess
from playground.ledger import session_ledger
from playground.models import Run
from playground.page_context import view_for
from playground.rounds import round_summary_of_run
from playground.selectors import pane_letter, pane_letters, panes_shown, run_turn

from .metrics import RunMetrics
from .state import RunState
from .submit import Accepted, Rejected

DELTA, SNAPSHOT, FINAL = "delta", "snapshot", "final"
log = logging.getLogger(__name__)


def frames_group(run_id) -> str:
    return f"run.{run_id}"


def control_group(run_id) -> str:
    return f"runctl.{run_id}"


def session_group(session_id) -> str:
    return f"session.{session_id}"


def frame_event(*, run_id, seq: int, kind: str, html: str) -> dict:
    """The one shape of a frame on the channel layer."""
    return {"type": "run.frame", "run_id": str(run_id), "seq": seq, "kind": kind, "html": html}


async def publish(layer, group: str, event: dict) -> bool:
    """Send to a group; a channel layer that fails (Redis busy or restarting) loses this frame
    but never the run: viewers see the gap in sequence numbers and ask for a snapshot."""
    try:
        await layer.group_send(group, event)
    except Exception:  # noqa: BLE001 - any layer error: the stream must go on
        log.warning("could not send to %s", group, exc_info=True)
        return False
    return True


_SLOTS = {"run_id": "\ue000", "part": "\ue001", "piece": "\ue002"}


@functools.cache
def _appended_text_shape() -> tuple[str, ...]:
    """The `appended_text` partial, rendered once with markers in its three slots and cut at
    them: a delta frame is then a join of escaped text into the partial's own markup, not a
    template render per frame (a tenth of the cost, measured)."""
    marked = get_template("playground/run.html#appended_text").render(_SLOTS)
    return tuple(re.split(f"([{''.join(_SLOTS.values())}])", marked))


def appended_text(*, run_id: str, part: str, piece: str) -> str:
    values = {_SLOTS["run_id"]: run_id, _SLOTS["part"]: part, _SLOTS["piece"]: escape(piece)}
    return "".join(values.get(bit, bit) for bit in _appended_text_shape())


def delta_frame(*, run_id: str, text: str, reasoning: str, metrics: RunMetrics | None) -> str:
    """Text appended to the run's elements; metrics only a few times a second (rendered)."""
    html = appended_text(run_id=run_id, part="reasoning", piece=reasoning) if reasoning else ""
    if text:
        html += appended_text(run_id=run_id, part="answer", piece=text)
    if metrics is not None:
        context = {"run_id": run_id, "metrics": metrics, "oob": True}
        html += get_template("playground/run.html#metrics").render(context)
    return html


def snapshot_frame(state: RunState) -> str:
    """The streaming run as it is now, replacing whatever a (re)joining page shows."""
    text, reasoning = state.sent_so_far()
    context = {
        "run_id": state.run_id,
        "text": text,
        "reasoning": reasoning,
        "metrics": RunMetrics.from_state(state),
        "oob": True,
    }
    return render_to_string("playground/run.html#streaming_body", context)


def run_frame(run: Run, *, can_edit: bool = True) -> str:
    """A finished (or newly shown) run, with the session's ledger (its cost and tokens, per
    model) as it now stands. Frames on the layer carry the editors' rendering; a share viewer's
    socket renders its own (without actions) only when there is a viewer."""
    turn = run_turn(run=run)
    shown = panes_shown(session_id=run.pane.session_id)
    context = {
        "run": run,
        "turn": turn,
        "repetition": next(i for i, r in enumerate(turn.runs, 1) if r.id == run.id),
        "repetitions": len(turn.runs),
        "pane_letter": pane_letter(pane=run.pane, shown=shown),
        "blind": run.pane.session.blind,
        "summary": round_summary_of_run(run=run, panes=shown) if not run.is_active else None,
        "session_id": run.pane.session_id,
        "ledger": session_ledger(session=run.pane.session),
        "oob": True,
        "final": not run.is_active,
        "access": _Viewer(can_edit=can_edit),
    }
    return get_template("playground/run.html#run").render(context)


@dataclass(frozen=True)
class _Viewer:
    """What the templates ask of an access: whether to show actions."""

    can_edit: bool


@dataclass(frozen=True)
class AcceptedFrames:
    sender: str  # appends the runs and resets the composer of the tab that sent
    editors: str  # the same runs for the session's other tabs


def accepted_frames(accepted: Accepted, *, access: SessionAccess) -> AcceptedFrames:
    """New runs in their panes: appended, or the pane redrawn when it shows another branch.
    Each run is drawn once; the frames only wrap those pieces."""
    return _wrapped(accepted, _pieces(accepted, access=access))


def started_frame(accepted: Accepted, *, can_edit: bool) -> str:
    """What another tab (or a share viewer, without actions) shows of runs that started."""
    return _wrapped(accepted, _pieces(accepted, access=_Viewer(can_edit=can_edit))).editors


def _pieces(accepted: Accepted, *, access) -> list:
    """Per pane: its new runs appended (numbered when a send asked for repetitions), or the
    whole pane redrawn once when it now shows another branch."""
    if not accepted.runs:
        return []
    by_pane: dict = {}
    for item in accepted.runs:
        by_pane.setdefault(item.run.pane_id, []).append(item)
    letters = pane_letters(session_id=accepted.runs[0].run.pane.session_id)  # one query, not N
    pieces = []
    for items in by_pane.values():
        letter = {"pane_letter": letters.get(items[0].run.pane_id, "?")}
        if any(item.redraw for item in items):
            pieces.append(_run_piece(items[0], access=access, extra=letter))
            continue
        for number, item in enumerate(items, 1):
            extra = letter | {"repetition": number, "repetitions": len(items)}
            pieces.append(_run_piece(item, access=access, extra=extra))
    return pieces


def _wrapped(accepted: Accepted, pieces: list) -> AcceptedFrames:
    template = get_template("playground/session.html#accepted")
    wrap = {"round": accepted.round, "reset": False, "pieces": pieces}
    return AcceptedFrames(
        sender=template.render(wrap | {"reset": True}), editors=template.render(wrap)
    )


def _run_piece(item, *, access, extra: dict | None = None) -> SafeString:
    context = {"access": access, "session_id": item.run.pane.session_id, "run": item.run}
    context |= (extra or {}) | {"blind": item.run.pane.session.blind}
    if item.redraw:
        context["view"] = view_for(item.run.pane)
        return mark_safe(render_to_string("playground/session.html#redrawn", context))  # noqa: S308
    return mark_safe(render_to_string("playground/session.html#appended", context))  # noqa: S308


def rejected_frame(rejected: Rejected) -> str:
    invalid = [view_for(form.pane, thread=False) for form in rejected.forms]
    for view, form in zip(invalid, rejected.forms, strict=True):
        view.form = form
    return render_to_string(
        "playground/session.html#rejected", {"rejected": rejected, "invalid": invalid}
    )


def errors_frame(errors: list[str]) -> str:
    return render_to_string(
        "playground/session.html#composer_errors", {"errors": errors, "oob": True}
    )
