"""Threads for database work, so streams never queue behind one shared thread.

Channels runs every consumer's database call on one global thread; at 200 streams a send waited
seconds there behind everyone else. Here websocket work (connects, sends, stops) has a small
pool of its own (`on_socket_thread`), and run persistence (checkpoints, the end of a run,
leases) another (`on_run_thread`), so streaming runs writing checkpoints never delay a page
that connects or a new send; a send's accepted runs are drawn on a thread of their own
(`on_draw_thread`), after their requests left. Django's sync views get a thread per request.
Each pool thread keeps its own connection (CONN_MAX_AGE); close_old_connections() drops it
when it is too old or broken, as at the start of a request.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections


@functools.cache
def _pool(name: str, size: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=size, thread_name_prefix=name)


def _fresh_connection(func):
    @functools.wraps(func)
    def call(*args, **kwargs):
        close_old_connections()
        return func(*args, **kwargs)

    return call


def on_run_thread(func):
    """`func` as a coroutine function that runs on the run-persistence pool."""
    return _on(_pool("run-db", settings.PLAYGROUND_RUN_DB_THREADS), func)


def on_socket_thread(func):
    """`func` as a coroutine function that runs on the websocket pool."""
    return _on(_pool("socket-db", settings.PLAYGROUND_SOCKET_DB_THREADS), func)


def on_draw_thread(func):
    """`func` on a thread of its own for drawing a send's accepted runs: that second hop of a
    send must not queue behind other sends' storing on the websocket pool (in a burst of 200
    sends every accepted frame then came after the last send was stored)."""
    return _on(_pool("draw-db", 1), func)


def _on(pool: ThreadPoolExecutor, func):
    return sync_to_async(_fresh_connection(func), thread_sensitive=False, executor=pool)
