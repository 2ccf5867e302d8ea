"""One soak client: a tab that keeps sending, run after run, for the whole soak. Now and then
it drops its socket mid-run and comes back as a reload does; every few turns it starts a new
session (the "New session" button), so threads stay short and sessions pile up as for users."""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field

from .expected import expected_answer, tokens_in
from .page import Page
from .phases import TOPIC, Environment
from .tab import AppStream, Tab, TabError, text_problem

ACTIVE_RUN = re.compile(r'<article id="run-[^"]+" class="run status-(?:queued|streaming)')
ANY_RUN = re.compile(r'<article id="run-')


@dataclass
class RunRecord:
    client: int
    at: float  # seconds since the soak began
    stream: AppStream
    problem: str = ""  # an error kind or a text check that failed
    tokens: int = 0


@dataclass
class SoakClient:
    index: int
    env: Environment
    tokens: int
    drop: float  # probability that a run is interrupted by a reload
    turns_per_session: int
    rng: random.Random
    records: list[RunRecord] = field(default_factory=list)
    # session page → (the tab's page, with the cookies that own it; runs accepted there)
    sessions: dict[str, tuple[Page, int]] = field(default_factory=dict)
    history: list[tuple[str, str]] = field(default_factory=list)
    tab: Tab | None = None

    async def run_until(self, deadline: float, *, began: float) -> None:
        await asyncio.sleep(self.rng.uniform(0, 2))  # users do not all arrive in one instant
        turn = 0
        while time.monotonic() < deadline:
            try:
                await self._ready(turn)
            except Exception as error:  # counted, then tried again
                self._failed_setup(error, began)
                await asyncio.sleep(1)
                continue
            await self._one_run(turn, began)
            turn += 1
            await asyncio.sleep(self.rng.uniform(0, 1))  # reading the answer
        if self.tab is not None:
            await self.tab.close()

    async def _ready(self, turn: int) -> None:
        """A tab with an open socket, on a fresh session every `turns_per_session` turns."""
        if self.tab is None:
            self.tab = self.env.tab()
            await self.tab.page.open()
            await self._switched()
        elif turn % self.turns_per_session == 0 and turn:
            await self.tab.close()
            await self.tab.page.new_session()
            await self._switched()
        elif self.tab.ws is None:
            await self.tab.page.open(self.tab.page.url)
            await self.tab.connect()

    async def _switched(self) -> None:
        self.history = []
        self.sessions.setdefault(self.tab.page.url, (self.tab.page, 0))
        await self.tab.connect()

    async def _one_run(self, turn: int, began: float) -> None:
        prompt = f"Soak client {self.index} turn {turn}: {TOPIC}"
        wanted = expected_answer(prompt=prompt, tokens=self.tokens, history=tuple(self.history))
        # A reload somewhere between the first words and the last fifth of the answer.
        drop_at = (
            int(self.rng.uniform(0.05, 0.8) * len(wanted)) if self.rng.random() < self.drop else 0
        )
        message = self.tab.page.send_message(prompt=prompt, tokens=self.tokens)
        at = time.monotonic() - began
        stream = await self.tab.run(message=message, timeout=60, drop_at=drop_at)
        record = RunRecord(client=self.index, at=at, stream=stream, tokens=tokens_in(stream.text))
        if stream.accepted is not None:
            page, accepted = self.sessions[self.tab.page.url]
            self.sessions[self.tab.page.url] = (page, accepted + 1)
        record.problem = stream.error or text_problem(stream, wanted=wanted)
        if record.problem and not stream.error:
            stored = len(stream.final_text or "")
            stream.detail = f"{len(stream.text)} of {stored} stored chars shown; {stream.summary()}"
        self.records.append(record)
        self.history.append((prompt, stream.final_text or ""))
        if stream.error:  # the run may still be active: the next send goes to a new session
            await self.tab.close()
            self.tab = None

    def _failed_setup(self, error: BaseException, began: float) -> None:
        kind = error.kind if isinstance(error, TabError) else "page"
        stream = AppStream(error=kind, detail=f"{type(error).__name__}: {error}"[:300])
        self.records.append(
            RunRecord(client=self.index, at=time.monotonic() - began, stream=stream, problem=kind)
        )
        if self.tab is not None and self.tab.ws is None:
            self.tab = None


async def pages_check(sessions: dict[str, tuple[Page, int]]) -> dict:
    """After the soak, each session page as its owner sees it: no run still queued or
    streaming, and every accepted run shown."""
    stuck = missing = failed = 0
    for url, (page, accepted) in sessions.items():
        try:
            html = (await page.client.get(url)).raise_for_status().text
        except Exception:  # counted
            failed += 1
            continue
        stuck += len(ACTIVE_RUN.findall(html))
        missing += max(0, accepted - len(ANY_RUN.findall(html)))
    return {
        "sessions": len(sessions),
        "stuck_runs": stuck,
        "runs_missing_from_pages": missing,
        "pages_failed": failed,
    }
