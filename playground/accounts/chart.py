"""Cost per day per model as a stacked bar chart, computed here and drawn by the template as
SVG: no script, no library, no CDN, and readable without colour (each bar has a title, and
the tables under the chart hold the same numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .usage import UsageReport

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 8, 10, 26
GRID = range(5)  # horizontal lines: 0, ¼, ½, ¾ and all of the axis
SERIES = 8  # colours in the stylesheet (.series-0 … .series-7); more models reuse them


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    bottom: float
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    legend: list[tuple[int, str]]

    @property
    def right(self) -> int:
        return self.width - RIGHT


def nice_ceiling(value: Decimal) -> Decimal:
    """The axis top: 1, 2 or 5 times a power of ten, at least `value`."""
    if value <= 0:
        return Decimal("0.01")
    power = Decimal(10) ** (value.adjusted())
    for step in (1, 2, 5, 10):
        if value <= power * step:
            return power * step
    return power * 10


def money_label(amount: Decimal) -> str:
    places = 2 if amount >= 1 or amount == 0 else min(8, 1 - amount.adjusted() + 1)
    return f"${amount.quantize(Decimal(1).scaleb(-places))}"


def cost_chart(report: UsageReport) -> Chart:
    plot_h, plot_w = HEIGHT - TOP - BOTTOM, WIDTH - LEFT - RIGHT
    totals = [sum((report.per_day.get((d, m.ref), Decimal(0)) for m in report.models), Decimal(0))
              for d in report.days]  # fmt: skip
    top = nice_ceiling(max(totals, default=Decimal(0)))
    slot = plot_w / max(len(report.days), 1)
    series = {m.ref: i % SERIES for i, m in enumerate(report.models)}
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        bottom=HEIGHT - BOTTOM,
        bars=_bars(report, series=series, top=top, slot=slot, plot_h=plot_h),
        y_ticks=[
            Tick(HEIGHT - BOTTOM - plot_h * i / 4, money_label(top * i / 4)) for i in range(5)
        ],
        x_ticks=_x_ticks(report, slot),
        legend=[(series[m.ref], m.name) for m in report.models],
    )


def _bars(report: UsageReport, *, series: dict, top: Decimal, slot: float, plot_h: int):
    """One rectangle per day and model, stacked upwards from the axis in the legend's order."""
    bars = []
    for index, day in enumerate(report.days):
        base = HEIGHT - BOTTOM
        for model in report.models:
            cost = report.per_day.get((day, model.ref), Decimal(0))
            if cost <= 0:
                continue
            height = max(float(cost / top) * plot_h, 1.0)
            base -= height
            title = f"{day:%b %-d} · {model.name}: {money_label(cost)}"
            x = LEFT + index * slot + slot * 0.15
            bars.append(Bar(x, base, slot * 0.7, height, series[model.ref], title))
    return bars


def _x_ticks(report: UsageReport, slot: float) -> list[Tick]:
    every = max(1, len(report.days) // 6)
    return [
        Tick(LEFT + i * slot + slot / 2, f"{day:%b %-d}")
        for i, day in enumerate(report.days)
        if (len(report.days) - 1 - i) % every == 0
    ]
