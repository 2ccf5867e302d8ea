"""The server caps glibc's malloc arenas before its threads start (playground.serve): Django's
thread per request otherwise leaves freed memory scattered over up to 8 arenas per core."""

import ctypes.util
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    ctypes.util.find_library("c") != "libc.so.6", reason="glibc's arenas only"
)

# Six threads allocate at once (glibc gives each new thread an arena while under its limit),
# then glibc's own statistics are read from malloc_stats(): one "Arena N:" block per arena.
COUNT_ARENAS = """
import ctypes, threading
from playground.serve import malloc_arenas_limit
print(malloc_arenas_limit(), flush=True)
together = threading.Barrier(6)
def allocate():
    kept = [bytearray(1000) for _ in range(100)]
    together.wait()
threads = [threading.Thread(target=allocate) for _ in range(6)]
for thread in threads: thread.start()
for thread in threads: thread.join()
ctypes.CDLL("libc.so.6").malloc_stats()
"""


def counted(setting: str | None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin"} | ({"PLAYGROUND_MALLOC_ARENAS": setting} if setting else {})
    return subprocess.run(
        [sys.executable, "-c", COUNT_ARENAS], env=env, capture_output=True, text=True, timeout=60
    )


def arenas_used(setting: str | None) -> tuple[str, int]:
    """What the limit call returned, and how many arenas the six threads ended up using."""
    done = counted(setting)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip(), done.stderr.count("Arena ")


def test_the_server_process_uses_two_malloc_arenas_by_default():
    assert arenas_used(None) == ("True", 2)


def test_the_arena_limit_is_a_setting():
    assert arenas_used("3") == ("True", 3)


def test_a_zero_setting_leaves_glibc_its_own_arena_limit():
    limited, arenas = arenas_used("0")
    assert limited == "False" and arenas > 2


def test_a_setting_that_is_not_a_number_stops_the_server_with_a_clear_message():
    done = counted("two")
    assert done.returncode == 1 and "Arena " not in done.stderr
    assert (
        "PLAYGROUND_MALLOC_ARENAS must be a whole number (0 = glibc's own limit), not 'two'."
        in done.stderr
    )
