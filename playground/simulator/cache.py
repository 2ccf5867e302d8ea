"""Prompt-prefix caching (enable_caching / caching / cache_control), remembered per model.

A request with caching on remembers the hash of every message boundary of its prompt (system + the
first k messages) for `ttl` seconds. A later request reports as cached the tokens of the longest
remembered prefix that ends before its last message, so both "same conversation again" and "the
conversation grew by a turn" hit, as prefix caches do. Entries are bounded (LRU) so a long-running
simulator cannot grow without limit. Cache writes are free here: the seeds give no write premium.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable

from playground.tokens import count_message_tokens

from .content import Message
from .request import SimRequest


class LruTtl:
    """A small LRU map whose entries also expire; `clock` is injectable for deterministic use."""

    def __init__(self, *, size: int, ttl: float, clock: Callable[[], float] = time.monotonic):
        self.size, self.ttl, self.clock = size, ttl, clock
        self.entries: OrderedDict[str, tuple[float, object]] = OrderedDict()

    def get(self, key: str) -> object | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry[0] < self.clock():
            del self.entries[key]
            return None
        self.entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, value: object) -> None:
        self.entries[key] = (self.clock() + self.ttl, value)
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


def message_tokens(message: Message) -> int:
    return count_message_tokens(message.text) + sum(a.tokens for a in message.attachments)


def prefix_boundaries(request: SimRequest) -> list[tuple[str, int]]:
    """(hash, tokens) of system + the first k messages, for k = 0 (system alone, if any) … all."""
    digest = hashlib.sha256(f"{request.model}\0{request.system}".encode())
    tokens = count_message_tokens(request.system) if request.system else 0
    boundaries = [(digest.hexdigest(), tokens)] if request.system else []
    for message in request.messages:
        digest.update(_message_key(message))
        tokens += message_tokens(message)
        boundaries.append((digest.copy().hexdigest(), tokens))
    return boundaries


def _message_key(message: Message) -> bytes:
    parts = [message.role, message.text, *(a.signature for a in message.attachments)]
    return ("\0".join(parts) + "\x1e").encode()


class PrefixCache:
    def __init__(self, *, size: int, ttl: float):
        self.store = LruTtl(size=size, ttl=ttl)

    def cached_tokens(self, request: SimRequest) -> int:
        """Look up, then remember, this request's prefixes; returns the tokens served from cache."""
        if not request.caching:
            return 0
        boundaries = prefix_boundaries(request)
        hit = next(
            (
                tokens
                for key, tokens in reversed(boundaries[:-1])
                if self.store.get(key) is not None
            ),
            0,
        )
        # Remembering the last two boundaries covers a repeat and a conversation grown by a turn.
        for key, tokens in boundaries[-2:]:
            self.store.put(key, tokens)
        return hit
