"""What a session's websocket reads from the database, on the socket threads
(`runs.persist.on_socket_thread`): who it is, and runs drawn as they are stored now."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from .access import SessionAccess, access_for_owner, viewer_key_for
from .runs.frames import run_frame, started_frame
from .runs.submit import runs_started
from .selectors import runs_active_in, runs_of_session


def access_for_scope(scope) -> SessionAccess | None:
    session = scope.get("session")
    key = viewer_key_for(
        user=scope.get("user"), session_key=session.session_key if session else None
    )
    try:
        return access_for_owner(
            viewer_key=key, session_id=scope["url_route"]["kwargs"]["session_id"]
        )
    except ObjectDoesNotExist:
        return None


def ended_frames(access: SessionAccess, run_ids: list[str]) -> dict[str, str]:
    """Final frames of the given runs of this session that are no longer streaming."""
    return resync_split(access, run_ids)[0]


def resync_split(access: SessionAccess, run_ids: list[str]) -> tuple[dict[str, str], set[str]]:
    """Of the given ids, this session's runs: final frames of those that ended, and the ids of
    those still streaming (anything else, another session's run or no id at all, is ignored)."""
    runs = runs_of_session(access=access, run_ids=run_ids)
    ended = [run for run in runs if not run.is_active]
    frames = {str(run.id): run_frame(run, can_edit=access.can_edit) for run in ended}
    return frames, {str(run.id) for run in runs if run.is_active}


def viewer_started_frame(access: SessionAccess, run_ids: list[str]) -> str:
    """A share viewer's own drawing of runs that started (no actions)."""
    return started_frame(runs_started(access=access, run_ids=run_ids), can_edit=False)


def active_run_ids(access: SessionAccess) -> list[str]:
    return [str(run.id) for run in runs_active_in(session=access.session)]
