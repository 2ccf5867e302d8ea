"""The leases of the runs this worker streams, renewed from a thread of their own.

Renewing them from the event loop tied a run's life to the loop's lag: a worker busy enough to
fall seconds behind stopped renewing, and another worker declared its live runs dead. The
thread keeps renewing while the process lives, however busy its loop is; when the process
dies, the renewals stop and the leases run out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from . import records

log = logging.getLogger(__name__)
_keeper: threading.Thread | None = None
_lock = threading.Lock()


def leases_keep(*, live_ids: Callable[[], list[str]]) -> None:
    """Start the renewing thread once per process."""
    global _keeper
    with _lock:
        if _keeper is None or not _keeper.is_alive():
            _keeper = threading.Thread(
                target=_renew_forever, args=(live_ids,), name="run-leases", daemon=True
            )
            _keeper.start()


def _renew_forever(live_ids: Callable[[], list[str]]) -> None:
    while True:
        time.sleep(settings.PLAYGROUND_RUN_LEASE_SECONDS / 3)
        run_ids = _snapshot(live_ids)
        if not run_ids:  # nothing to renew: leave the database (and its connection) alone
            continue
        try:
            close_old_connections()
            records.runs_lease_renew(run_ids=run_ids)
        except Exception:  # the database may be restarting: try again at the next beat
            log.exception("could not renew the run leases")


def _snapshot(live_ids: Callable[[], list[str]]) -> list[str]:
    """The ids, read from another thread while the loop may add or remove one."""
    for _ in range(5):
        try:
            return live_ids()
        except RuntimeError:  # the dictionary changed size while it was read
            continue
    return []
