"""Decimal cost of a run from its usage and the model's price card. Never float.

Rules (DESIGN.md §2): the tier is chosen by input tokens and applies to input and output alike;
reasoning tokens bill as output; cached input bills at the cached rate, or at the full input rate
marked "estimate" where the catalog has no cached rate. Every cost carries the price snapshot it
was computed with, so a stored run keeps exactly what it was charged at.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from playground.catalog.spec import Pricing
from playground.providers.types import Usage

ZERO = Decimal(0)


@dataclass(frozen=True)
class PriceSnapshot:
    currency: str
    unit_tokens: int
    tier: int  # 1-based position of the tier used
    max_input_tokens: int | None
    input: Decimal
    output: Decimal
    cached_input: Decimal | None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("input", "output", "cached_input"):
            data[key] = None if data[key] is None else str(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PriceSnapshot:
        money = {
            k: None if data[k] is None else Decimal(data[k])
            for k in ("input", "output", "cached_input")
        }
        return cls(
            currency=data["currency"],
            unit_tokens=data["unit_tokens"],
            tier=data["tier"],
            max_input_tokens=data["max_input_tokens"],
            **money,
        )


@dataclass(frozen=True)
class CostLine:
    label: str
    tokens: int
    rate: Decimal  # per unit_tokens
    amount: Decimal
    estimated: bool = False


@dataclass(frozen=True)
class Cost:
    lines: tuple[CostLine, ...]
    total: Decimal
    snapshot: PriceSnapshot
    estimated: bool
    reported: Decimal | None = None


@dataclass(frozen=True)
class Estimate:
    input_tokens: int
    max_output_tokens: int
    low: Decimal  # input only: the answer may be empty
    high: Decimal  # input plus max_output_tokens of output
    snapshot: PriceSnapshot


def price_snapshot(*, pricing: Pricing, input_tokens: int) -> PriceSnapshot:
    tier = pricing.tier_for(input_tokens)
    return PriceSnapshot(
        currency=pricing.currency,
        unit_tokens=pricing.unit_tokens,
        tier=pricing.tiers.index(tier) + 1,
        max_input_tokens=tier.max_input_tokens,
        input=tier.input,
        output=tier.output,
        cached_input=tier.cached_input,
    )


def cost_for_usage(
    *, pricing: Pricing | None = None, usage: Usage, snapshot: PriceSnapshot | None = None
) -> Cost:
    """Cost of one usage record, by line. Pass `snapshot` to re-price at a stored price card."""
    if snapshot is None:
        assert pricing is not None, "cost_for_usage needs a pricing or a snapshot"
        snapshot = price_snapshot(pricing=pricing, input_tokens=usage.input_tokens)
    cached = min(usage.cached_input_tokens, usage.input_tokens)
    reasoning = min(usage.reasoning_tokens, usage.output_tokens)
    cached_rate = snapshot.cached_input if snapshot.cached_input is not None else snapshot.input
    lines = (
        _line("Input", usage.input_tokens - cached, snapshot.input, snapshot),
        _line(
            "Cached input",
            cached,
            cached_rate,
            snapshot,
            estimated=cached > 0 and snapshot.cached_input is None,
        ),
        _line("Output", usage.output_tokens - reasoning, snapshot.output, snapshot),
        _line("Reasoning (billed as output)", reasoning, snapshot.output, snapshot),
    )
    return Cost(
        lines=lines,
        total=sum((line.amount for line in lines), ZERO),
        snapshot=snapshot,
        estimated=any(line.estimated for line in lines),
        reported=usage.reported_cost,
    )


def cost_estimate(*, pricing: Pricing, input_tokens: int, max_output_tokens: int) -> Estimate:
    """Before sending: the input cost, and the most the answer could add up to max_output_tokens."""
    snapshot = price_snapshot(pricing=pricing, input_tokens=input_tokens)
    low = tokens_cost(tokens=input_tokens, rate=snapshot.input, unit=snapshot.unit_tokens)
    high = low + tokens_cost(
        tokens=max_output_tokens, rate=snapshot.output, unit=snapshot.unit_tokens
    )
    return Estimate(
        input_tokens=input_tokens,
        max_output_tokens=max_output_tokens,
        low=low,
        high=high,
        snapshot=snapshot,
    )


def tokens_cost(*, tokens: int, rate: Decimal, unit: int) -> Decimal:
    return rate * tokens / unit


def _line(
    label: str, tokens: int, rate: Decimal, snapshot: PriceSnapshot, *, estimated: bool = False
) -> CostLine:
    amount = tokens_cost(tokens=tokens, rate=rate, unit=snapshot.unit_tokens)
    return CostLine(label=label, tokens=tokens, rate=rate, amount=amount, estimated=estimated)


def format_money(amount: Decimal | None, *, places: int = 6) -> str:
    """$0.000123 style; small amounts keep enough places to be non-zero when they are."""
    if amount is None:
        return "—"
    quantum = Decimal(1).scaleb(-places)
    return f"${amount.quantize(quantum):,}"
