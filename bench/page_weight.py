"""Page weight: what a first visit to `/` costs, as Debian's chromium transfers it.

Starts the app with daphne on a free loopback port (after `collectstatic`, as `make run` does; its
STATIC_ROOT is pointed at a temp dir so the shared tree is untouched), loads `/` in a fresh
Playwright context, and records every request through the CDP Network domain: bytes on the wire
(`Network.loadingFinished` encodedDataLength, headers included) for HTTP, and the handshake
response headers for the page's websocket (its frames are not counted). Prints the request list,
the totals against the targets (<= 150 KiB, <= 15 requests, 0 requests leaving the host), and for
each uncompressed text response what gzip would have made of it.

Run:  .venv/bin/python bench/page_weight.py [--runs 3] [--no-collectstatic]
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.live import LiveApp  # noqa: E402

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
TARGET_KIB, TARGET_REQUESTS = 150, 15


def start_app(tmp: Path, *, collectstatic: bool) -> LiveApp:
    """The app as `make run` serves it, with its STATIC_ROOT in tmp (the shared tree untouched).

    With collected files present the app serves them (pre-compressed); without, it falls back to
    the finders, uncompressed."""
    app = LiveApp(tmp)
    app.env["STATIC_ROOT"] = str(tmp / "static")
    if collectstatic:
        command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
        subprocess.run(command, cwd=ROOT, env=app.env, check=True, timeout=120)
    return app


class Recorder:
    """Collects CDP Network events for one page into {request id: row}."""

    def __init__(self, cdp):
        self.rows: dict[str, dict] = {}
        for name in ("requestWillBeSent", "responseReceived", "loadingFinished", "loadingFailed",
                     "webSocketCreated", "webSocketHandshakeResponseReceived"):  # fmt: skip
            cdp.on(f"Network.{name}", getattr(self, name))
        cdp.send("Network.enable")

    def row(self, request_id: str) -> dict:
        empty = {"url": "?", "bytes": None, "encoding": "", "status": None, "kind": "http"}
        return self.rows.setdefault(request_id, empty)

    def requestWillBeSent(self, e):
        if "redirectResponse" in e:  # the same id goes on: keep the redirect as its own row
            redirect = self.rows.pop(e["requestId"], {"url": "?", "kind": "http"})
            size = e["redirectResponse"].get("encodedDataLength", 0)
            self.rows[e["requestId"] + "-redirect"] = redirect | {"bytes": size, "status": 30}
        self.row(e["requestId"])["url"] = e["request"]["url"]

    def responseReceived(self, e):
        row, headers = self.row(e["requestId"]), lower(e["response"]["headers"])
        row.update(status=e["response"]["status"], encoding=headers.get("content-encoding", ""))

    def loadingFinished(self, e):
        self.row(e["requestId"])["bytes"] = int(e["encodedDataLength"])

    def loadingFailed(self, e):
        self.row(e["requestId"]).update(status="failed: " + e.get("errorText", ""), bytes=0)

    def webSocketCreated(self, e):
        self.row(e["requestId"]).update(url=e["url"], kind="websocket")

    def webSocketHandshakeResponseReceived(self, e):
        response = e["response"]
        head = "".join(f"{k}: {v}\r\n" for k, v in response["headers"].items())
        status = f"HTTP/1.1 {response['status']} {response.get('statusText', '')}\r\n"
        text = response.get("headersText") or f"{status}{head}\r\n"
        self.row(e["requestId"]).update(status=response["status"], bytes=len(text.encode()))

    def network_rows(self) -> list[dict]:
        network = ("http", "https", "ws", "wss")  # not data: or blob: URLs
        return [r for r in self.rows.values() if urlsplit(r["url"]).scheme in network]


def lower(headers: dict) -> dict:
    return {k.lower(): v for k, v in headers.items()}


def load_page(browser, url: str) -> tuple[list[dict], dict[str, tuple[int, int]]]:
    """One fresh context: load, wait for network idle and the socket's handshake, return rows."""
    context = browser.new_context()
    try:
        page = context.new_page()
        recorder = Recorder(context.new_cdp_session(page))
        bodies: dict[str, tuple[int, int]] = {}
        page.on("response", lambda r: bodies.update({r.url: gzip_size(r)}))
        page.goto(url, wait_until="networkidle", timeout=30_000)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
            r["kind"] == "websocket" and r["bytes"] is not None for r in recorder.rows.values()
        ):
            page.wait_for_timeout(50)
        page.wait_for_timeout(300)  # late stragglers
        return recorder.network_rows(), bodies
    finally:
        context.close()


def gzip_size(response) -> tuple[int, int] | None:
    """(body, gzip -6 of it) for an uncompressed text body (None if compressed or binary)."""
    headers = lower(response.headers)
    textual = any(t in headers.get("content-type", "") for t in ("text", "javascript", "json"))
    if headers.get("content-encoding") or not textual:
        return None
    try:
        body = response.body()
        return len(body), len(gzip.compress(body, compresslevel=6))
    except Exception:  # noqa: BLE001 (redirects and the like have no body)
        return None


def report(rows: list[dict], bodies: dict, base: str) -> None:
    total = sum(r["bytes"] or 0 for r in rows)
    outside = [r["url"] for r in rows if urlsplit(r["url"]).hostname not in LOCAL_HOSTS]
    print(f"{'bytes':>8}  {'enc':<5} {'status':<7} {'gzip -6':>7}  url")
    for r in rows:
        url = r["url"].replace(base, "").replace(base.replace("http", "ws", 1), "")
        hint = bodies.get(r["url"])
        print(
            f"{r['bytes'] if r['bytes'] is not None else '?':>8}  {r['encoding'] or '-':<5} "
            f"{str(r['status']):<7} {hint[1] if hint else '':>7}  {url or '/'}"
            f"{'  (websocket handshake)' if r['kind'] == 'websocket' else ''}"
        )
    saving = sum(body - packed for body, packed in (bodies.get(r["url"]) or (0, 0) for r in rows))
    kib = total / 1024
    print(f"requests: {len(rows)}   [{verdict(len(rows) <= TARGET_REQUESTS)} <= {TARGET_REQUESTS}]")
    print(f"transferred: {kib:.1f} KiB ({total} B)   [{verdict(kib <= TARGET_KIB)} <= 150 KiB]")
    print(f"leaving the host: {len(outside)} {outside or ''}  [{verdict(not outside)} == 0]")
    if saving:
        print(f"(gzip on the uncompressed text responses would save ~{saving / 1024:.1f} KiB)")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh-context page loads")
    parser.add_argument("--no-collectstatic", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-page-") as tmpdir:
        tmp, collect = Path(tmpdir), not args.no_collectstatic
        app = start_app(tmp, collectstatic=collect)
        try:
            app.start()
            with sync_playwright() as playwright:
                chromium = shutil.which("chromium")
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
                try:
                    for n in range(1, args.runs + 1):
                        print(f"\n--- load {n}/{args.runs}: {app.url}/ (fresh context)")
                        report(*load_page(browser, app.url + "/"), base=app.url)
                finally:
                    browser.close()
        finally:
            app.stop()


if __name__ == "__main__":
    main()
