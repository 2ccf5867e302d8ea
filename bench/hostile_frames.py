"""Hostile websocket frames against one daphne (tests/live.py, started as `make run` starts it):
how each kind ends (close code or error frame), how long the answer takes, and how much daphne's
RSS grows over the whole barrage. Then one good run on a fresh socket, to show nothing died.

    .venv/bin/python bench/hostile_frames.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from websockets.exceptions import ConnectionClosed  # noqa: E402

from bench.streamlib.procs import rss_bytes  # noqa: E402
from tests.hostile.visitor import Visitor  # noqa: E402
from tests.live import LiveApp  # noqa: E402

MiB = 1024 * 1024
KINDS = {
    "text frame of 2 MiB": lambda v: ("x" * (2 * MiB), None),
    "binary frame of 8 MiB": lambda v: (b"\0" * (8 * MiB), None),
    "invalid UTF-8": lambda v: (b'{"prompt": "\xc3\x28"}', True),
    "message of 900 KiB": lambda v: (v.send_fields(prompt="x" * (900 * 1024)), None),
    "lists nested 200,000 deep": lambda v: ("[" * 200_000 + "]" * 200_000, None),
    "lone surrogate in the prompt": lambda v: (v.send_fields(prompt="\ud800"), None),
}


def answer(visitor: Visitor, payload, text) -> tuple[str, float]:
    """How the server answered (a close code, or an error frame) and after how many ms."""
    with visitor.socket() as socket:
        started = time.perf_counter()
        try:
            socket.send(payload, text=text)
            frame = socket.recv(timeout=30)
            outcome = "error frame" if 'id="composer-errors"' in frame else "other frame"
        except ConnectionClosed as closed:
            outcome = f"close {closed.rcvd.code}" if closed.rcvd else "dropped (no close frame)"
        return outcome, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50, help="messages of each kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = LiveApp(Path(tmp)).start()
        try:
            visitor = Visitor(app)
            with visitor.socket() as socket:
                visitor.run(socket)  # warm: the first run loads what runs need
            before = rss_bytes(app.process.pid)
            for kind, build in KINDS.items():
                results = [answer(visitor, *build(visitor)) for _ in range(args.rounds)]
                outcomes = Counter(outcome for outcome, _ in results)
                median = statistics.median(ms for _, ms in results)
                print(f"{kind:30} {dict(outcomes)}  median {median:.1f} ms")
            after = rss_bytes(app.process.pid)
            with visitor.socket() as socket:
                visitor.run(socket)
            print(f"daphne RSS {before / MiB:.1f} -> {after / MiB:.1f} MiB "
                  f"(+{(after - before) / MiB:.1f}); a run afterwards: done")  # fmt: skip
        finally:
            app.stop()


if __name__ == "__main__":
    main()
