"""The production-shaped stack for tests: a fresh PostgreSQL database, Redis under a key prefix
of its own, two daphne workers on free ports and nginx in front, started the same way as
`make stack` (deploy/stack.py). Skips when nginx, PostgreSQL or Redis is missing here, but
fails when CI is set: there the machine is meant to have them (.ci/run installs and starts them).
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

import pytest

from deploy import processes, services
from deploy.stack import Stack

# The PostgreSQL server (no database) and Redis the tests use; override for other credentials.
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def missing_service(database_url: str) -> str | None:
    if not processes.nginx_binary():
        return "nginx is not installed (apt-get install nginx-light)"
    error = services.postgres_error(database_url)
    if error:
        return f"PostgreSQL at {POSTGRES_URL} is not usable: {error}"
    error = services.redis_error(REDIS_URL)
    return f"Redis at {REDIS_URL} is not usable: {error}" if error else None


def require_services(database_url: str) -> None:
    reason = missing_service(database_url)
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the stack tests must run)", pytrace=False)
    if reason:
        pytest.skip(reason)


class StackUnderTest:
    """One stack per test session; every name in it is random, so parallel suites never meet."""

    def __init__(self, tmp: Path, *, workers: int = 2):
        suffix = secrets.token_hex(4)
        self.database_url = f"{POSTGRES_URL}/playground_test_{suffix}"
        self.redis_prefix = f"playground_test_{suffix}:"
        self.tmp = tmp
        self.stack = Stack(
            run_dir=tmp / "run",
            port=processes.free_port(),
            workers=workers,
            env=self.env(),
        )

    def env(self, **extra: str) -> dict:
        env = dict(os.environ) | {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": REDIS_URL,
            "REDIS_PREFIX": self.redis_prefix,
            "STATIC_ROOT": str(self.tmp / "static"),
            "PLAYGROUND_PRODUCTION": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        env.pop("PLAYGROUND_SIMULATOR_URL", None)  # each worker must derive its own
        return env | extra

    @property
    def url(self) -> str:
        return self.stack.url

    @property
    def worker_addresses(self) -> list[str]:
        return [f"127.0.0.1:{port}" for port in self.stack.ports]

    def start(self) -> StackUnderTest:
        require_services(self.database_url)
        try:
            self.stack.start()
        except BaseException:
            self.stop()
            raise
        return self

    def kill_worker(self, index: int) -> None:
        self.stack.kill_worker(index)

    def start_worker(self, index: int) -> None:
        self.stack.start_worker(index)

    def upstreams(self, path: str, *, count: int, seconds: float = 5) -> list[str]:
        """The worker that answered each of the last `count` requests of `path`, as nginx logged
        it (after the workers it tried first, if any). A log line is written when a request
        ends, a moment after its response was read: wait for it."""
        pattern = re.compile(
            rf'"\w+ {re.escape(path)} HTTP/[\d.]+" .* upstream=(?:\S+, )*(\S+) rt='
        )
        deadline = time.monotonic() + seconds
        while True:
            found = pattern.findall(self.stack.log("nginx-access").read_text())
            if len(found) >= count or time.monotonic() > deadline:
                return found[-count:]
            time.sleep(0.05)

    def stop(self) -> None:
        self.stack.stop()
        if services.postgres_error(self.database_url) is None:
            services.database_drop(self.database_url)
        if services.redis_error(REDIS_URL) is None:
            services.redis_forget(REDIS_URL, self.redis_prefix)
