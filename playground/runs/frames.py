"""The frame protocol: every HTML fragment pushed over a socket, rendered from template partials
(always escaped), and the Channels events and groups that carry them.

Groups: `run.<id>` carries a run's frames to everyone watching it; `runctl.<id>` reaches the
worker that streams it (stop, snapshot); `session.<id>` tells every open tab and share viewer
of a session that runs started. Frames that show actions come in two renderings: one for
people who can edit, one for viewers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe

from playground.access import SessionAccess
from playground.ledger import session_ledger
from playground.models import Run
from playground.page_context import view_for
from playground.selectors import run_turn

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


def frame_event(*, run_id, seq: int, kind: str, html: str, view_html: str = "") -> dict:
    """The one shape of a frame on the channel layer."""
    event = {"type": "run.frame", "run_id": str(run_id), "seq": seq, "kind": kind, "html": html}
    if view_html:
        event["view_html"] = view_html
    return event


async def publish(layer, group: str, event: dict) -> bool:
    """Send to a group; a channel layer that fails (Redis busy or restarting) loses this frame
    but never the run: viewers see the gap in sequence numbers and ask for a snapshot."""
    try:
        await layer.group_send(group, event)
    except Exception:  # noqa: BLE001 - any layer error: the stream must go on
        log.warning("could not send to %s", group, exc_info=True)
        return False
    return True


def _delta_template():
    return get_template("playground/run.html#delta")


def delta_frame(*, run_id: str, text: str, reasoning: str, metrics: RunMetrics | None) -> str:
    """Text appended to the run's elements; metrics only a few times a second."""
    context = {"run_id": run_id, "text": text, "reasoning": reasoning, "metrics": metrics}
    return _delta_template().render(context)


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


def run_frames(run: Run) -> tuple[str, str]:
    """A finished (or newly shown) run, for editors and for viewers, with the session's ledger
    (its cost and tokens, per model) as it now stands."""
    context = {
        "run": run,
        "turn": run_turn(run=run),
        "session_id": run.pane.session_id,
        "ledger": session_ledger(session=run.pane.session),
        "oob": True,
        "final": not run.is_active,
    }
    return tuple(
        render_to_string(
            "playground/run.html#run", context | {"access": _Viewer(can_edit=can_edit)}
        )
        for can_edit in (True, False)
    )


@dataclass(frozen=True)
class _Viewer:
    """What the templates ask of an access: whether to show actions."""

    can_edit: bool


@dataclass(frozen=True)
class AcceptedFrames:
    sender: str  # appends the runs and resets the composer of the tab that sent
    editors: str  # the same runs for the session's other tabs
    viewers: str  # and for share viewers: no actions


def accepted_frames(accepted: Accepted, *, access: SessionAccess) -> AcceptedFrames:
    """New runs in their panes: appended, or the pane redrawn when it shows another branch.
    Each run is drawn once per audience; the frames only wrap those pieces."""
    viewer = _Viewer(can_edit=False)
    editor_pieces = [_run_piece(item, access=access) for item in accepted.runs]
    viewer_pieces = [_run_piece(item, access=viewer) for item in accepted.runs]
    template = get_template("playground/session.html#accepted")
    wrap = {"round": accepted.round, "reset": False}
    return AcceptedFrames(
        sender=template.render(wrap | {"pieces": editor_pieces, "reset": True}),
        editors=template.render(wrap | {"pieces": editor_pieces}),
        viewers=template.render(wrap | {"pieces": viewer_pieces}),
    )


def _run_piece(item, *, access) -> SafeString:
    context = {"access": access, "session_id": item.run.pane.session_id, "run": item.run}
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
