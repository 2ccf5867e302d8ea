"""The channel layer of a single worker: in-process fan-out with bounded queues.

Channels' InMemoryChannelLayer scans every channel and group for expired messages on each send
and receive (39% of the event loop at 200 streams), deep-copies every message, and drops queued
frames and group members after 60 s, so a long answer could lose text and its last frame. Here a
send is a dictionary lookup and a `put_nowait`; nothing expires. A channel's queue goes away when
its receiver does (the consumer's receive task is cancelled when the socket closes), and with it
its group memberships, so frames stop when a socket closes and nothing leaks.

A full queue (a socket that fell far behind) drops the frame: each run frame carries a sequence
number, and the consumer asks for a snapshot when it sees a gap. Several workers use
channels-redis instead (REDIS_URL).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

from channels.exceptions import ChannelFull
from channels.layers import BaseChannelLayer


class LocalChannelLayer(BaseChannelLayer):
    extensions = ["groups", "flush"]

    def __init__(self, capacity: int = 500, **kwargs):
        super().__init__(capacity=capacity, **kwargs)
        self._queues: dict[str, asyncio.Queue] = {}
        self._groups: dict[str, set[str]] = defaultdict(set)
        self._memberships: dict[str, set[str]] = defaultdict(set)

    async def new_channel(self, prefix: str = "specific.") -> str:
        name = f"{prefix}{uuid.uuid4().hex}"
        self._queue(name)
        return name

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self._queues.get(channel)
        if queue is None:
            queue = self._queues[channel] = asyncio.Queue(maxsize=self.capacity)
        return queue

    async def send(self, channel: str, message: dict) -> None:
        queue = self._queues.get(channel)
        if queue is None:
            return  # nobody receives there any more
        try:
            queue.put_nowait(message)
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def receive(self, channel: str) -> dict:
        try:
            return await self._queue(channel).get()
        except asyncio.CancelledError:
            self._forget(channel)  # its receiver is gone: so is the channel
            raise

    def _forget(self, channel: str) -> None:
        self._queues.pop(channel, None)
        for group in self._memberships.pop(channel, ()):
            members = self._groups.get(group)
            if members is not None:
                members.discard(channel)
                if not members:
                    del self._groups[group]

    async def group_add(self, group: str, channel: str) -> None:
        self._groups[group].add(channel)
        self._memberships[channel].add(group)

    async def group_discard(self, group: str, channel: str) -> None:
        members = self._groups.get(group)
        if members is not None:
            members.discard(channel)
            if not members:
                del self._groups[group]
        self._memberships.get(channel, set()).discard(group)

    async def group_send(self, group: str, message: dict) -> None:
        """Messages are shared, not copied: senders never change a message after sending."""
        for channel in tuple(self._groups.get(group, ())):
            queue = self._queues.get(channel)
            if queue is not None and not queue.full():
                queue.put_nowait(message)

    async def flush(self) -> None:
        self._queues.clear()
        self._groups.clear()
        self._memberships.clear()

    def group_size(self, group: str) -> int:
        return len(self._groups.get(group, ()))
