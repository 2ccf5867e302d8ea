"""What a session cost and used, in total and per model: one grouped query over its runs.

Runs are the ledger: each keeps the cost computed from its usage at the price it ran at (the
snapshot), so these sums never change after the fact, whatever the catalog says today.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from .models import PlaygroundSession, Run

ZERO = Decimal(0)
SUMMED = (
    "input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens", "cost",
    "reported_cost",
)  # fmt: skip
# Counted with the token rule, or priced at the input rate for want of a cached rate. A run
# refused before any token is "estimated" too, but there is nothing to estimate in it.
ESTIMATED = Q(cost_estimated=True) | (
    Q(usage_source="estimated") & (Q(input_tokens__gt=0) | Q(output_tokens__gt=0))
)


@dataclass(frozen=True)
class LedgerLine:
    model_name: str
    provider_id: str
    runs: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost: Decimal
    reported_cost: Decimal | None  # what the provider itself said, where it did
    estimated: int  # runs whose usage or price is an estimate

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Ledger:
    lines: tuple[LedgerLine, ...]

    @property
    def cost(self) -> Decimal:
        return sum((line.cost for line in self.lines), ZERO)

    def _sum(self, name: str) -> int:
        return sum(getattr(line, name) for line in self.lines)

    @property
    def runs(self) -> int:
        return self._sum("runs")

    @property
    def input_tokens(self) -> int:
        return self._sum("input_tokens")

    @property
    def output_tokens(self) -> int:
        return self._sum("output_tokens")

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def estimated(self) -> bool:
        return any(line.estimated for line in self.lines)


def session_ledger(*, session: PlaygroundSession) -> Ledger:
    rows = (
        Run.objects.filter(pane__session=session)
        .values("provider_id", "model_id", "model_name")
        .annotate(
            n_runs=Count("id"),
            n_estimated=Count("id", filter=ESTIMATED),
            **{f"sum_{name}": Sum(name) for name in SUMMED},
        )
        .order_by("model_name", "provider_id")
    )
    return Ledger(lines=tuple(_line(row) for row in rows))


def _line(row: dict) -> LedgerLine:
    tokens = {name: row[f"sum_{name}"] or 0 for name in SUMMED if name.endswith("tokens")}
    return LedgerLine(
        model_name=row["model_name"],
        provider_id=row["provider_id"],
        runs=row["n_runs"],
        cost=row["sum_cost"] or ZERO,
        reported_cost=row["sum_reported_cost"],
        estimated=row["n_estimated"],
        **tokens,
    )
