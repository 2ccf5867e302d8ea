"""daphne with a watch on its own event loop: `python bench/streamlib/loopwatch.py LOG <daphne
arguments>`. A task on the loop beats every millisecond; a thread notes each time the loop went
more than LAG_MS without a beat, as `<unix time> <ms> <where the loop was>` lines in LOG. Taken
inside the server, the figure does not depend on how busy the load generator is. (A loop held by
one C call that keeps the GIL still shows: the gap is measured when the thread next runs.)"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
import traceback

LAG_MS = 2.0


def _where(thread_id: int) -> str:
    frame = sys._current_frames().get(thread_id)
    stack = traceback.extract_stack(frame)[-4:] if frame else []
    return " < ".join(f"{f.name}@{os.path.basename(f.filename)}:{f.lineno}" for f in stack[::-1])


def watch(log_path: str) -> None:
    from daphne.server import twisted_loop  # the loop the reactor (and the app) runs on

    loop, beat, seen = twisted_loop, [time.perf_counter()], {}
    main = threading.main_thread().ident
    log = open(log_path, "a", buffering=1)  # noqa: SIM115 (open for the life of the process)

    async def beating():
        while True:
            await asyncio.sleep(0.001)
            now, last = time.perf_counter(), beat[0]
            beat[0] = now
            if (now - last) * 1000 > LAG_MS + 1:  # a millisecond's sleep, plus the lag
                where = seen.pop(last, "")
                log.write(f"{time.time():.4f} {(now - last) * 1000 - 1:.1f} {where}\n")

    def watching():  # where the loop is while it is late (sampled once per lag)
        while True:
            time.sleep(0.0005)
            last = beat[0]
            if (time.perf_counter() - last) * 1000 > LAG_MS + 1 and last not in seen:
                seen[last] = _where(main)

    loop.call_soon(lambda: asyncio.ensure_future(beating()))
    threading.Thread(target=watching, daemon=True, name="loopwatch").start()


if __name__ == "__main__":
    import daphne.server  # noqa: F401 (installs Twisted's asyncio reactor on this loop)
    from daphne.cli import CommandLineInterface

    watch(sys.argv.pop(1))
    CommandLineInterface.entrypoint()
