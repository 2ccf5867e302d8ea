"""A compare round at a glance: per pane its runs' first-token time, total time and cost (min /
median / max over repetitions), how many different answers it gave, ranks, and the round total."""

from __future__ import annotations

import statistics
import string
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from .access import SessionAccess
from .models import Pane, Round, Run
from .selectors import HEAVY_RUN_FIELDS, panes_of


@dataclass(frozen=True)
class Spread:
    low: float | Decimal | None
    middle: float | Decimal | None
    high: float | Decimal | None

    @classmethod
    def of(cls, values: list) -> Spread:
        values = sorted(v for v in values if v is not None)
        if not values:
            return cls(None, None, None)
        return cls(values[0], statistics.median(values), values[-1])

    @property
    def varies(self) -> bool:
        return self.low != self.high


@dataclass
class PaneResult:
    pane: Pane
    letter: str
    model_name: str
    runs: list[Run]
    ttft: Spread
    duration: Spread
    cost: Spread
    total_cost: Decimal
    distinct: int
    ranks: dict[str, int] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return all(not run.is_active for run in self.runs)

    @property
    def failed(self) -> bool:
        return all(run.status in ("failed", "interrupted") for run in self.runs)


@dataclass(frozen=True)
class RoundSummary:
    round: Round
    rows: list[PaneResult]
    total_cost: Decimal
    hidden: bool  # blind and not yet judged: names stay hidden

    @property
    def finished(self) -> bool:
        return all(row.done for row in self.rows)

    @property
    def repeated(self) -> bool:
        return any(len(row.runs) > 1 for row in self.rows)


RANKED = {"ttft": "ttft", "duration": "duration", "cost": "cost"}


def round_summary(*, round: Round, panes: list[Pane]) -> RoundSummary | None:
    """None for a round with a single run: there is nothing to compare."""
    runs = list(round.runs.defer(*HEAVY_RUN_FIELDS))
    if len(runs) < 2:
        return None
    rows = [
        _row(pane, i, [r for r in runs if r.pane_id == pane.pk]) for i, pane in enumerate(panes)
    ]
    rows = [row for row in rows if row.runs]
    _rank(rows)
    total = sum((row.total_cost for row in rows), Decimal(0))
    return RoundSummary(round=round, rows=rows, total_cost=total, hidden=round.names_hidden)


def _row(pane: Pane, index: int, runs: list[Run]) -> PaneResult:
    runs.sort(key=lambda r: r.created_at)
    answered = [r.text.strip() for r in runs if r.text.strip()]
    return PaneResult(
        pane=pane,
        letter=string.ascii_uppercase[index % 26],
        model_name=runs[0].model_name if runs else "",
        runs=runs,
        ttft=Spread.of([r.ttft_ms for r in runs]),
        duration=Spread.of([r.duration_ms for r in runs]),
        cost=Spread.of([r.cost for r in runs]),
        total_cost=sum((r.cost or Decimal(0) for r in runs), Decimal(0)),
        distinct=len(set(answered)),
    )


def _rank(rows: list[PaneResult]) -> None:
    """1 for the best (lowest median) of each measure among the panes that have it."""
    for name in RANKED:
        measured = [row for row in rows if getattr(row, name).middle is not None and not row.failed]
        for place, row in enumerate(sorted(measured, key=lambda r: getattr(r, name).middle), 1):
            row.ranks[name] = place


def round_latest_summary(*, access: SessionAccess) -> RoundSummary | None:
    """The summary of the session's last round that has something to compare."""
    for round in access.session.rounds.order_by("-created_at")[:3]:
        summary = round_summary(round=round, panes=panes_of(access=access))
        if summary is not None:
            return summary
    return None


def round_summary_context(*, access: SessionAccess) -> dict:
    return {"summary": round_latest_summary(access=access)}


def round_prefer(*, round: Round, run: Run) -> Round:
    """The preferred answer of a round (choosing again replaces the choice)."""
    with transaction.atomic():
        round.preferred = run
        round.save(update_fields=["preferred"])
    return round


def round_summary_of_run(*, run: Run, panes: list[Pane]) -> RoundSummary | None:
    """The summary of the round a run belongs to (redrawn as each of its runs ends); `panes`:
    the session's panes on the page."""
    if run.round_id is None:
        return None
    if len(panes) < 2 and run.round.repeat < 2:
        return None
    return round_summary(round=run.round, panes=panes)
