"""From raw streams to the figures stream_load.py reports (one dict per repeat)."""

from __future__ import annotations

import os
from collections import Counter

from .direct import DirectStream
from .expected import tokens_in
from .phases import AppPhase
from .stats import added, gaps, rounded, spread, token_lags
from .tab import text_problem

MIB = 1024 * 1024


def text_check(phase: AppPhase, expected: list[str]) -> tuple[dict, Counter, list[str]]:
    """Every token exactly once: what the page assembled equals the stored answer and the
    answer the upstream sent. Returns the figures, error counts and a few examples."""
    errors, examples = Counter(), []
    delivered = exact = 0
    for index, stream in phase.streams.items():
        if stream.error:
            errors[stream.error] += 1
            examples.append(f"stream {index}: {stream.error}: {stream.detail}"[:300])
            continue
        delivered += tokens_in(stream.text)
        problem = text_problem(stream, wanted=expected[index])
        if problem:
            errors[problem] += 1
            examples.append(
                f"stream {index}: {problem}: {_difference(stream.text, expected[index])}"
            )
        else:
            exact += 1
    wanted = sum(tokens_in(text) for text in expected)
    figures = {
        "expected_tokens": wanted,
        "delivered_tokens": delivered,
        "delivered_ratio": rounded(delivered / wanted if wanted else 0, 4),
        "exact_streams": exact,
        "streams": len(expected),
    }
    return figures, errors, examples


def _difference(got: str, wanted: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(got, wanted, strict=False)) if a != b), None)
    at = min(len(got), len(wanted)) if at is None else at
    got, wanted = got[at : at + 30], wanted[at : at + 30]
    return f"first difference at char {at}: got {got!r}, expected {wanted!r}"


def direct_figures(streams: list[DirectStream], expected: list[str]) -> dict:
    ok = [s for s in streams if not s.error]
    return {
        "ttft_ms": spread(s.first_text for s in ok if s.first_text is not None),
        "gap_ms": spread(g for s in ok for g in gaps(s.text_frames)),
        "duration_ms": spread(s.ended for s in ok),
        "errors": len(streams) - len(ok),
        "exact_streams": sum(s.text == e for s, e in zip(streams, expected, strict=True)),
    }


def app_figures(phase: AppPhase, direct: list[DirectStream]) -> dict:
    ok = {i: s for i, s in phase.streams.items() if not s.error}
    lags = [lag for i, s in ok.items() for lag in token_lags(s.text_frames, direct[i].text_frames)]
    return {
        "ttft_ms": spread(s.first_text for s in ok.values() if s.first_text is not None),
        "gap_ms": spread(g for s in ok.values() for g in gaps(s.text_frames)),
        "duration_ms": spread(s.ended for s in ok.values()),
        "accepted_ms": spread(s.accepted for s in ok.values() if s.accepted is not None),
        "handshake_ms": spread(phase.handshakes),
        "token_lag_ms": spread(lags),
        "text_frames_per_stream": spread((len(s.text_frames) for s in ok.values()), scale=1),
        "snapshots": sum(s.snapshots for s in phase.streams.values()),
    }


def cpu_figures(phase: AppPhase, *, delivered_tokens: int) -> dict:
    used, seconds = phase.cpu.used, phase.cpu.seconds
    # Everyone else on the machine (other test suites): CPU used by none of our processes.
    foreign = phase.cpu.machine_busy * (os.cpu_count() or 1) * seconds - sum(used.values())
    per_thousand = used["app"] / delivered_tokens * 1000 if delivered_tokens else None
    return {
        "seconds": rounded(phase.cpu.seconds),
        "app_s": rounded(used["app"], 3),
        "app_s_per_1000_tokens": rounded(per_thousand, 4),
        "app_cores_busy": rounded(used["app"] / phase.cpu.seconds if phase.cpu.seconds else 0),
        "others_s": {k: rounded(v, 3) for k, v in used.items() if k != "app"},
        "machine_busy": rounded(phase.cpu.machine_busy, 3),
        "foreign_cores": rounded(max(foreign, 0) / seconds if seconds else 0),
    }


def rss_figures(phase: AppPhase, *, streams: int) -> dict:
    marks = phase.rss
    idle_sockets = len(phase.handshakes)
    figures = {f"{name}_mib": rounded(value / MIB, 1) for name, value in marks.items()}
    per_idle = (marks["idle"] - marks["pages"]) / idle_sockets if idle_sockets else None
    per_tab = (marks["idle"] - marks["base"]) / idle_sockets if idle_sockets else None
    figures["per_tab_kib"] = rounded(per_tab / 1024 if per_tab is not None else None, 1)
    per_active = (marks["peak"] - marks["idle"]) / streams if streams else None
    figures["per_idle_socket_kib"] = rounded(per_idle / 1024 if per_idle is not None else None, 1)
    figures["per_active_stream_kib"] = rounded(
        per_active / 1024 if per_active is not None else None, 1
    )
    return figures


def repeat_figures(*, direct, direct_cpu, phase: AppPhase, expected: list[str], lags) -> dict:
    text, errors, examples = text_check(phase, expected)
    errors.update(phase.setup_errors)
    app, base = app_figures(phase, direct), direct_figures(direct, expected)
    if base["errors"]:
        errors["direct_errors"] += base["errors"]
    return {
        "direct": base,
        "app": app,
        "added": {
            "ttft_ms": added(app["ttft_ms"], base["ttft_ms"]),
            "gap_ms": added(app["gap_ms"], base["gap_ms"]),
        },
        "text": text,
        "cpu": cpu_figures(phase, delivered_tokens=text["delivered_tokens"]),
        "direct_cpu": {k: rounded(v, 3) for k, v in direct_cpu.used.items()},
        # The floor: this process reading the same streams with the lean reader (rawsse.py).
        "direct_reader_s_per_1000_tokens": rounded(
            direct_cpu.used["client"] / text["expected_tokens"] * 1000, 4
        ),
        "rss": rss_figures(phase, streams=len(phase.streams)),
        "errors": dict(errors),
        "error_examples": (phase.setup_details[:5] + examples)[:10],
        "client_loop_lag_ms": {name: spread(samples) for name, samples in lags.items()},
        "samples": {  # seconds, for pooling the repeats
            "app_ttft_s": [round(s.first_text, 5) for s in phase.streams.values() if s.first_text],
            "direct_ttft_s": [round(s.first_text, 5) for s in direct if s.first_text],
        },
    }


def pooled(repeats: list[dict]) -> dict:
    """All repeats together: their first-token samples pooled, their CPU and tokens summed."""
    app = spread(v for r in repeats for v in r["samples"]["app_ttft_s"])
    direct = spread(v for r in repeats for v in r["samples"]["direct_ttft_s"])
    cpu = sum(r["cpu"]["app_s"] for r in repeats)
    reader = sum(r["direct_cpu"]["client"] for r in repeats)
    wanted = sum(r["text"]["expected_tokens"] for r in repeats)
    tokens = sum(r["text"]["delivered_tokens"] for r in repeats)
    errors = Counter()
    for r in repeats:
        errors.update(r["errors"])
    return {
        "repeats": len(repeats),
        "app_ttft_ms": app,
        "direct_ttft_ms": direct,
        "added_ttft_ms": added(app, direct),
        "app_s_per_1000_tokens": rounded(cpu / tokens * 1000 if tokens else None, 4),
        "direct_reader_s_per_1000_tokens": rounded(reader / wanted * 1000 if wanted else None, 4),
        "exact_streams": sum(r["text"]["exact_streams"] for r in repeats),
        "streams": sum(r["text"]["streams"] for r in repeats),
        "errors": dict(errors),
    }
