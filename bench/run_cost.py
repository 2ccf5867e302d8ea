"""What one run costs the app: K runs back to back through one tab, the daphne process's CPU
for each (send to final frame), against the same streams read directly by the lean reader of
stream_load.py in this process (the floor: what reading the upstream costs at all). Also the
app's CPU while idle, so that timers and sweeps show. Not a test; prints its figures.

Run:  .venv/bin/python bench/run_cost.py [--runs 10] [--rate 50] [--tokens 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.streamlib.harness import harness  # noqa: E402
from bench.streamlib.phases import prompt_for, warm_up  # noqa: E402
from bench.streamlib.procs import cpu_seconds  # noqa: E402
from bench.streamlib.rawsse import DirectConnection  # noqa: E402

IDLE_SECONDS = 5.0


async def app_costs(env, *, runs: int, tokens: int) -> tuple[float, list[float]]:
    """The app's idle CPU per second, then its CPU for each run of one tab."""
    pid, tab = env.target.workers[0], env.tab()
    await tab.page.open()
    await tab.connect()
    await asyncio.sleep(1)
    before = cpu_seconds(pid)
    await asyncio.sleep(IDLE_SECONDS)
    idle = (cpu_seconds(pid) - before) / IDLE_SECONDS
    costs = []
    for index in range(runs):
        before = cpu_seconds(pid)
        message = tab.page.send_message(prompt=prompt_for(index, label="cost"), tokens=tokens)
        stream = await tab.run(message=message, timeout=60 + 3 * tokens)
        if stream.error:
            raise SystemExit(f"run {index} failed: {stream.error}")
        costs.append(cpu_seconds(pid) - before)
    await tab.close()
    return idle, costs


async def floor_costs(env, *, runs: int, tokens: int) -> list[float]:
    """This process's CPU for each of the same streams read directly (lean asyncio reader)."""
    costs = []
    for index in range(runs):
        connection = await DirectConnection(env.simulator_url).open()
        before = time.process_time()
        stream = await connection.read(prompt=prompt_for(index, label="cost"), tokens=tokens)
        if stream.error:
            raise SystemExit(f"direct read {index} failed: {stream.error}")
        costs.append(time.process_time() - before)
    return costs


async def measure(args) -> None:
    async with harness(name="run_cost", workers=1, rate=args.rate, rss_period=1.0) as (env, _):
        await warm_up(env)
        idle, app = await app_costs(env, runs=args.runs, tokens=args.tokens)
        floor = await floor_costs(env, runs=args.runs, tokens=args.tokens)
    shape = f"{args.runs} runs of {args.tokens} tokens at {args.rate:g} tokens/s, one tab"
    print(f"\nrun_cost: {shape}")
    print(f"app idle: {idle * 1000:.1f} ms of CPU per second")
    for name, costs in (("app (daphne)", app), ("lean direct reader (floor)", floor)):
        per_1k = statistics.median(costs) / args.tokens * 1000
        print(
            f"{name}: CPU per run p50 {statistics.median(costs) * 1000:.0f} ms "
            f"(min {min(costs) * 1000:.0f}, max {max(costs) * 1000:.0f}) = {per_1k:.3f} s "
            "per 1,000 tokens"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--tokens", type=int, default=200)
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
