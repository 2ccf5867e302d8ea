"""The tables and PASS/MISS lines of bench/compare_panes.py."""

from __future__ import annotations

from streamlib.procs import load_average
from streamlib.stats import percentile

LONG_TASK_MS, ADDED_TARGET_MS = 50, 20


def last_pane(result: dict) -> dict:
    return result["panes"][-1]


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def added(result_one: dict, result_many: dict, key: str) -> float | None:
    """The last pane's figure minus the single pane's (None when a run never showed text)."""
    single, last = last_pane(result_one)[key], last_pane(result_many)[key]
    return None if single is None or last is None else last - single


def report(results: dict, args) -> None:
    one, many = results["one"], results["many"]
    print(
        f"\n{args.panes} panes vs 1 pane, {args.rounds} rounds (+{args.warmup} warm-up), "
        f"{args.tokens} tokens at {args.tps:g} tokens/s, simulator ttft {args.ttft:g} s"
    )
    where = "the app's own /simulator/v1" if args.builtin_simulator else "a standalone simulator"
    print(f"upstream: {where}; load average after: {load_average()}")
    report_rounds(one, many)
    report_panes(many)
    report_work(one, many)
    if "traced" in results:
        report_traced(results["traced"])
    verdicts(one, many)


def report_rounds(one: list[dict], many: list[dict]) -> None:
    print(
        "\nper round, ms after the send click: the accepted frame's arrival, the first text in "
        "the last pane (browser); run ttft_ms (server); long tasks (1 pane | N panes)"
    )
    print(f"{'round':>5} {'accepted 1 / N':>15} | {'first text 1 / N':>17} {'added':>7} | "
          f"{'ttft 1 / N':>11} {'added':>6} | long tasks")  # fmt: skip
    for number, (single, multi) in enumerate(zip(one, many, strict=True)):
        a, b = last_pane(single), last_pane(multi)
        accepted = f"{ms(single['accepted_arrived_ms'])} / {ms(multi['accepted_arrived_ms'])}"
        first = f"{ms(a['first_text_ms'])} / {ms(b['first_text_ms'])}"
        ttft = f"{a['server_ttft_ms']} / {b['server_ttft_ms']}"
        print(f"{number:>5} {accepted:>15} | {first:>17} "
              f"{ms(added(single, multi, 'first_text_ms')):>7} | {ttft:>11} "
              f"{ms(added(single, multi, 'server_ttft_ms')):>6} | "
              f"{durations(single)} | {durations(multi)}")  # fmt: skip


def durations(result: dict) -> str:
    return " ".join(f"{t['duration']:.0f}" for t in result["long_tasks"]) or "-"


def report_panes(many: list[dict]) -> None:
    print(
        "\nper pane over the rounds: first text p50 (browser / server ms), frames per second "
        "p50 (min), DOM updates = websocket frames, exact text"
    )
    for index in range(len(many[0]["panes"])):
        rows = [result["panes"][index] for result in many]
        fps = [r["fps"] for r in rows if r["fps"] is not None]
        same = all(r["updates"] == r["frames"] for r in rows)
        print(f"pane {index + 1}: {ms(p50(r['first_text_ms'] for r in rows)):>7} / "
              f"{ms(p50(r['server_ttft_ms'] for r in rows)):>7}   "
              f"{ms(p50(fps)):>5} ({ms(min(fps, default=None)):>4}) fps   "
              f"{p50(r['updates'] for r in rows):4.0f} "
              f"updates{'' if same else ' (frames differ!)'}   "
              f"{sum(r['exact'] for r in rows)}/{len(rows)} exact")  # fmt: skip


def report_work(one: list[dict], many: list[dict]) -> None:
    print(
        "\nwork per round, p50 (CPU time, so a loaded machine inflates it little): the page's "
        "main thread (script, layout, style) and its layout / style counts; daphne's CPU"
    )
    for name, results in (("1 pane", one), (f"{len(many[0]['panes'])} panes", many)):
        w = {k: p50(r["work"][k] for r in results) for k in results[0]["work"]}
        frames = p50(sum(p["frames"] for p in r["panes"]) for r in results)
        print(f"{name:>8}: page {w['page_cpu_ms']:.0f} ms (script {w['script_ms']:.0f}, layout "
              f"{w['layout_ms']:.0f}, style {w['style_ms']:.0f}) for {frames:.0f} text frames, "
              f"{w['layouts']:.0f} layouts, {w['style_recalcs']:.0f} style recalcs; daphne "
              f"{w['server_cpu_ms']:.0f} ms")  # fmt: skip


def report_traced(tasks: list[dict]) -> None:
    print(
        "\ntraced round: the page's longest main-thread tasks, wall ms (CPU ms: the part the "
        "machine's load cannot inflate) and where their CPU time went"
    )
    for task in tasks:
        parts = ", ".join(f"{name} {ms:.1f}" for name, ms in task["parts"].items())
        print(f"  {task['wall_ms']:6.1f} ({task['cpu_ms']:5.1f})  {parts}")


def p50(values) -> float | None:
    return percentile([v for v in values if v is not None], 50)


def verdicts(one: list[dict], many: list[dict]) -> None:
    pairs = list(zip(one, many, strict=True))
    browser = [v for s, m in pairs if (v := added(s, m, "first_text_ms")) is not None]
    server = [v for s, m in pairs if (v := added(s, m, "server_ttft_ms")) is not None]
    tasks = [t["duration"] for r in many for t in r["long_tasks"]]
    streams = [p for r in one + many for p in r["panes"]]
    exact = sum(p["exact"] for p in streams)
    print()
    print(
        f"{verdict(exact == len(streams))} text: {exact}/{len(streams)} streams exact "
        "(streamed == stored == simulator's answer)"
    )
    print(f"{verdict(not tasks)} long tasks over {LONG_TASK_MS} ms during the "
          f"{len(many[0]['panes'])}-pane rounds: {len(tasks)}"
          + (f", longest {max(tasks):.0f} ms" if tasks else ""))  # fmt: skip
    print(f"{verdict(within(browser))} first text added for the last pane, browser: p50 "
          f"{ms(p50(browser))} ms, max {ms(max(browser, default=None))} ms (target <= "
          f"{ADDED_TARGET_MS} ms at p50)")  # fmt: skip
    print(f"{verdict(within(server))} run ttft_ms added for the last pane, server: p50 "
          f"{ms(p50(server))} ms, max {ms(max(server, default=None))} ms")  # fmt: skip


def within(values: list[float]) -> bool:
    middle = p50(values)
    return middle is not None and middle <= ADDED_TARGET_MS


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"
