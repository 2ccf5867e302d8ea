"""Runs nobody watches are stopped, so an abandoned tab does not bill forever.

"Watched" means some socket follows the run's session: the owner's tab or a share link's
viewer, on any worker. Each worker counts its own sockets per session and notes the time on
those sessions' rows (`watched_at`) when the first one opens, when the last one closes and every
quarter of PLAYGROUND_UNWATCHED_STOP_SECONDS (at most a minute) in between. Each worker checks
the runs it streams itself against those notes, so a viewer on another worker counts too. A
run is stopped (status stopped, the reason stored and shown) between the limit and the limit
plus one note period after its last watcher left; runs younger than the limit are left alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from playground.models import PlaygroundSession, Run

from .persist import on_run_thread

log = logging.getLogger(__name__)
MAX_NOTE_PERIOD = 60.0

_sockets: Counter[str] = Counter()  # session id -> sockets of this worker following it
_pending: set[asyncio.Task] = set()  # notes in flight (kept so they are not collected)
_watcher: asyncio.Task | None = None


def session_watch(*, session_id) -> None:
    """A socket of this worker follows the session (call from the event loop)."""
    key = str(session_id)
    _sockets[key] += 1
    if _sockets[key] == 1:
        _note_soon(key)


def session_unwatch(*, session_id) -> None:
    key = str(session_id)
    if key not in _sockets:
        return
    _sockets[key] -= 1
    if _sockets[key] <= 0:
        del _sockets[key]
        _note_soon(key)  # watched until now: the limit counts from here


def _note_soon(key: str) -> None:
    task = asyncio.create_task(on_run_thread(sessions_note_watched)(session_ids=[key]))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


def sessions_note_watched(*, session_ids: list[str]) -> None:
    if session_ids:  # a plain update: `updated_at` (last activity) is not touched
        PlaygroundSession.objects.filter(pk__in=session_ids).update(watched_at=timezone.now())


def runs_unwatched(*, run_ids: list[str], seconds: float, here: list[str]) -> list[str]:
    """Of these active runs, those whose session no socket has followed for `seconds` (and
    that are older than that); `here`: sessions this worker's sockets follow right now."""
    cutoff = timezone.now() - timedelta(seconds=seconds)
    runs = Run.objects.filter(pk__in=run_ids, status__in=Run.ACTIVE, created_at__lt=cutoff)
    runs = runs.filter(
        Q(pane__session__watched_at__lt=cutoff) | Q(pane__session__watched_at__isnull=True)
    ).exclude(pane__session_id__in=here)
    return [str(pk) for pk in runs.values_list("pk", flat=True)]


def unwatched_message(seconds: float) -> str:
    return f"Stopped: nobody watched it for {duration_text(seconds)}."


def duration_text(seconds: float) -> str:
    """600 -> "10 minutes", 90 -> "90 seconds", 1 -> "1 second"."""
    whole = round(seconds)
    count, unit = (whole // 60, "minute") if whole >= 60 and whole % 60 == 0 else (whole, "second")
    return f"{count} {unit}{'' if count == 1 else 's'}"


def note_period() -> float:
    seconds = settings.PLAYGROUND_UNWATCHED_STOP_SECONDS
    return min(MAX_NOTE_PERIOD, seconds / 4) if seconds > 0 else MAX_NOTE_PERIOD


def watchers_ensure(*, live_ids: Callable[[], list[str]], stop: Callable[[str, str], None]):
    """Start this worker's note-and-check loop once (per event loop)."""
    global _watcher
    if _watcher is None or _watcher.done():
        _watcher = asyncio.create_task(_watch_forever(live_ids=live_ids, stop=stop))


async def _watch_forever(*, live_ids, stop) -> None:
    while True:
        await asyncio.sleep(note_period())
        try:
            await _watch_once(live_ids=live_ids, stop=stop)
        except Exception:  # the database may be restarting: try again next period
            log.exception("noting watched sessions failed")


async def _watch_once(*, live_ids, stop) -> None:
    here = list(_sockets)
    await on_run_thread(sessions_note_watched)(session_ids=here)
    ids, seconds = live_ids(), settings.PLAYGROUND_UNWATCHED_STOP_SECONDS
    if not ids or seconds <= 0:  # nothing streams here, or the stop is switched off
        return
    for run_id in await on_run_thread(runs_unwatched)(run_ids=ids, seconds=seconds, here=here):
        log.info("run %s stopped: nobody watched it for %s s", run_id, seconds)
        stop(run_id, unwatched_message(seconds))
