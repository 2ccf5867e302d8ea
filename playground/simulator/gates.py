"""Named gates (the ``gate=<name>`` directive): a reply pauses at a gate until a test releases it.

Routes (under the simulator's base URL, e.g. /simulator/v1):
  POST /gates/<name>/release   release the gate: paused streams go on, later ones do not pause
  GET  /gates/<name>           {"name", "released", "waiting"}: waiting = streams paused there now
Both answer 200 JSON; a gate nobody mentioned yet reads as closed with nobody waiting.

Why: a test that must see a run "still streaming" cannot race a fast stream on a loaded machine;
with a gate the stream is provably paused until the test says otherwise. Gates live in this
process's memory only. A released gate stays released (use a fresh name per test). At most
MAX_GATES are remembered; the oldest ones nobody waits on are forgotten first.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict

from .directive import GATE_NAME
from .errors import SimulatorError

MAX_GATES = 4096


class Gate:
    def __init__(self, name: str):
        self.name = name
        self.released = False
        self._waiters: set[asyncio.Future[None]] = set()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def state(self) -> dict:
        return {"name": self.name, "released": self.released, "waiting": self.waiting}

    def release(self) -> None:
        self.released = True
        for waiter in self._waiters:
            # Thread-safe, so a gate can also be released from outside the serving loop.
            waiter.get_loop().call_soon_threadsafe(_resolve, waiter)

    async def wait(self, *, timeout: float) -> float:
        """Pause until released or `timeout` seconds passed; returns the seconds paused.

        Cancellation (the client went away) propagates at once and the waiter is dropped.
        """
        if self.released:
            return 0.0
        loop = asyncio.get_running_loop()
        waiter, started = loop.create_future(), loop.time()
        self._waiters.add(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await waiter
        finally:
            self._waiters.discard(waiter)
        return loop.time() - started


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Gates:
    """Every gate of this simulator process, by name."""

    def __init__(self, *, size: int = MAX_GATES):
        self.size = size
        self._gates: OrderedDict[str, Gate] = OrderedDict()

    def get(self, name: str) -> Gate:
        gate = self._gates.pop(name, None) or Gate(name)
        self._make_room()
        self._gates[name] = gate  # (re)inserted last: the most recently used
        return gate

    def state(self, name: str) -> dict:
        gate = self._gates.get(name)
        return gate.state() if gate else Gate(name).state()

    def release(self, name: str) -> dict:
        gate = self.get(name)
        gate.release()
        return gate.state()

    def _make_room(self) -> None:
        excess = len(self._gates) + 1 - self.size
        if excess > 0:
            idle = [name for name, gate in self._gates.items() if not gate.waiting]
            for name in idle[:excess]:
                del self._gates[name]


def gate_route(path: str, method: str) -> tuple[str, str]:
    """(name, "release" | "state") for a /gates/… path, or the SimulatorError to answer."""
    name, _, action = path.removeprefix("/gates/").partition("/")
    if not GATE_NAME.fullmatch(name):
        raise SimulatorError(404, f"No gate route for {path}; gate names are [A-Za-z0-9_.:-].")
    wanted = {"release": "POST", "": "GET"}.get(action)
    if wanted is None:
        raise SimulatorError(404, f"No gate route for {path}.")
    if method != wanted and not (wanted == "GET" and method == "HEAD"):
        raise SimulatorError(405, f"Use {wanted} for {path}.")
    return name, action or "state"
