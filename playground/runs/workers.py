"""Which worker streams a run, and whether that worker is known to be gone.

A run records the worker streaming it ("host/pid-namespace:pid"). Leases tell a dead worker's
runs from any host, but only once the lease has run out (PLAYGROUND_RUN_LEASE_SECONDS). On the
worker's own host we can tell at once, which is what a page loaded right after a restart needs:
a process that no longer exists streams nothing, and a run recorded under this process's own id
before it started belonged to an earlier process with the same pid (a container restarts its
server under the same pid). A pid that is alive is left to its lease: it may be an unrelated
process by now. "This host" includes the pid namespace: containers that share a host name (host
networking) do not see each other's processes, and must not take each other's live runs for
dead ones.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

# Set when this module is first imported, which is before this process can store a run
# (services imports it to stamp new runs).
STARTED_AT = timezone.now()


def worker_id() -> str:
    """Which worker process streams a run (a run belongs to the worker that streams it)."""
    return f"{this_host()}:{os.getpid()}"


def this_host() -> str:
    """The host name and the pid namespace: where a pid means the same process."""
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:  # no /proc (not Linux): no pid namespaces either
        return socket.gethostname()
    return f"{socket.gethostname()}/{namespace}"


def orphaned(runs: QuerySet) -> Q:
    """Of these active runs, the ones whose worker is known to be gone."""
    workers = runs.order_by().values_list("worker", flat=True).distinct()
    earlier_self = Q(worker=worker_id(), created_at__lt=STARTED_AT)
    return Q(worker__in=workers_gone_here(workers)) | earlier_self


def workers_gone_here(workers: Iterable[str]) -> set[str]:
    """The workers of this host whose process no longer exists."""
    host = this_host()
    gone = set()
    for worker in workers:
        name, _, pid = worker.rpartition(":")
        if name == host and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            gone.add(worker)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except (OverflowError, ValueError):
        return False
    return True
