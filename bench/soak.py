"""Soak: many tabs streaming without pause for minutes, some dropping their socket mid-run and
coming back as a reload does (issue #8, item 7). Checks: no errors, no run stuck in streaming
and none missing afterwards, every answer delivered exactly once (after a reload: a snapshot,
then the rest), and the app's RSS growing by less than 10% (median of the first minute's
samples, taken every 10 s, against the last minute's). Prints a table and a JSON record (also
kept in bench/results/).

Run:  .venv/bin/python bench/soak.py [--minutes 10] [--clients 100] [--drop 0.1] [--workers 1|2]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.streamlib import procs, report  # noqa: E402
from bench.streamlib.harness import TTFT_SECONDS, harness, machine  # noqa: E402
from bench.streamlib.phases import warm_up  # noqa: E402
from bench.streamlib.soakclient import SoakClient, pages_check  # noqa: E402
from bench.streamlib.soakfigures import soak_figures, soak_text  # noqa: E402

RSS_PERIOD = 10.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rate", type=float, default=50, help="upstream tokens per second")
    parser.add_argument("--tokens", type=int, default=200, help="answer tokens (max_tokens)")
    parser.add_argument(
        "--drop", type=float, default=0.1, help="chance that a run is interrupted by a reload"
    )
    parser.add_argument("--turns-per-session", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="1: daphne; 2+: nginx stack")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print only the JSON record")
    return parser.parse_args(argv)


async def soak(args) -> dict:
    async with harness(
        name="soak", workers=args.workers, rate=args.rate, rss_period=RSS_PERIOD
    ) as (env, observed):
        await warm_up(env)
        clients = [
            SoakClient(
                index=i,
                env=env,
                tokens=args.tokens,
                drop=args.drop,
                turns_per_session=args.turns_per_session,
                rng=random.Random(args.seed * 100_000 + i),
            )
            for i in range(args.clients)
        ]
        cpu = env.cpu_window(app=True).start()
        began = time.monotonic()
        deadline = began + args.minutes * 60
        await asyncio.gather(*(c.run_until(deadline, began=began) for c in clients))
        cpu.stop()
        await asyncio.sleep(2)  # the last finals are written before they are sent; be generous
        sessions = {url: n for c in clients for url, n in c.sessions.items()}
        pages = await pages_check(sessions)
        samples = [(at - began, value) for at, value in env.rss.samples]
    records = [record for client in clients for record in client.records]
    figures = soak_figures(records, cpu=cpu, pages=pages, rss=samples, minutes=args.minutes)
    return figures | observed.record()


def main(argv=None) -> None:
    args = parse_args(argv)
    record = {"config": vars(args) | {"ttft_s": TTFT_SECONDS}, "machine": machine()}
    record |= asyncio.run(soak(args))
    record["machine"]["load_after"] = procs.load_average()
    record["saved"] = str(report.save("soak", record))
    if args.json:
        report.print_record(record, as_json=True)
    else:
        print(soak_text(record))


if __name__ == "__main__":
    main()
