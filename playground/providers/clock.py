"""The deadlines of one run: total, first token, idle (see client.py for what each means)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from playground.providers.types import Limits

T = TypeVar("T")


class Expired(Exception):
    """One of our deadlines passed; `kind` is the matching Failure kind."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass
class Clock:
    """The deadlines of one run, measured on the event loop's clock."""

    limits: Limits
    run_started: float
    attempt_started: float = 0.0
    last_content: float | None = None

    @classmethod
    def start(cls, limits: Limits) -> Clock:
        return cls(limits, asyncio.get_running_loop().time())

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def start_attempt(self) -> None:
        self.attempt_started, self.last_content = self.now(), None

    def content_seen(self) -> None:
        self.last_content = self.now()

    def total_left(self) -> float:
        return self.run_started + self.limits.total - self.now()

    def next_deadline(self) -> tuple[float, str]:
        total = self.run_started + self.limits.total
        if self.last_content is None:
            content = (self.attempt_started + self.limits.first_token, "timeout_first_token")
        else:
            content = (self.last_content + self.limits.idle, "timeout_idle")
        return (total, "timeout_total") if total <= content[0] else content

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[None]:
        """The deadlines over a whole reading loop, for the price of one timer: it fires at the
        deadline as it stood, re-arms itself if content moved the deadline meanwhile, and only
        then cancels the read (raising Expired). A timeout around every chunk cost a timer per
        chunk (5-7% of a worker's CPU at 50 tokens/s)."""
        loop = asyncio.get_running_loop()
        deadline, kind = self.next_deadline()
        if self.now() >= deadline:
            raise Expired(kind)
        scope, expired = asyncio.timeout(None), []

        def check() -> None:
            nonlocal timer
            deadline, kind = self.next_deadline()
            if loop.time() < deadline:
                timer = loop.call_at(deadline, check)
                return
            expired.append(kind)
            scope.reschedule(loop.time())

        timer = loop.call_at(deadline, check)
        try:
            async with scope:
                yield
        except TimeoutError:
            if expired and scope.expired():
                raise Expired(expired[0]) from None
            raise
        finally:
            timer.cancel()

    async def within(self, make: Callable[[], Awaitable[T]]) -> T:
        """Await make() unless the next deadline passes first (then raise Expired)."""
        deadline, kind = self.next_deadline()
        # Checked up front: an await that completes without suspending never sees the timeout.
        if self.now() >= deadline:
            raise Expired(kind)
        timeout = asyncio.timeout_at(deadline)
        try:
            async with timeout:
                return await make()
        except TimeoutError:
            if timeout.expired():
                raise Expired(kind) from None
            raise
