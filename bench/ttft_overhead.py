"""TTFT overhead: what the app adds to time-to-first-token over reading the simulator directly.

One daphne serves the app and its /simulator/v1 on a free loopback port; both paths hit that same
simulator with the same request (`[[sim ttft=0 tps=200]]` + a counter, max_tokens 64, thinking off
unless --thinking). Direct: POST /simulator/v1/chat/completions (stream) on one persistent httpx
client, timed to the first SSE event with content or reasoning text. App: ONE websocket to the
page's socket (session cookie + Origin), timed from htmx's "send" frame to the first frame with an
`-answer" hx-swap-oob` / `-reasoning" hx-swap-oob` span; each run's final frame is awaited.
Samples alternate order; 5 warm-ups of each are dropped. --conversation: app runs continue the
pane's thread (parent "" as the page sends) and direct calls carry the same growing history.

Run:  .venv/bin/python bench/ttft_overhead.py [--runs 50] [--thinking] [--conversation]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.live import LiveApp  # noqa: E402

WARMUP, TARGET_MS, MAX_TOKENS = 5, 10.0, 64  # TARGET_MS: the median added
DELTA = re.compile(r'-(?:answer|reasoning)" hx-swap-oob')
DIRECT = {"model": "seed-2-0-mini", "stream": True, "stream_options": {"include_usage": True}}
SEND = {"action": "send", "model": "simulator/seed-2-0-mini", "dialect": "chat", "system": ""}
SEND |= {"max_tokens": str(MAX_TOKENS), "reasoning_effort": "low", "image_detail": "high"}


class WebSocket:
    """Just enough RFC 6455 for one client: masked frames out, text messages in."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, host: str, port: int, path: str, headers: dict) -> WebSocket:
        reader, writer = await asyncio.open_connection(host, port)
        key = base64.b64encode(os.urandom(16)).decode()
        headers = {"Host": f"{host}:{port}", "Upgrade": "websocket", "Connection": "Upgrade",
                   "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key, **headers}  # fmt: skip
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(f"GET {path} HTTP/1.1\r\n{head}\r\n".encode())
        answer = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in answer.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"websocket refused: {answer[:200]!r}")
        return cls(reader, writer)

    @staticmethod
    def frame(payload: bytes, opcode: int = 0x1) -> bytes:
        n, mask = len(payload), os.urandom(4)  # our messages are < 64 KiB
        size = bytes([0x80 | n]) if n < 126 else bytes([0xFE]) + n.to_bytes(2, "big")
        return bytes([0x80 | opcode]) + size + mask + unmask(payload, mask)

    async def send_raw(self, frame: bytes) -> None:
        self.writer.write(frame)
        await self.writer.drain()

    async def recv(self) -> str:
        message = b""
        while True:
            b0, b1 = await self.reader.readexactly(2)
            n = b1 & 0x7F
            if n >= 126:
                n = int.from_bytes(await self.reader.readexactly(2 if n == 126 else 8), "big")
            mask = await self.reader.readexactly(4) if b1 & 0x80 else bytes(4)
            data, opcode = unmask(await self.reader.readexactly(n), mask), b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError(f"websocket closed by the server: {data[:2].hex()}")
            if opcode == 0x9:  # ping
                await self.send_raw(self.frame(data, opcode=0xA))
            elif opcode in (0x0, 0x1):
                message += data
                if b0 & 0x80:
                    return message.decode()


def unmask(data: bytes, mask: bytes) -> bytes:
    return bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def prompt_for(n: int, path: str) -> str:
    return f"[[sim ttft=0 tps=200]] Benchmark {path} run {n}: say something short."


async def direct_sample(client: httpx.AsyncClient, url: str, n: int, opts) -> float:
    """One streamed call; in conversation mode it carries (and extends) opts.history."""
    messages = [*opts.history, {"role": "user", "content": prompt_for(n, "direct")}]
    body = DIRECT | {"messages": messages, "max_tokens": MAX_TOKENS}
    body |= {"enable_thinking": True, "reasoning_effort": "low"} if opts.thinking else {}
    body.setdefault("enable_thinking", False)
    first, answer = None, []
    started = time.perf_counter()
    async with client.stream("POST", url, json=body) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():  # to the end, so the connection is reused
            chunk = json.loads(line[6:]) if line.startswith("data: {") else {}
            delta = (chunk.get("choices") or [{}])[0].get("delta") or {}
            if first is None and (delta.get("content") or delta.get("reasoning_content")):
                first = time.perf_counter()
            answer.append(delta.get("content") or "")
    if first is None:
        raise RuntimeError("the direct stream carried no text")
    if opts.conversation:
        opts.history += [messages[-1], {"role": "assistant", "content": "".join(answer)}]
    return (first - started) * 1000


async def app_sample(ws: WebSocket, pane: str, n: int, opts) -> float:
    """One run over the page's socket, as htmx sends it; returns after the run's final frame."""
    message = SEND | {"pane": pane, "prompt": prompt_for(n, "app")}
    message |= {"parent": "" if opts.conversation else "root"}
    message |= {"enable_thinking": "on"} if opts.thinking else {}
    frame, first = WebSocket.frame(json.dumps(message).encode()), None
    started = time.perf_counter()
    await ws.send_raw(frame)
    while True:
        html = await asyncio.wait_for(ws.recv(), timeout=30)
        if first is None and DELTA.search(html):
            first = time.perf_counter()
        elif 'id="composer-errors"' in html and "composer-reset" not in html:
            raise RuntimeError(f"the app refused the run: {html[:300]}")
        elif '<article id="run-' in html and "composer-reset" not in html:
            break  # the final frame
    if first is None:
        raise RuntimeError("the app sent a final frame without any delta frame")
    return (first - started) * 1000


async def open_page(app: LiveApp) -> tuple[WebSocket, str]:
    """GET / like a browser: the session cookie, the page's socket path and its pane id."""
    async with httpx.AsyncClient() as client:
        page = (await client.get(app.url + "/")).raise_for_status()
    path = re.search(r'ws-connect="([^"]+)"', page.text).group(1)
    pane = re.search(r'name="pane" value="([^"]+)"', page.text).group(1)
    cookie = "; ".join(f"{k}={v}" for k, v in page.cookies.items())
    ws = await WebSocket.connect("127.0.0.1", app.port, path, {"Cookie": cookie, "Origin": app.url})
    return ws, pane


async def measure(app: LiveApp, opts) -> tuple[list[float], list[float]]:
    """Interleaved samples, the order alternating; the first WARMUP of each are dropped."""
    direct, through_app = [], []
    ws, pane = await open_page(app)
    url = app.url + "/simulator/v1/chat/completions"
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            for n in range(WARMUP + opts.runs):
                if n % 2 == 0:
                    d = await direct_sample(client, url, n, opts)
                    a = await app_sample(ws, pane, n, opts)
                else:
                    a = await app_sample(ws, pane, n, opts)
                    d = await direct_sample(client, url, n, opts)
                if n >= WARMUP:
                    direct.append(d)
                    through_app.append(a)
    finally:
        ws.writer.close()
    return direct, through_app


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    median, low = statistics.median(ordered), ordered[0]
    return f"{name:<8} median {median:7.2f} ms   p90 {p90:7.2f} ms   min {low:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="samples of each, after warm-up")
    parser.add_argument("--thinking", action="store_true", help="thinking on in both paths")
    parser.add_argument("--conversation", action="store_true", help="one growing thread")
    args = parser.parse_args()
    args.history = []
    with tempfile.TemporaryDirectory(prefix="bench-ttft-") as tmpdir:
        app = LiveApp(Path(tmpdir))
        try:
            app.start()
            direct, through_app = asyncio.run(measure(app, args))
        finally:
            app.stop()
    added = statistics.median(through_app) - statistics.median(direct)
    paired = statistics.median(a - d for a, d in zip(through_app, direct, strict=True))
    mode = "one growing conversation" if args.conversation else "independent runs"
    thinking = "on" if args.thinking else "off"
    print(f"TTFT, {args.runs} runs each after {WARMUP} warm-ups, {mode}, thinking {thinking}")
    print(summary("direct", direct))
    print(summary("app", through_app))
    verdict = "PASS" if added <= TARGET_MS else "FAIL"
    print(f"added by the app: {added:.2f} ms = median(app) - median(direct)   [{verdict} <= 10 ms]")
    print(f"(median of the paired per-run differences: {paired:.2f} ms)")


if __name__ == "__main__":
    main()
