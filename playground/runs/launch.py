"""A send or a regenerate, from the message to stored runs and the frames that show them, in two
database hops: the first stores the runs with their requests (a rejection is drawn there too),
the second draws the accepted runs. Their tasks start between the two, so the upstream request
is on its way while the page's frames are drawn: drawing is time to first token no user needs.

The frames still reach the tab first: its socket follows the runs through its inbox, which the
consumer reads only after the send is answered (one message at a time)."""

from __future__ import annotations

from dataclasses import dataclass

from playground.access import SessionAccess

from .frames import accepted_frames, rejected_frame
from .submit import Accepted, Rejected, runs_regenerate, runs_submit


@dataclass(frozen=True)
class Launch:
    accepted: Accepted | None
    rejected_html: str = ""  # the rejection, for the tab that sent it
    reset: bool = True  # a send clears the sender's composer; a regenerate leaves it


@dataclass(frozen=True)
class LaunchFrames:
    html: str  # for the tab that sent it
    started: str  # for the session's other tabs (viewers draw their own)


def launch_send(*, access: SessionAccess, data: dict, simulator_base: str, room: int) -> Launch:
    outcome = runs_submit(access=access, data=data, simulator_base=simulator_base, room=room)
    return _launch(outcome, reset=True)


def launch_regenerate(*, access: SessionAccess, run_id, simulator_base: str, room: int) -> Launch:
    outcome = runs_regenerate(
        access=access, run_id=run_id, simulator_base=simulator_base, room=room
    )
    return _launch(outcome, reset=False)


def _launch(outcome: Accepted | Rejected, *, reset: bool) -> Launch:
    if isinstance(outcome, Rejected):
        return Launch(accepted=None, rejected_html=rejected_frame(outcome))
    return Launch(accepted=outcome, reset=reset)


def launch_frames(*, launch: Launch, access: SessionAccess) -> LaunchFrames:
    """The accepted runs drawn (the second hop, after their tasks started)."""
    frames = accepted_frames(launch.accepted, access=access)
    html = frames.sender if launch.reset else frames.editors
    return LaunchFrames(html=html, started=frames.editors)
