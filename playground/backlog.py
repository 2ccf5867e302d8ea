"""How far behind a browser is: bytes its websocket has queued but not yet written.

ASGI has no back-pressure for websocket sends: daphne accepts every frame and Twisted buffers
what the network cannot take yet, so a stalled browser would grow the worker's memory with
every frame. Daphne's `send` is `partial(server.handle_reply, protocol)`; the protocol's
Twisted transport knows its write buffer. Under another server (or in tests) this reads 0 and
nothing changes.
"""

from __future__ import annotations


def socket_backlog(send) -> int:
    protocol = next(iter(getattr(send, "args", ())), None)
    transport = getattr(protocol, "transport", None)
    if transport is None:
        return 0
    written = len(getattr(transport, "dataBuffer", b"")) - getattr(transport, "offset", 0)
    return max(0, written) + getattr(transport, "_tempDataLen", 0)
