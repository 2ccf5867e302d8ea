"""The Broadcaster against a channel layer whose sends take a round trip (as Redis's do)."""

from __future__ import annotations

import asyncio
import re

from playground.catalog import get_catalog
from playground.providers.types import TextDelta
from playground.runs.broadcast import Broadcaster
from playground.runs.state import RunState


class SlowLayer:
    """A stand-in for channels-redis: every group_send awaits a network round trip."""

    def __init__(self, round_trip: float):
        self.round_trip, self.events = round_trip, []
        self.sending = asyncio.Event()

    async def group_send(self, group: str, event: dict) -> None:
        self.sending.set()
        await asyncio.sleep(self.round_trip)
        self.events.append(event)


def _state() -> RunState:
    model = next(iter(get_catalog().models.values()))
    return RunState(run_id="00000000-0000-0000-0000-000000000001", model=model,
                    estimated_input_tokens=10)  # fmt: skip


async def test_closing_mid_send_loses_no_frame_and_keeps_the_order():
    state, layer = _state(), SlowLayer(round_trip=0.05)
    broadcaster = Broadcaster(state=state, layer=layer)
    state.apply(TextDelta(text="alpha "))
    broadcaster.wake()
    await layer.sending.wait()  # the first frame is on its way when the run ends
    for word in ("beta ", "gamma ", "delta "):
        state.apply(TextDelta(text=word))
    await broadcaster.close()
    seqs = [event["seq"] for event in layer.events]
    assert seqs == list(range(1, len(seqs) + 1))
    shown = "".join(re.sub(r"<[^>]+>", "", event["html"]) for event in layer.events)
    assert all(word in shown for word in ("alpha", "beta", "gamma", "delta"))
