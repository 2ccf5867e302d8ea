"""From the soak's run records to its figures, verdicts and table."""

from __future__ import annotations

import statistics
from collections import Counter

from .procs import CpuWindow
from .report import number, rows
from .soakclient import RunRecord
from .stats import gaps, rounded, spread

MIB = 1024 * 1024
RSS_GROWTH_LIMIT = 0.10


def rss_figures(samples: list[tuple[float, int]], *, minutes: float) -> dict:
    """Median of the first minute's samples against the last minute's (the warm-up before and
    the page checks after the soak are left out)."""
    end = minutes * 60
    first = [value for at, value in samples if 0 <= at < 60]
    last = [value for at, value in samples if end - 60 <= at <= end]
    if not first or not last:
        return {"first_minute_mib": None, "last_minute_mib": None, "growth": None}
    early, late = statistics.median(first), statistics.median(last)
    return {
        "first_minute_mib": rounded(early / MIB, 1),
        "last_minute_mib": rounded(late / MIB, 1),
        "growth": rounded(late / early - 1, 4),
        "samples_mib": [(round(at), rounded(value / MIB, 1)) for at, value in samples],
    }


def by_minute(records: list[RunRecord], *, minutes: float) -> list[dict]:
    """Runs started in each minute: how many, how many had a problem, their first-token p50."""
    table = []
    for minute in range(int(minutes + 0.999)):
        inside = [r for r in records if minute * 60 <= r.at < (minute + 1) * 60]
        ttft = [r.stream.first_text for r in inside if r.stream.first_text is not None]
        table.append(
            {
                "minute": minute + 1,
                "runs": len(inside),
                "problems": sum(bool(r.problem) for r in inside),
                "ttft_p50_ms": spread(ttft)["p50"],
            }
        )
    return table


def soak_figures(records: list[RunRecord], *, cpu: CpuWindow, pages: dict, rss, minutes) -> dict:
    sent = [r for r in records if r.stream.ended is not None]
    clean = [r for r in sent if not r.problem]
    problems = Counter(r.problem for r in records if r.problem)
    delivered = sum(r.tokens for r in sent if not r.stream.error)
    app_cpu = cpu.used["app"]
    examples = [
        f"client {r.client} at {r.at:.0f} s: {r.problem}: {r.stream.detail}"[:300]
        for r in records
        if r.problem
    ]
    figures = {
        "runs": {
            "sent": len(sent),
            "accepted": sum(r.stream.accepted is not None for r in sent),
            "clean": len(clean),
            "per_minute": rounded(len(sent) / minutes, 1),
        },
        "reloads": {
            "runs_reloaded": sum(r.stream.reconnects for r in sent),
            "snapshots": sum(r.stream.snapshots for r in sent),
        },
        "ttft_ms": spread(r.stream.first_text for r in clean if r.stream.first_text is not None),
        "gap_ms": spread(g for r in clean for g in gaps(r.stream.text_frames)),
        "tokens_delivered": delivered,
        "errors": dict(problems),
        "error_examples": examples[:10],
        "pages": pages,
        "rss": rss_figures(rss, minutes=minutes),
        "cpu": {
            "app_s": rounded(app_cpu, 2),
            "app_s_per_1000_tokens": rounded(app_cpu / delivered * 1000, 4) if delivered else None,
            "machine_busy": rounded(cpu.machine_busy, 3),
        },
        "by_minute": by_minute(records, minutes=minutes),
    }
    figures["verdicts"] = verdicts(figures)
    return figures


def verdicts(figures: dict) -> dict:
    pages, growth = figures["pages"], figures["rss"]["growth"]
    text_problems = sum(
        n for kind, n in figures["errors"].items() if kind.startswith(("text", "deltas"))
    )
    return {
        "no errors": not figures["errors"],
        "no stuck or lost runs": not (
            pages["stuck_runs"] or pages["runs_missing_from_pages"] or pages["pages_failed"]
        ),
        "no lost text": text_problems == 0,
        "RSS growth under 10%": growth is not None and growth < RSS_GROWTH_LIMIT,
    }


def soak_text(record: dict) -> str:
    config, runs, rss = record["config"], record["runs"], record["rss"]
    errors = ", ".join(f"{k} {v}" for k, v in sorted(record["errors"].items())) or "none"
    table = [("minute", "runs", "problems", "first token p50 (ms)")]
    table += [
        (str(m["minute"]), str(m["runs"]), str(m["problems"]), number(m["ttft_p50_ms"]))
        for m in record["by_minute"]
    ]
    lines = [
        f"\nsoak: {config['minutes']:g} min, {config['clients']} clients, "
        f"R={config['rate']:g} tok/s, T={config['tokens']}, drop {config['drop']:g}, "
        f"{config['workers']} worker(s); "
        f"{record['machine']['cpus']} CPUs, load {record['machine']['load_before']} before, "
        f"{record['machine']['load_after']} after",
        rows(table),
        f"runs: {runs['sent']} sent, {runs['accepted']} accepted, {runs['clean']} clean "
        f"({runs['per_minute']}/min); reloads mid-run {record['reloads']['runs_reloaded']}, "
        f"snapshots {record['reloads']['snapshots']}",
        f"first token p50 / p99: {number(record['ttft_ms']['p50'])} / "
        f"{number(record['ttft_ms']['p99'])} ms; gap between frames p99 "
        f"{number(record['gap_ms']['p99'])} ms",
        f"errors: {errors}",
        f"pages afterwards: {record['pages']}",
        f"app RSS: first minute {number(rss['first_minute_mib'], ' MiB')}, last minute "
        f"{number(rss['last_minute_mib'], ' MiB')}, growth "
        f"{number(rss['growth'] * 100 if rss['growth'] is not None else None, '%')}",
        f"app CPU: {number(record['cpu']['app_s'], ' s')}, "
        f"{number(record['cpu']['app_s_per_1000_tokens'], ' s', 4)} per 1,000 tokens; machine "
        f"{number(record['cpu']['machine_busy'] * 100, '%', 0)} busy",
    ]
    lines += [f"  e.g. {example}" for example in record["error_examples"][:5]]
    lines += [f"server log, {n}x: {p}" for p, n in record["server_log_problems"].items()]
    lines += [f"{name}: {'PASS' if ok else 'FAIL'}" for name, ok in record["verdicts"].items()]
    lines.append(f"JSON: {record['saved']}")
    return "\n".join(lines)
