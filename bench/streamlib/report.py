"""Human tables and the JSON record (printed, and kept in bench/results/, which git ignores)."""

from __future__ import annotations

import json
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[1] / "results"


def save(name: str, record: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def number(value, unit: str = "", digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def verdict(value, limit: float) -> str:
    if value is None:
        return "n/a"
    return "PASS" if value <= limit else "FAIL"


def rows(table: list[tuple[str, ...]]) -> str:
    """Left column left-aligned, the others right-aligned, widths from the content."""
    widths = [max(len(row[i]) for row in table if i < len(row)) for i in range(len(table[0]))]
    lines = []
    for row in table:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def latency_rows(figures: dict) -> list[tuple[str, ...]]:
    app, direct, more = figures["app"], figures["direct"], figures["added"]
    table = [("", "direct", "app", "added")]
    for label, key in (("first token", "ttft_ms"), ("gap between text frames", "gap_ms")):
        for p in ("p50", "p99"):
            table.append(
                (
                    f"{label} {p} (ms)",
                    number(direct[key][p]),
                    number(app[key][p]),
                    number(more[key][p]),
                )
            )
    table.append(
        (
            "stream duration p50 (ms)",
            number(direct["duration_ms"]["p50"]),
            number(app["duration_ms"]["p50"]),
            "",
        )
    )
    for label, key in (
        ("token lag vs direct", "token_lag_ms"),
        ("accepted frame", "accepted_ms"),
        ("websocket handshake", "handshake_ms"),
    ):
        spread = app[key]
        table.append(
            (
                f"{label} p50 / p99 (ms)",
                "",
                f"{number(spread['p50'])} / {number(spread['p99'])}",
                "",
            )
        )
    return table


def repeat_rows(record: dict) -> list[tuple[str, ...]]:
    """One line per repeat, and all of them pooled: first token (direct, app, added), CPU."""
    table = [
        (
            "repeat",
            "direct p50/p99",
            "app p50/p99",
            "added p50/p99",
            "CPU s/1k tok",
            "reader s/1k",
            "exact",
            "errors",
        )
    ]
    for index, r in enumerate(record["repeats"], start=1):
        d, a, x = r["direct"]["ttft_ms"], r["app"]["ttft_ms"], r["added"]["ttft_ms"]
        table.append(
            (
                str(index),
                pair(d),
                pair(a),
                pair(x),
                number(r["cpu"]["app_s_per_1000_tokens"], digits=4),
                number(r.get("direct_reader_s_per_1000_tokens"), digits=4),
                f"{r['text']['exact_streams']}/{r['text']['streams']}",
                str(sum(r["errors"].values())),
            )
        )
    p = record["pooled"]
    table.append(
        (
            "pooled",
            pair(p["direct_ttft_ms"]),
            pair(p["app_ttft_ms"]),
            pair(p["added_ttft_ms"]),
            number(p["app_s_per_1000_tokens"], digits=4),
            number(p.get("direct_reader_s_per_1000_tokens"), digits=4),
            f"{p['exact_streams']}/{p['streams']}",
            str(sum(p["errors"].values())),
        )
    )
    return table


def pair(spread: dict) -> str:
    return f"{number(spread['p50'])} / {number(spread['p99'])}"


def repeat_text(figures: dict) -> str:
    text, cpu, rss = figures["text"], figures["cpu"], figures["rss"]
    errors = ", ".join(f"{k} {v}" for k, v in sorted(figures["errors"].items())) or "none"
    lag = figures["client_loop_lag_ms"]
    lag_text = "; ".join(
        f"{name} phase {number(lag[name]['p50'])} / {number(lag[name]['p99'])} ms" for name in lag
    )
    others = ", ".join(f"{k} {number(v, ' s', 2)}" for k, v in cpu["others_s"].items())
    lines = [
        rows(latency_rows(figures)),
        f"text: {text['delivered_tokens']:,} of {text['expected_tokens']:,} tokens delivered "
        f"({text['exact_streams']}/{text['streams']} streams exact, every token once)",
        f"errors: {errors}",
        f"app CPU: {number(cpu['app_s'], ' s', 2)} over {number(cpu['seconds'], ' s')} = "
        f"{number(cpu['app_s_per_1000_tokens'], ' s', 4)} per 1,000 tokens "
        f"({number(cpu['app_cores_busy'], ' cores', 2)}); {others}; machine "
        f"{number(cpu['machine_busy'] * 100, '%', 0)} busy "
        f"({number(cpu['foreign_cores'], ' cores', 2)} used by other processes)",
        f"the same streams read directly by the lean reader (the floor): "
        f"{number(figures.get('direct_reader_s_per_1000_tokens'), ' s', 4)} per 1,000 tokens "
        f"of the load generator's CPU",
        f"app RSS: {number(rss['base_mib'], ' MiB')} before, {number(rss['idle_mib'], ' MiB')} "
        f"with the tabs idle ({number(rss['per_tab_kib'], ' KiB')} per tab: page and socket; "
        f"{number(rss['per_idle_socket_kib'], ' KiB')} per idle socket alone), "
        f"{number(rss['peak_mib'], ' MiB')} streaming "
        f"({number(rss['per_active_stream_kib'], ' KiB')} per active stream), "
        f"{number(rss['after_mib'], ' MiB')} after",
        f"load generator's own loop lag p50 / p99: {lag_text}",
    ]
    return "\n".join(lines + [f"  e.g. {example}" for example in figures["error_examples"][:5]])


def print_record(record: dict, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(record, indent=2))
        return
    config = record["config"]
    print(
        f"\nstream_load: N={config['clients']} clients, R={config['rate']:g} tok/s, "
        f"T={config['tokens']} tokens, {config['workers']} worker(s), ramp {config['ramp']:g} s; "
        f"{record['machine']['cpus']} CPUs, load {record['machine']['load_before']} before"
    )
    print(f"\n{rows(repeat_rows(record))}")
    # The first repeat: its RSS growth is the app's own; later repeats reuse the memory it freed.
    print(f"\n--- repeat 1 in detail ---\n{repeat_text(record['repeats'][0])}")
    connections = record.get("database_connections")
    if connections:
        print(
            f"\nPostgreSQL connections of the app's database: peak {connections['peak']} "
            f"(server max_connections {connections['max_connections']}, shared)"
        )
    for problem, count in record["server_log_problems"].items():
        print(f"server log, {count}x: {problem}")
    print("\ntargets (as issue #8 states them; each is meant for one configuration):")
    for name, target in record["targets"].items():
        value, limit = target["value"], target["limit"]
        shown = number(value, digits=4 if limit <= 1 else 1)
        print(f"  {name}: {shown} (limit {limit:g}) {target['verdict']}")
    print(f"\nJSON: {record['saved']}")
