"""A send or a regenerate, from the message to stored runs and the frames that show them: one
database hop (each hop costs milliseconds of time to first token). The tasks start after it."""

from __future__ import annotations

from dataclasses import dataclass

from playground.access import SessionAccess

from .frames import accepted_frames, rejected_frame
from .submit import Accepted, Rejected, runs_regenerate, runs_submit


@dataclass(frozen=True)
class Launch:
    accepted: Accepted | None
    html: str  # for the tab that sent it
    started: str = ""  # for the session's other tabs (viewers draw their own)


def launch_send(*, access: SessionAccess, data: dict, simulator_base: str, room: int) -> Launch:
    outcome = runs_submit(access=access, data=data, simulator_base=simulator_base, room=room)
    return _launch(outcome, access=access, reset=True)


def launch_regenerate(*, access: SessionAccess, run_id, simulator_base: str, room: int) -> Launch:
    outcome = runs_regenerate(
        access=access, run_id=run_id, simulator_base=simulator_base, room=room
    )
    return _launch(outcome, access=access, reset=False)


def _launch(outcome: Accepted | Rejected, *, access: SessionAccess, reset: bool) -> Launch:
    if isinstance(outcome, Rejected):
        return Launch(accepted=None, html=rejected_frame(outcome))
    frames = accepted_frames(outcome, access=access)
    html = frames.sender if reset else frames.editors
    return Launch(accepted=outcome, html=html, started=frames.editors)
