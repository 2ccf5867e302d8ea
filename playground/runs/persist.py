"""Threads for database work, so streams never queue behind one shared thread.

`on_request_thread` is Channels' usual database thread: connects, sends, stops. Run persistence
(checkpoints, the end of a run, leases) goes to a small pool of its own (`on_run_thread`), so a
thousand streaming runs writing checkpoints cannot delay a page that connects or a new send.
Each pool thread keeps its own connection (CONN_MAX_AGE); close_old_connections() drops it
when it is too old or broken, as at the start of a request.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import close_old_connections

on_request_thread = database_sync_to_async


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=settings.PLAYGROUND_RUN_DB_THREADS, thread_name_prefix="run-db"
    )


def _fresh_connection(func):
    @functools.wraps(func)
    def call(*args, **kwargs):
        close_old_connections()
        return func(*args, **kwargs)

    return call


def on_run_thread(func):
    """`func` as a coroutine function that runs on the run-persistence pool."""
    return sync_to_async(_fresh_connection(func), thread_sensitive=False, executor=_pool())
