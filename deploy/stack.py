"""The production-shaped stack on one machine, in the foreground: PostgreSQL and Redis on
loopback, N daphne workers each on its own loopback port, nginx in front of them.

    python -m deploy.stack --workers 2 --port 8000      (what `make stack` runs)

Everything it writes (nginx config, pid, logs, temp files, a generated SECRET_KEY) lives in the
runtime directory, `.stack/` by default. Ctrl-C or SIGTERM stops nginx, then the workers.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `deploy` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploy import processes, services
from deploy.processes import ROOT

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/playground"
REDIS_URL = "redis://127.0.0.1:6379/0"
# This nginx serves plain http: secure-only cookies and the https redirect would lock the
# browser out. Behind a TLS-terminating proxy, export them as 1 (see README, Deployment).
PLAIN_HTTP = {"SESSION_COOKIE_SECURE": "0", "CSRF_COOKIE_SECURE": "0", "SECURE_SSL_REDIRECT": "0"}
CRASH_LOOP_SECONDS = 5.0


class Stack:
    def __init__(
        self,
        *,
        run_dir: Path,
        port: int,
        workers: int = 2,
        host: str = "127.0.0.1",
        env: dict | None = None,
    ):
        self.run_dir, self.port, self.host = run_dir.resolve(), port, host
        self.base_env = dict(os.environ if env is None else env)
        self.env: dict = {}
        self.ports = [processes.free_port() for _ in range(workers)]
        self.workers: list[subprocess.Popen | None] = [None] * workers
        self.started_at = [0.0] * workers
        self.nginx: subprocess.Popen | None = None
        self.redis: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(self.host, self.host)  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def static_root(self) -> Path:
        env = self.env or self.base_env
        return Path(env.get("STATIC_ROOT") or ROOT / "staticfiles").resolve()

    def log(self, name: str) -> Path:
        return self.run_dir / "logs" / f"{name}.log"

    def start(self) -> Stack:
        # Checked first: otherwise whatever already answers on the port would pass for nginx.
        if not processes.port_is_free(self.host, self.port):
            raise RuntimeError(f"{self.host}:{self.port} is in use: choose another PORT")
        if processes.nginx_binary() is None:
            raise RuntimeError("nginx is not installed: apt-get install nginx-light")
        (self.run_dir / "logs").mkdir(parents=True, exist_ok=True)
        # A runtime directory inside the checkout must never be committed (it holds the key).
        (self.run_dir / ".gitignore").write_text("*\n")
        self.env = self.app_env()
        self.prepare()
        for index in range(len(self.workers)):
            self.start_worker(index, wait=False)
        for index in range(len(self.workers)):
            self.wait_worker(index)
        self.start_nginx()
        return self

    def app_env(self) -> dict:
        """The production profile, with what this machine provides filled in."""
        env = dict(self.base_env)
        env.setdefault("DATABASE_URL", DATABASE_URL)
        env.setdefault("REDIS_URL", REDIS_URL)
        env.setdefault("PLAYGROUND_PRODUCTION", "1")
        env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
        if not env.get("SECRET_KEY"):
            env["SECRET_KEY"] = self.secret_key()
        for name, value in PLAIN_HTTP.items():
            env.setdefault(name, value)
        env["DJANGO_SETTINGS_MODULE"] = "playground.settings"
        return env

    def secret_key(self) -> str:
        """Generated once and kept in the runtime directory, so sessions survive a restart."""
        path = self.run_dir / "secret_key"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(50))
        return path.read_text().strip()

    def prepare(self) -> None:
        services.postgres_ready(self.env["DATABASE_URL"])
        services.database_create(self.env["DATABASE_URL"])
        self.redis = services.redis_ready(self.env["REDIS_URL"], run_dir=self.run_dir)
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")

    def manage(self, *args: str) -> None:
        command = [sys.executable, "manage.py", *args]
        result = subprocess.run(  # noqa: S603 (manage.py of this checkout)
            command, cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr.strip()}")

    def start_worker(self, index: int, *, wait: bool = True) -> None:
        command = processes.daphne_command(self.ports[index])
        log = self.log(f"worker-{index + 1}")
        self.workers[index] = processes.spawn(command, env=self.env, log=log)
        self.started_at[index] = time.monotonic()
        if wait:
            self.wait_worker(index)

    def wait_worker(self, index: int) -> None:
        url = f"http://127.0.0.1:{self.ports[index]}/simulator/v1/models"
        log = self.log(f"worker-{index + 1}")
        processes.wait_http(url, process=self.workers[index], log=log)

    def kill_worker(self, index: int) -> None:
        """SIGKILL, as a crash would: no chance to close sockets or save runs."""
        worker = self.workers[index]
        worker.kill()
        worker.wait(timeout=processes.STOP_SECONDS)

    def start_nginx(self) -> None:
        listen = (
            f"{self.host}:{self.port}" if ":" not in self.host else f"[{self.host}]:{self.port}"
        )
        processes.write_nginx_config(
            run_dir=self.run_dir, listen=listen, ports=self.ports, static_root=self.static_root
        )
        command = processes.nginx_command(self.run_dir)
        self.nginx = processes.spawn(command, env=self.env, log=self.log("nginx"))
        processes.wait_http(
            self.url + "/simulator/v1/models", process=self.nginx, log=self.log("nginx")
        )

    def stop(self) -> None:
        """nginx first (no new requests), then the workers, then a Redis we started."""
        processes.stop(self.nginx)
        for worker in self.workers:
            if worker is not None and worker.poll() is None:
                worker.terminate()  # all at once: each gets the full grace period in parallel
        for worker in self.workers:
            processes.stop(worker)
        processes.stop(self.redis)

    def supervise(self) -> None:
        """Restart a worker that dies (as systemd would); give up on one that dies at once."""
        while True:
            time.sleep(0.5)
            if self.nginx.poll() is not None:
                raise RuntimeError(f"nginx exited\n{processes.tail(self.log('nginx'))}")
            for index, worker in enumerate(self.workers):
                if worker.poll() is not None:
                    self.restart_worker(index, worker.returncode)

    def restart_worker(self, index: int, code: int) -> None:
        log = self.log(f"worker-{index + 1}")
        if time.monotonic() - self.started_at[index] < CRASH_LOOP_SECONDS:
            raise RuntimeError(f"worker-{index + 1} keeps exiting ({code})\n{processes.tail(log)}")
        print(f"worker-{index + 1} exited with {code}; restarting it", file=sys.stderr, flush=True)
        self.start_worker(index)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.stack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS") or 2))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
    parser.add_argument("--run-dir", type=Path, default=ROOT / ".stack")
    parser.add_argument(
        "--print-site",
        action="store_true",
        help="print the nginx site for a system nginx (workers on PORT+1..) and exit",
    )
    parser.add_argument("--server-name", default="_", help="with --print-site: the public name")
    return parser.parse_args(argv)


def print_site(args: argparse.Namespace) -> None:
    ports = [args.port + 1 + index for index in range(args.workers)]
    static_root = Path(os.environ.get("STATIC_ROOT") or ROOT / "staticfiles").resolve()
    print(
        processes.site_config(
            listen="80",
            ports=ports,
            static_root=static_root,
            access_log="/var/log/nginx/playground.access.log",
            server_name=args.server_name,
        )
    )


def serve(stack: Stack) -> None:
    began = time.monotonic()
    stack.start()
    workers = f"{len(stack.ports)} daphne worker{'s' if len(stack.ports) > 1 else ''}"
    print(
        f"Seed Playground on {stack.url}: nginx + {workers} (ports "
        f"{', '.join(map(str, stack.ports))}), ready in {time.monotonic() - began:.1f} s; "
        f"logs in {stack.run_dir / 'logs'}; Ctrl-C stops",
        flush=True,
    )
    stack.supervise()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.print_site:
        print_site(args)
        return 0
    for signum in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: a background job ignores it
        signal.signal(signum, _interrupt)
    stack = Stack(run_dir=args.run_dir, port=args.port, workers=args.workers, host=args.host)
    try:
        serve(stack)
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr, flush=True)
    except (services.ServiceError, RuntimeError) as error:
        print(f"stack: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the stop
            signal.signal(signum, signal.SIG_IGN)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
