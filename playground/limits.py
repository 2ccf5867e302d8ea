"""Fair use: what one person may start, checked before anything is stored or sent.

A person is the owner key of the session they send from ("user:<pk>" signed in, else
"anon:<hash of the browser session>", see access.viewer_key_for): only owners can send.

- Concurrent runs: counted from the database (every worker's runs are there, with a lease), in
  the transaction that stores the new runs, under a per-person lock, so two sends on two workers
  can never both take the last room (PostgreSQL: an advisory transaction lock; SQLite runs one
  write transaction at a time, transaction_mode=IMMEDIATE).
- Sends per minute: the accounts' attempt counters (accounts/throttle.py) in Django's cache,
  which is Redis whenever there are several workers. Every send and regenerate counts, refused
  or not (a refused one costs the server work too); the window is a fixed minute.
- Context window: the estimated input tokens of the request against the model's window.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import connection

from .accounts import throttle
from .catalog import ModelSpec
from .models import Run

RETRY_SECONDS = 5  # a guess at when a run of this person ends: the cap frees as they finish


class PersonBusy(Exception):
    """The person streams as many runs as they may; the message says what to do."""


class OverContext(Exception):
    """The request does not fit the model's context window; the message has the numbers."""


def send_throttle(*, owner_key: str) -> list[str]:
    """Count a send (or regenerate) of this person; a refusal with the wait when over."""
    limit = throttle.Limit("sends", settings.PLAYGROUND_SENDS_PER_MINUTE, 60)
    if limit.attempts <= 0:  # switched off
        return []
    wait = throttle.take(limit, owner_key)
    if not wait:
        return []
    return [f"Busy: at most {limit.attempts} sends a minute. Nothing was sent; retry in {wait} s."]


def person_runs_admit(*, owner_key: str, count: int) -> None:
    """Room for `count` more runs of this person, or PersonBusy. Call it inside the transaction
    that stores them: the lock is held until it commits, and a refusal stores nothing."""
    cap = settings.PLAYGROUND_MAX_RUNS_PER_PERSON
    if cap <= 0:  # switched off: only the worker's own cap (PLAYGROUND_MAX_ACTIVE_RUNS) holds
        return
    if count > cap:
        raise PersonBusy(
            f"This send would start {count} runs; one person may stream at most {cap} at "
            "once. Nothing was sent; lower Repeat or use fewer panes."
        )
    _person_lock(owner_key)
    active = person_runs_active(owner_key=owner_key)
    if active + count > cap:
        raise PersonBusy(
            f"Busy: you have {active} runs streaming and may stream {cap} at once "
            f"(this send needs {count}). Nothing was sent; stop a run or retry in "
            f"{RETRY_SECONDS} s."
        )


def person_runs_active(*, owner_key: str) -> int:
    """Runs of this person streaming on any worker (a dead worker's runs count until swept)."""
    return Run.objects.filter(status__in=Run.ACTIVE, pane__session__owner_key=owner_key).count()


def _person_lock(owner_key: str) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: the write transaction is already exclusive
    digest = hashlib.sha256(f"runs:{owner_key}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )


def context_admit(*, model: ModelSpec, input_tokens: int) -> None:
    """OverContext when the request's estimated input exceeds the model's context window."""
    window = model.context_window
    if input_tokens > window:
        raise OverContext(
            f"{model.name}: this request is about {input_tokens:,} input tokens, over the "
            f"model's {window:,}-token context window (by {input_tokens - window:,}). Nothing "
            "was sent; shorten the prompt, remove attachments or start a new conversation."
        )
