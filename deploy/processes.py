"""Child processes of the stack (daphne workers, nginx, redis) and nginx's generated config."""

from __future__ import annotations

import contextlib
import ctypes
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).resolve().parent / "nginx"
STOP_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx does
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


# Loaded here, in the parent: the child of a fork must not dlopen (another thread may have held
# the loader's lock at the fork), only call.
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:
    _LIBC = None


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: if the stack itself is killed (SIGKILL, a crashed test run), its children
    # get SIGTERM instead of living on and holding their ports. Linux only; elsewhere a no-op.
    with contextlib.suppress(AttributeError):
        _LIBC.prctl(1, signal.SIGTERM)


def spawn(command: list[str], *, env: dict, log: Path) -> subprocess.Popen:
    """Start a child in its own session: Ctrl-C reaches only the stack, which stops the children
    in order (nginx first, then the workers) instead of all at once."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 (our own fixed commands)
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )


def stop(process: subprocess.Popen | None, *, seconds: float = STOP_SECONDS) -> None:
    """SIGTERM, so a worker can close its sockets and save its runs; SIGKILL only after that."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=seconds)


def wait_http(url: str, *, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{log.name}: exited with {process.returncode}\n{tail(log)}")
        with contextlib.suppress(httpx.TransportError):
            httpx.get(url, timeout=1)
            return
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer in {seconds:g} s\n{tail(log)}")


def tail(log: Path, lines: int = 15) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def daphne_command(port: int) -> list[str]:
    # --proxy-headers: the client address (logs) and scheme come from nginx's X-Forwarded-*.
    # Each worker listens on its own loopback TCP port, so the app derives its simulator URL
    # (http://127.0.0.1:PORT/simulator/v1) from the address it was reached on.
    # playground.serve is daphne with websocket close codes (playground/serve.py).
    return [
        *(sys.executable, "-m", "playground.serve", "-b", "127.0.0.1", "-p", str(port)),
        *("--proxy-headers", "playground.asgi:application"),
    ]


def nginx_binary() -> str | None:
    # Debian puts it in /usr/sbin, which is not on a normal user's PATH.
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")


def nginx_command(run_dir: Path) -> list[str]:
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed: apt-get install nginx-light")
    conf = run_dir / "nginx.conf"
    return [binary, "-p", str(run_dir), "-c", str(conf), "-g", "daemon off;"]


def render(template: str, **values: str) -> str:
    text = (TEMPLATES / template).read_text()
    for name, value in values.items():
        text = text.replace(f"@{name.upper()}@", value)
    return text


def site_config(
    *, listen: str, ports: list[int], static_root: Path, access_log: str, server_name: str = "_"
) -> str:
    workers = "\n".join(f"    server 127.0.0.1:{port};" for port in ports)
    return render(
        "playground.conf.in",
        workers=workers,
        listen=listen,
        server_name=server_name,
        static_root=str(static_root),
        access_log=access_log,
    )


def write_nginx_config(*, run_dir: Path, listen: str, ports: list[int], static_root: Path) -> None:
    for sub in ("logs", "tmp"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    access_log = str(run_dir / "logs" / "nginx-access.log")
    site = site_config(listen=listen, ports=ports, static_root=static_root, access_log=access_log)
    (run_dir / "playground.conf").write_text(site)
    main = render("stack.conf.in", run_dir=str(run_dir), user=_user_line())
    (run_dir / "nginx.conf").write_text(main)


def _user_line() -> str:
    """nginx started as root drops its workers to `nobody`, who may not read a checkout under a
    private home: run them as the owner of the checkout, who ran collectstatic."""
    if os.geteuid() != 0:
        return ""
    owner = ROOT.stat()
    return f"user {pwd.getpwuid(owner.st_uid).pw_name} {grp.getgrgid(owner.st_gid).gr_name};"
