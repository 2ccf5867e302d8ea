"""PostgreSQL and Redis on this machine: is it up, start it when it is down, one database each."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from psycopg import sql

from deploy.processes import spawn

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class ServiceError(RuntimeError):
    """A service the stack needs is missing or unreachable; the message says what to do."""


def _maintenance_url(database_url: str) -> str:
    # CREATE/DROP DATABASE cannot run inside the database itself: use the `postgres` one.
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/postgres"))


def database_name(database_url: str) -> str:
    return urlsplit(database_url).path.lstrip("/")


def postgres_error(database_url: str) -> str | None:
    try:
        psycopg.connect(_maintenance_url(database_url), connect_timeout=3).close()
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]
    return None


def postgres_start() -> None:
    """Start the machine's own cluster (Debian's pg_ctlcluster); it keeps running after the
    stack stops, like any system database server."""
    clusters = sorted(Path("/etc/postgresql").glob("*/main")) if os.geteuid() == 0 else []
    if not clusters or not shutil.which("pg_ctlcluster"):
        return
    version = clusters[-1].parent.name
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"]
    subprocess.run(command, check=False, capture_output=True, timeout=60)  # noqa: S603


def postgres_ready(database_url: str) -> None:
    if postgres_error(database_url) and _is_loopback(database_url):
        postgres_start()
    error = postgres_error(database_url)
    if error:
        raise ServiceError(
            f"PostgreSQL at {_where(database_url)} is not usable ({error}): "
            "start it, or point DATABASE_URL at one that is"
        )


def database_create(database_url: str) -> bool:
    """Create the URL's database unless it exists; True when it was created."""
    name = database_name(database_url)
    with psycopg.connect(_maintenance_url(database_url), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def database_drop(database_url: str) -> None:
    name = sql.Identifier(database_name(database_url))
    with psycopg.connect(_maintenance_url(database_url), autocommit=True) as conn:
        # FORCE: a killed worker's connection may still be open on the server side.
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def redis_error(redis_url: str) -> str | None:
    try:
        with redis.Redis.from_url(redis_url, socket_connect_timeout=3) as client:
            client.ping()
    except redis.RedisError as error:
        return str(error)
    return None


def redis_ready(redis_url: str, *, run_dir: Path) -> subprocess.Popen | None:
    """Redis on loopback, started as a child of the stack when it is down (and stopped with it:
    the channel layer keeps nothing worth saving). Returns that child, if any."""
    child = None
    if redis_error(redis_url) and _is_loopback(redis_url) and shutil.which("redis-server"):
        child = spawn(
            _redis_command(redis_url, run_dir),
            env=dict(os.environ),
            log=run_dir / "logs" / "redis.log",
        )
        _wait(lambda: not redis_error(redis_url), seconds=10)
    error = redis_error(redis_url)
    if error:
        raise ServiceError(
            f"Redis at {_where(redis_url)} is not usable ({error}): "
            "start it, or point REDIS_URL at one that is"
        )
    return child


def redis_forget(redis_url: str, prefix: str) -> None:
    """Delete every key under the channel layer's prefix (groups outlive their members)."""
    with redis.Redis.from_url(redis_url) as client:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            client.delete(*keys)


def _redis_command(redis_url: str, run_dir: Path) -> list[str]:
    port = str(urlsplit(redis_url).port or 6379)
    return [
        "redis-server",
        "--bind",
        "127.0.0.1",
        "--port",
        port,
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(run_dir),
    ]


def _is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "localhost") in LOOPBACK


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or ''}".rstrip(":")


def _wait(ready, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not ready():
        time.sleep(0.1)
