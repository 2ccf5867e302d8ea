"""Streaming load: N concurrent browser-like tabs against the app, and the same N streams read
straight from the upstream, in the same run (issue #8, item 6). Prints a table and a JSON
record (also kept in bench/results/).

The upstream is the app's own simulator served alone (`manage.py simulate`, its own process, so
its CPU is not the app's) at R tokens/s after 50 ms, thinking off, every answer cut at exactly T
tokens by max_tokens. The app is one daphne on SQLite (tests/live.py) or, with --workers 2,
nginx + 2 daphne workers on PostgreSQL and Redis (tests/stack.py). Each tab GETs / (following
the redirect, keeping its cookies), opens the page's socket with the browser's Origin, and sends
what the composer sends; see bench/README.md for every figure.

Run:  .venv/bin/python bench/stream_load.py [--clients 200] [--rate 50] [--tokens 200]
          [--workers 1|2] [--ramp 0] [--repeat 1] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.streamlib import procs, report  # noqa: E402
from bench.streamlib.expected import expected_answer, tokens_in  # noqa: E402
from bench.streamlib.figures import pooled, repeat_figures  # noqa: E402
from bench.streamlib.harness import TTFT_SECONDS, harness, machine  # noqa: E402
from bench.streamlib.phases import (  # noqa: E402
    Environment,
    app_phase,
    direct_phase,
    prompt_for,
    warm_up,
)
from bench.streamlib.stats import LoopLag  # noqa: E402

TARGETS = {  # issue #8: (figure, limit)
    "N=1: added first-token p50 (ms)": ("ttft_p50", 10.0),
    "N=200, R=50: added first-token p99 (ms)": ("ttft_p99", 250.0),
    "app CPU per 1,000 tokens (s)": ("cpu", 0.05),
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="N concurrent tabs/streams")
    parser.add_argument("--rate", type=float, default=50, help="R: upstream tokens per second")
    parser.add_argument("--tokens", type=int, default=200, help="T: answer tokens (max_tokens)")
    parser.add_argument("--workers", type=int, default=1, help="1: daphne; 2+: nginx stack")
    parser.add_argument("--ramp", type=float, default=0, help="seconds over which sends start")
    parser.add_argument("--repeat", type=int, default=1, help="direct + app phases, N times")
    parser.add_argument(
        "--direct-reader",
        choices=("raw", "httpx"),
        default="raw",
        help="direct streams: a lean asyncio reader, or httpx (costlier per event)",
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON record")
    return parser.parse_args(argv)


def expected_texts(args, label: str) -> tuple[list[str], list[str]]:
    prompts = [prompt_for(i, label=label) for i in range(args.clients)]
    expected = [expected_answer(prompt=p, tokens=args.tokens) for p in prompts]
    short = [i for i, text in enumerate(expected) if tokens_in(text) != args.tokens]
    if short:
        raise SystemExit(
            f"the simulator's answer is shorter than --tokens {args.tokens} "
            f"(e.g. prompt {short[0]}): use --tokens 290 or less"
        )
    return prompts, expected


async def measure(args, env: Environment) -> list[dict]:
    await warm_up(env)
    results = []
    for repeat in range(args.repeat):
        prompts, expected = expected_texts(args, label=f"r{repeat}")
        timeout = 60 + 3 * args.tokens / max(args.rate, 1)
        with LoopLag() as direct_lag:
            direct, direct_cpu = await direct_phase(
                env, prompts=prompts, tokens=args.tokens, ramp=args.ramp
            )
        with LoopLag() as app_lag:
            phase = await app_phase(
                env, prompts=prompts, tokens=args.tokens, ramp=args.ramp, timeout=timeout
            )
        lags = {"direct": direct_lag.samples, "app": app_lag.samples}
        results.append(
            repeat_figures(
                direct=direct, direct_cpu=direct_cpu, phase=phase, expected=expected, lags=lags
            )
        )
    return results


async def run_all(args) -> dict:
    """Start everything, measure, stop everything; what was observed, for the record."""
    connections = args.clients + 8 if args.direct_reader == "httpx" else 0
    async with harness(
        name="stream_load",
        workers=args.workers,
        rate=args.rate,
        rss_period=0.25,
        direct_httpx=connections,
    ) as (env, observed):
        repeats = await measure(args, env)
    return {"repeats": repeats} | observed.record()


def targets(summary: dict) -> dict:
    """Each target of issue #8 against all repeats pooled."""
    values = {
        "ttft_p50": summary["added_ttft_ms"]["p50"],
        "ttft_p99": summary["added_ttft_ms"]["p99"],
        "cpu": summary["app_s_per_1000_tokens"],
    }
    found = {}
    for name, (key, limit) in TARGETS.items():
        verdict = report.verdict(values[key], limit)
        found[name] = {"value": values[key], "limit": limit, "verdict": verdict}
    everything = summary["exact_streams"] == summary["streams"] and not summary["errors"]
    found["every token delivered exactly once, no errors"] = {
        "value": summary["exact_streams"] / summary["streams"] if summary["streams"] else None,
        "limit": 1.0,
        "verdict": "PASS" if everything else "FAIL",
    }
    return found


def main(argv=None) -> None:
    args = parse_args(argv)
    record = {"config": vars(args) | {"ttft_s": TTFT_SECONDS}, "machine": machine()}
    record |= asyncio.run(run_all(args))
    record["machine"]["load_after"] = procs.load_average()
    record["pooled"] = pooled(record["repeats"])
    record["targets"] = targets(record["pooled"])
    record["saved"] = str(report.save("stream_load", record))
    report.print_record(record, as_json=args.json)


if __name__ == "__main__":
    main()
