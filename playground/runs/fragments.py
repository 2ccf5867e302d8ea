"""HTML fragments pushed over the socket, rendered from template partials (always escaped)."""

from __future__ import annotations

from django.template.loader import render_to_string

from playground.models import Run
from playground.pricing import format_money

from .state import RunState


def live_metrics(state: RunState) -> dict:
    usage, source = state.best_usage()
    cost = state.cost()
    return {
        "ttft_ms": state.ttft_ms,
        "duration_ms": state.elapsed_ms,
        "tokens_per_second": state.tokens_per_second(),
        "input_tokens": usage.input_tokens,
        "cached_input_tokens": usage.cached_input_tokens,
        "output_tokens": usage.output_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "usage_source": source,
        "cost": format_money(cost.total),
        "cost_estimated": source == "estimated" or cost.estimated,
        "status": state.status(),
        "retrying": state.retrying,
    }


def delta_frame(state: RunState, *, text: str, reasoning: str) -> str:
    return render_to_string(
        "playground/run.html#delta",
        {
            "run_id": state.run_id,
            "text": text,
            "reasoning": reasoning,
            "metrics": live_metrics(state),
        },
    )


def snapshot_frame(state: RunState) -> str:
    """The streaming run as it is now, replacing whatever a (re)joining page shows."""
    text, reasoning = state.sent_so_far()
    return render_to_string(
        "playground/run.html#streaming_body",
        {
            "run_id": state.run_id,
            "text": text,
            "reasoning": reasoning,
            "metrics": live_metrics(state),
            "oob": True,
        },
    )


def final_frame(run: Run) -> str:
    return render_to_string("playground/run.html#run", {"run": run, "oob": True})


def run_metrics_context(run: Run) -> dict:
    """Stored metrics in the same shape as live ones, for the page and the final frame."""
    return {
        "ttft_ms": run.ttft_ms,
        "duration_ms": run.duration_ms,
        "tokens_per_second": run.tokens_per_second,
        "input_tokens": run.input_tokens,
        "cached_input_tokens": run.cached_input_tokens,
        "output_tokens": run.output_tokens,
        "reasoning_tokens": run.reasoning_tokens,
        "usage_source": run.usage_source,
        "cost": format_money(run.cost),
        "status": run.status,
        "cost_estimated": run.usage_source == "estimated" or run.cost_estimated,
    }
