"""daphne, with websocket protocol errors answered by a close code instead of a TCP reset.

`python -m playground.serve [daphne's options] playground.asgi:application` takes daphne's
command line unchanged. daphne caps incoming websocket frames and messages (1 MiB each by
default, `--websocket-max-frame-size` / `--websocket-max-message-size`) and autobahn checks
that text frames are UTF-8; but autobahn fails a connection "by drop" by default, so the browser
sees a reset with no reason. Here it sends the close frame the protocol defines instead:
1009 (message too big) and 1007 (invalid UTF-8), then closes the connection.

`make run`, `make stack` (deploy/processes.py) and the test harness (tests/live.py) all start
the app this way.
"""

from __future__ import annotations

import ctypes
import os

from daphne.cli import CommandLineInterface
from daphne.server import Server

# setProtocolOptions resets allowNullOrigin to its own default (False) when not given: daphne's
# value is kept, so `Origin: null` reaches the app's origin check (refused there, and logged).
CLOSE_OPTIONS = {"failByDrop": False, "allowNullOrigin": True}


class PlaygroundServer(Server):
    """daphne's Server; its websocket factory is built in run(), just before `ready_callable`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.then_ready = self.ready_callable
        self.ready_callable = self.websocket_closes_with_codes

    def websocket_closes_with_codes(self) -> None:
        self.ws_factory.setProtocolOptions(**CLOSE_OPTIONS)
        if self.then_ready:
            self.then_ready()


class PlaygroundCommandLine(CommandLineInterface):
    description = "daphne for the Seed Playground (websocket errors end with close codes)"
    server_class = PlaygroundServer


M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


def malloc_arenas_limit() -> bool:
    """Cap glibc's malloc arenas (PLAYGROUND_MALLOC_ARENAS, 2; 0 leaves glibc's 8 per core).

    Django runs every HTTP request's sync code on a thread of its own (and each opens its own
    SQLite connection), and glibc gives threads arenas of their own, up to 16 here: the memory
    freed in them stays scattered and is not given back. In 10-minute soaks the arenas grew
    60 -> 73 MiB while ~30 MiB stayed in use (RSS +9.6% and +12.8%); with 2 arenas, 59 -> 62
    MiB (RSS +2.6%), no slower. Must run before any thread starts; False where it does not
    apply (not glibc)."""
    setting = os.environ.get("PLAYGROUND_MALLOC_ARENAS", "2")
    if not setting.strip().isdigit():
        raise SystemExit(f"PLAYGROUND_MALLOC_ARENAS must be a whole number (0 = glibc's own "
                         f"limit), not {setting!r}.")  # fmt: skip
    arenas = int(setting)
    if arenas <= 0:
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))


def main() -> None:
    malloc_arenas_limit()
    PlaygroundCommandLine.entrypoint()


if __name__ == "__main__":
    main()
