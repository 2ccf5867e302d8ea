"""Compare mode in Debian's chromium: eight panes streaming at once (issue #9, point 9).

Starts the app (daphne on a free loopback port, temp SQLite, through `tests/live.py`) pointed at
a standalone simulator (`manage.py simulate`, so the fake upstream's CPU is not the app's;
`--builtin-simulator` uses the app's own /simulator/v1), and opens two sessions in chromium
(Playwright, two contexts): one with a single pane and one with `--panes` panes (default 8),
every pane on the same model with Thinking off and `max_tokens` = `--tokens`. Each round sends
the same prompt, with `[[sim tps=… ttft=…]]`, to both sessions one after the other (the order
alternates), and follows every run to its final frame.
`bench/compare_probe.js`, installed before the page's scripts, measures inside the page:

- the send click (capture phase) and, per run, the first time its answer showed text: the
  first-token time as the user sees it;
- the answer's DOM updates (one MutationObserver callback per websocket message) and the
  websocket frames htmx handed over for it: frames per second per pane;
- the text streamed into the answer, read as the final frame replaces it, compared with the
  run's stored answer (the database) and with the simulator's deterministic answer;
- long tasks (PerformanceObserver `longtask`, buffered) between the click and the last final frame.

The server's own first-token time is the run's `ttft_ms` (from the run task's start to the first
token upstream). Counters a loaded machine inflates little come with it: the page's main-thread
CPU time, layouts and style recalculations (DevTools `Performance` metrics in thread time) and
daphne's CPU time per round; `--trace` traces one more round and gives the page's longest tasks
in wall and CPU time (compare_trace.py). Targets: no long task over 50 ms; the last pane's
first-token time at most 20 ms over the single pane's (median of the rounds' paired differences).

Run:  .venv/bin/python bench/compare_panes.py [--rounds 8] [--warmup 2] [--panes 8] [--tokens 200]
      [--tps 100] [--ttft 0.3] [--builtin-simulator] [--trace] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from compare_report import report  # noqa: E402
from compare_trace import longest_tasks, traced  # noqa: E402
from streamlib.expected import expected_answer  # noqa: E402
from streamlib.procs import cpu_seconds, load_average  # noqa: E402
from streamlib.servers import Simulator  # noqa: E402

from tests.live import LiveApp  # noqa: E402

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
PROBE = Path(__file__).with_name("compare_probe.js")
VIEWPORT = {"width": 1920, "height": 1080}  # eight columns on a wide screen
ROUND_TIMEOUT_MS = 120_000
PROBE_STATE = """({clicks: __probe.clicks, runs: __probe.runs, panes: __probe.panes(),
                  longTasks: __probe.longTasks, accepted: __probe.accepted})"""


@dataclass
class Session:
    """One tab on one session; `history` is each pane's (prompt, stored answer) turns so far."""

    page: object
    cdp: object  # the page's DevTools session: Performance metrics in main-thread CPU time
    panes: int
    history: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


def open_session(browser, url: str, *, panes: int, tokens: int) -> Session:
    from playwright.sync_api import expect

    context = browser.new_context(base_url=url, viewport=VIEWPORT)
    context.add_init_script(path=str(PROBE))
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto("/")
    page.get_by_role("button", name="New session").click()
    expect(page.locator("body")).to_have_attribute("data-socket", "open")
    first = page.locator("section.pane").first
    first.locator("details[data-settings]").evaluate("details => { details.open = true; }")
    with page.expect_response(lambda r: "/settings/" in r.url):
        first.get_by_label("Max output tokens", exact=True).fill(str(tokens))
    with page.expect_response(lambda r: "/settings/" in r.url):
        first.get_by_label("Thinking", exact=True).uncheck()
    for count in range(2, panes + 1):  # each new pane copies the last one's settings
        page.get_by_role("button", name="+ Add pane").click()
        expect(page.locator("section.pane")).to_have_count(count)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
    return Session(page=page, cdp=cdp, panes=panes)


def play_round(session: Session, prompt: str, *, app: LiveApp, tokens: int) -> dict:
    """Send the prompt to every pane, wait for every final frame, return what was measured."""
    page = session.page
    page.bring_to_front()
    page.evaluate("__probe.reset()")
    work_before = work_done(session, app)
    runs_before = page.locator("article.run").count()
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_function(
        "n => document.querySelectorAll('article.run').length >= n"
        " && !document.querySelector('article.run.is-active')",
        arg=runs_before + session.panes,
        polling=100,
        timeout=ROUND_TIMEOUT_MS,
    )
    ended = page.evaluate("performance.mark('compare-round-end').startTime")
    work = {k: v - work_before[k] for k, v in work_done(session, app).items()}
    probe = page.evaluate(PROBE_STATE)
    db = Path(app.env["SQLITE_PATH"])
    figures = measured(session, probe, prompt=prompt, ended=ended, db=db, tokens=tokens)
    return figures | {"work": work}


def work_done(session: Session, app: LiveApp) -> dict:
    """Counters that CPU contention does not inflate: the page's main-thread CPU time and its
    layouts and style recalculations (DevTools Performance metrics), and daphne's CPU time."""
    metrics = {m["name"]: m["value"] for m in session.cdp.send("Performance.getMetrics")["metrics"]}
    return {
        "page_cpu_ms": metrics["TaskDuration"] * 1000,
        "script_ms": metrics["ScriptDuration"] * 1000,
        "layout_ms": metrics["LayoutDuration"] * 1000,
        "style_ms": metrics["RecalcStyleDuration"] * 1000,
        "layouts": metrics["LayoutCount"],
        "style_recalcs": metrics["RecalcStyleCount"],
        "server_cpu_ms": cpu_seconds(app.process.pid) * 1000,
    }


def measured(session: Session, probe: dict, *, prompt: str, ended: float, db: Path, tokens: int):
    click = probe["clicks"][-1]
    order = {pane: index for index, pane in enumerate(probe["panes"])}
    stored = stored_runs(db, list(probe["runs"]))
    panes = []
    for run_id, run in probe["runs"].items():
        index = order[run["pane"]]
        text, ttft_ms = stored[run_id]
        expected = expected_answer(
            prompt=prompt, tokens=tokens, history=tuple(session.history.get(index, ()))
        )
        panes.append(pane_figures(run, index=index, click=click, ttft_ms=ttft_ms) | {
            "exact": run["streamed"] == text == expected,
            "stored_matches_expected": text == expected,
        })  # fmt: skip
        session.history.setdefault(index, []).append((prompt, text))
    long_tasks = [t for t in probe["longTasks"] if click <= t["start"] + t["duration"] <= ended]
    accepted = probe["accepted"] or {}
    return {"panes": sorted(panes, key=lambda p: p["pane"]), "long_tasks": long_tasks,
            "accepted_arrived_ms": accepted.get("arrived", click) - click,
            "accepted_swapped_ms": accepted.get("swapped", click) - click,
            "round_ms": ended - click}  # fmt: skip


def pane_figures(run: dict, *, index: int, click: float, ttft_ms: int | None) -> dict:
    streaming = (run["last"] - run["first"]) / 1000 if run["first"] is not None else 0
    return {
        "pane": index + 1,
        "first_text_ms": None if run["first"] is None else run["first"] - click,
        "server_ttft_ms": ttft_ms,
        "updates": run["updates"],
        "frames": run["frames"],
        "fps": (run["updates"] - 1) / streaming if streaming > 0 else None,
    }


def stored_runs(db: Path, run_ids: list[str]) -> dict[str, tuple[str, int | None]]:
    """Each run's stored answer and server-side first-token time, read from the app's SQLite."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        found = {}
        for run_id in run_ids:
            row = connection.execute(
                "SELECT text, ttft_ms FROM playground_run WHERE id = ?", (run_id.replace("-", ""),)
            ).fetchone()
            found[run_id] = row if row else ("<missing>", None)
    return found


def prompt_for(number: int, *, tps: float, ttft: float) -> str:
    return f"How do harbours, tides and lighthouses work together? Part {number}. [[sim tps={tps:g} ttft={ttft:g}]]"  # noqa: E501


def play(args, app: LiveApp, browser) -> dict:
    """Warm-up rounds first (imports, templates, pools), then the measured rounds, interleaved."""
    sessions = {
        1: open_session(browser, app.url, panes=1, tokens=args.tokens),
        args.panes: open_session(browser, app.url, panes=args.panes, tokens=args.tokens),
    }
    rounds: dict[int, list[dict]] = {1: [], args.panes: []}
    for number in range(-args.warmup, args.rounds):
        prompt = prompt_for(number, tps=args.tps, ttft=args.ttft)
        order = (1, args.panes) if number % 2 == 0 else (args.panes, 1)
        for panes in order:
            result = play_round(sessions[panes], prompt, app=app, tokens=args.tokens)
            if number >= 0:
                rounds[panes].append(result)
        print(f"round {number} done, load average {load_average()}", file=sys.stderr)
    results = {"one": rounds[1], "many": rounds[args.panes]}
    if args.trace:  # one more round, traced: tracing costs the page time, so not counted above
        prompt = prompt_for(args.rounds, tps=args.tps, ttft=args.ttft)
        with traced(sessions[args.panes]) as events:
            play_round(sessions[args.panes], prompt, app=app, tokens=args.tokens)
        results["traced"] = longest_tasks(events)
    return results


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--panes", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--tps", type=float, default=100)
    parser.add_argument("--ttft", type=float, default=0.3)
    parser.add_argument(
        "--builtin-simulator",
        action="store_true",
        help="stream from the app's own /simulator/v1 (its CPU then counts as the app's)",
    )
    parser.add_argument(
        "--trace", action="store_true", help="trace one more round: long tasks in CPU time"
    )
    parser.add_argument("--json", action="store_true", help="also print every figure as JSON")
    return parser.parse_args()


@contextlib.contextmanager
def app_running(tmp: Path, *, builtin_simulator: bool) -> Iterator[LiveApp]:
    """The app; by default pointed at a standalone simulator, as a real upstream is elsewhere."""
    with contextlib.ExitStack() as stack:
        app = LiveApp(tmp)
        if not builtin_simulator:
            simulator = Simulator(rate=100, ttft=0.3, log=tmp / "simulator.log").start()
            stack.callback(simulator.stop)
            app.env["PLAYGROUND_SIMULATOR_URL"] = simulator.base_url  # LiveApp drops inherited
        stack.callback(app.stop)
        yield app.start()


def main() -> None:
    args = arguments()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Debian's chromium is required (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with (
        tempfile.TemporaryDirectory() as tmp,
        app_running(Path(tmp), builtin_simulator=args.builtin_simulator) as app,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        results = play(args, app, browser)
        browser.close()
    if args.json:
        print(json.dumps(results, indent=1))
    report(results, args)


if __name__ == "__main__":
    main()
