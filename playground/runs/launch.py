"""A send or a regenerate in two hops around the start of its runs. The first stores the runs
(or rejects the send, storing nothing); their tasks start at once; the second draws the frames
that show them. Drawing after the start overlaps the upstream's own time to first token instead
of preceding it (for eight panes, ~10 ms of CPU). The sender still sees the accepted frame
before any delta: a consumer handles one message at a time, and its runs' frames wait behind
the send that started them."""

from __future__ import annotations

from dataclasses import dataclass

from playground.access import SessionAccess

from .frames import accepted_frames, rejected_frame
from .submit import Accepted, Rejected


@dataclass(frozen=True)
class Launch:
    html: str  # for the tab that sent it
    started: str = ""  # for the session's other tabs (viewers draw their own)


def launch_frames(outcome: Accepted | Rejected, *, access: SessionAccess, reset: bool) -> Launch:
    """`reset`: the composer empties (a send), or stays as it is (a regenerate)."""
    if isinstance(outcome, Rejected):
        return Launch(html=rejected_frame(outcome))
    frames = accepted_frames(outcome, access=access)
    return Launch(html=frames.sender if reset else frames.editors, started=frames.editors)
