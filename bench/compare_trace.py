"""`compare_panes.py --trace`: a Chromium performance trace (CDP `Tracing`) of the last round
with every pane, to tell a long task the page caused from one the machine caused. For each of
the page's longest main-thread tasks it gives the wall time (what the long-task API reports) and
the thread's CPU time in it (what it would take on an idle machine), and where that went."""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Iterator

CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "toplevel",
              "blink.user_timing"]  # fmt: skip
MARKS = ("compare-send", "compare-round-end")  # set by the probe and play_round
TASK = "ThreadControllerImpl::RunTask"
PARTS = {  # trace event → what it is, for the summary of a task
    "FunctionCall": "script",
    "ParseHTML": "parse",
    "UpdateLayoutTree": "style",
    "Layout": "layout",
    "PrePaint": "prepaint",
    "Paint": "paint",
    "Layerize": "layerize",
    "MajorGC": "gc",
    "MinorGC": "gc",
}


@contextlib.contextmanager
def traced(session) -> Iterator[list[dict]]:
    """Trace what happens inside the block; the events are in the list once it ends."""
    events: list[dict] = []
    finished: list[bool] = []
    session.cdp.on("Tracing.dataCollected", lambda e: events.extend(e["value"]))
    session.cdp.on("Tracing.tracingComplete", lambda e: finished.append(True))
    config = {"includedCategories": CATEGORIES}
    session.cdp.send("Tracing.start", {"traceConfig": config, "transferMode": "ReportEvents"})
    try:
        yield events
    finally:
        session.cdp.send("Tracing.end")
        while not finished:
            session.page.wait_for_timeout(50)


def longest_tasks(events: list[dict], *, count: int = 6) -> list[dict]:
    """The page's longest main-thread tasks: wall ms, CPU ms and the parts that took the most."""
    thread = _renderer_main(events)
    mine = sorted(
        (e for e in events if (e["pid"], e["tid"]) == thread and e.get("ph") == "X"),
        key=lambda e: e["ts"],
    )
    start, end = (min(e["ts"] for e in events if e.get("name") == mark) for mark in MARKS)
    in_round = [e for e in mine if e["name"] == TASK and start <= e["ts"] <= end]
    tasks = sorted(in_round, key=lambda e: -e["dur"])[:count]
    return [_task_figures(task, mine) for task in tasks]


def _renderer_main(events: list[dict]) -> tuple[int, int]:
    """The busiest renderer main thread in the trace: the page's (tracing covers the browser)."""
    names = {
        (e["pid"], e["tid"]): e["args"]["name"]
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
    }
    busy = collections.Counter((e["pid"], e["tid"]) for e in events if e.get("name") == TASK)
    return max((k for k, v in names.items() if v == "CrRendererMain"), key=lambda k: busy[k])


def _task_figures(task: dict, events: list[dict]) -> dict:
    end = task["ts"] + task["dur"]
    parts: collections.Counter = collections.Counter()
    counted_until: dict[str, float] = {}  # an event nested in one of its own name counts once
    for event in events:  # (in time order)
        name = event["name"]
        if name not in PARTS or not task["ts"] <= event["ts"] < end or "tdur" not in event:
            continue
        if event["ts"] >= counted_until.get(name, 0):
            parts[PARTS[name]] += event["tdur"] / 1000
            counted_until[name] = event["ts"] + event["dur"]
    cpu_ms = task.get("tdur", task["dur"]) / 1000
    parts["other"] = max(0.0, cpu_ms - sum(parts.values()))  # (parts may nest: layout in script)
    return {
        "wall_ms": task["dur"] / 1000,
        "cpu_ms": cpu_ms,
        "parts": {name: round(ms, 1) for name, ms in parts.most_common(4)},
    }
