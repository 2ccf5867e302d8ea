"""What an owner's runs cost: per day and model, per model, per session, tokens by kind, and
every run as CSV. Everything is read from the runs themselves (a deleted session's runs are
gone from here, while the budget ledger keeps what they cost)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from playground.models import Run

WINDOWS = (7, 30, 90)
ZERO = Decimal(0)


@dataclass
class ModelTotal:
    ref: str
    name: str
    runs: int = 0
    cost: Decimal = ZERO
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def uncached_input_tokens(self) -> int:
        return self.input_tokens - self.cached_input_tokens

    @property
    def answer_tokens(self) -> int:
        return self.output_tokens - self.reasoning_tokens


@dataclass(frozen=True)
class SessionTotal:
    session_id: str
    title: str
    runs: int
    cost: Decimal


@dataclass
class UsageReport:
    first_day: date
    days: list[date]
    models: list[ModelTotal]
    per_day: dict[tuple[date, str], Decimal] = field(default_factory=dict)
    sessions: list[SessionTotal] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((m.cost for m in self.models), ZERO)

    @property
    def runs(self) -> int:
        return sum(m.runs for m in self.models)

    def tokens(self) -> list[tuple[str, int]]:
        """Tokens by kind, each counted once (input excludes cached, output excludes reasoning)."""
        return [
            ("Input", sum(m.uncached_input_tokens for m in self.models)),
            ("Cached input", sum(m.cached_input_tokens for m in self.models)),
            ("Output", sum(m.answer_tokens for m in self.models)),
            ("Reasoning", sum(m.reasoning_tokens for m in self.models)),
        ]


def window_start(*, days: int, today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=days - 1)


def owner_runs(*, owner_key: str, first_day: date):
    since = timezone.make_aware(datetime.combine(first_day, time.min))
    runs = Run.objects.spent_here()  # a copied or imported run was paid for elsewhere
    return runs.filter(pane__session__owner_key=owner_key, created_at__gte=since)


def usage_report(*, owner_key: str, days: int = 30, today: date | None = None) -> UsageReport:
    first = window_start(days=days, today=today)
    runs = owner_runs(owner_key=owner_key, first_day=first)
    report = UsageReport(first, [first + timedelta(d) for d in range(days)], [])
    models: dict[str, ModelTotal] = {}
    for row in _by_day_and_model(runs):
        ref = f"{row['provider_id']}/{row['model_id']}"
        total = models.setdefault(ref, ModelTotal(ref=ref, name=row["model_name"]))
        _add(total, row)
        report.per_day[(row["day"], ref)] = row["cost"] or ZERO
    report.models = sorted(models.values(), key=lambda m: (-m.cost, m.name))
    report.sessions = _by_session(runs)
    return report


def _by_day_and_model(runs):
    return (
        runs.annotate(day=TruncDate("created_at"))
        .values("day", "provider_id", "model_id", "model_name")
        .annotate(
            runs=Count("id"),
            cost=Sum("cost"),
            input_tokens=Sum("input_tokens"),
            cached_input_tokens=Sum("cached_input_tokens"),
            output_tokens=Sum("output_tokens"),
            reasoning_tokens=Sum("reasoning_tokens"),
        )
        .order_by("day")
    )


def _add(total: ModelTotal, row: dict) -> None:
    total.runs += row["runs"]
    total.cost += row["cost"] or ZERO
    for name in ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens"):
        setattr(total, name, getattr(total, name) + (row[name] or 0))


def _by_session(runs, limit: int = 50) -> list[SessionTotal]:
    rows = (
        runs.values("pane__session_id", "pane__session__title")
        .annotate(runs=Count("id"), cost=Sum("cost"))
        .order_by("-cost", "pane__session__title")[:limit]
    )
    return [
        SessionTotal(
            session_id=str(r["pane__session_id"]),
            title=r["pane__session__title"] or "Untitled session",
            runs=r["runs"],
            cost=r["cost"] or ZERO,
        )
        for r in rows
    ]


# --- CSV -----------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "created_at", "session_id", "session_title", "provider", "model", "dialect", "status",
    "input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens", "usage_source",
    "cost_usd", "cost_estimated",
)  # fmt: skip


class _Line:
    def write(self, value: str) -> str:
        return value


def csv_lines(*, owner_key: str, first_day: date) -> Iterator[str]:
    """Every run of the window, one line each: what was asked, used and charged. Never the
    recorded request (it names the key variable) or any text."""
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    runs = owner_runs(owner_key=owner_key, first_day=first_day).order_by("created_at")
    for run in runs.select_related("pane__session").iterator(chunk_size=500):
        yield writer.writerow(_csv_row(run))


def _csv_row(run: Run) -> list:
    return [
        run.created_at.isoformat(),
        run.pane.session_id,
        spreadsheet_safe(run.pane.session.title),
        run.provider_id,
        run.model_id,
        run.dialect,
        run.status,
        *(run.input_tokens, run.cached_input_tokens, run.output_tokens, run.reasoning_tokens),
        run.usage_source,
        "" if run.cost is None else f"{run.cost:f}",
        int(run.cost_estimated),
    ]


def spreadsheet_safe(text: str) -> str:
    """A title starting with = + - @ would run as a formula in a spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
