"""One frozen value for a run's metrics, from live state or from a stored run, and the one place
that decides what its cost label says."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from playground.catalog import get_catalog
from playground.models import Run
from playground.pricing import cost_for_usage, format_money
from playground.providers.types import Retrying, Usage
from playground.tokens import count_text_tokens

from .state import RunState

ACTIVE = ("streaming", "queued")


@dataclass(frozen=True)
class CostLabel:
    text: str
    title: str


ESTIMATE_LIVE = CostLabel("estimate", "Counted so far with the token rule; exact when it ends")
NOT_BILLED = CostLabel("not billed", "The request was refused before any answer")
PARTIAL = CostLabel(
    "partial · estimated",
    "The provider did not count all of it; what arrived is counted with the playground's token "
    "rule",
)
CACHED_ESTIMATE = CostLabel(
    "estimate", "No cached-input rate is published; cached tokens billed at the input rate"
)


@dataclass(frozen=True)
class RunMetrics:
    run_id: str
    status: str
    ttft_ms: int | None
    duration_ms: int | None
    tokens_per_second: float | None
    input_tokens: int | None
    cached_input_tokens: int | None
    output_tokens: int | None
    reasoning_tokens: int | None
    usage_source: str  # "reported" by the provider, or "estimated" with the token rule
    cost: Decimal | None
    cached_rate_missing: bool = False
    retrying: Retrying | None = None

    @property
    def cost_text(self) -> str:
        return format_money(self.cost)

    @property
    def cost_label(self) -> CostLabel | None:
        if self.status in ACTIVE:
            return ESTIMATE_LIVE
        if self.usage_source == "estimated":
            return PARTIAL if (self.input_tokens or self.output_tokens) else NOT_BILLED
        return CACHED_ESTIMATE if self.cached_rate_missing else None

    @classmethod
    def from_state(cls, state: RunState) -> RunMetrics:
        usage, source = state.best_usage()
        cost = state.cost()
        return cls(
            run_id=state.run_id,
            status=state.status(),
            ttft_ms=state.ttft_ms,
            duration_ms=state.elapsed_ms,
            tokens_per_second=state.tokens_per_second(),
            input_tokens=usage.input_tokens,
            cached_input_tokens=usage.cached_input_tokens,
            output_tokens=usage.output_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            usage_source=source,
            cost=cost.total,
            cached_rate_missing=cost.estimated,
            retrying=state.retrying,
        )

    @classmethod
    def from_run(cls, run: Run) -> RunMetrics:
        if run.is_active:
            return cls.checkpointed(run)
        return cls(
            run_id=str(run.id),
            status=run.status,
            ttft_ms=run.ttft_ms,
            duration_ms=run.duration_ms,
            tokens_per_second=run.tokens_per_second,
            input_tokens=run.input_tokens,
            cached_input_tokens=run.cached_input_tokens,
            output_tokens=run.output_tokens,
            reasoning_tokens=run.reasoning_tokens,
            usage_source=run.usage_source,
            cost=run.cost,
            cached_rate_missing=run.cost_estimated,
        )

    @classmethod
    def checkpointed(cls, run: Run) -> RunMetrics:
        """A run still streaming, drawn by a page before its socket's snapshot comes: what its
        last checkpoint holds, counted with the token rule, rather than dashes."""
        reasoning = count_text_tokens(run.reasoning)
        usage = Usage(
            input_tokens=run.estimated_input_tokens or 0,
            output_tokens=count_text_tokens(run.text) + reasoning,
            reasoning_tokens=reasoning,
        )
        model = get_catalog().models.get(f"{run.provider_id}/{run.model_id}")
        cost = cost_for_usage(pricing=model.pricing, usage=usage) if model else None
        return cls(
            run_id=str(run.id),
            status=run.status,
            ttft_ms=run.ttft_ms,
            duration_ms=run.duration_ms,
            tokens_per_second=None,
            input_tokens=usage.input_tokens,
            cached_input_tokens=0,
            output_tokens=usage.output_tokens,
            reasoning_tokens=usage.reasoning_tokens,
            usage_source="estimated",
            cost=cost.total if cost else None,
        )
