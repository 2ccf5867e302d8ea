"""Monthly budgets that concurrent runs cannot overshoot.

Before a run is sent, its worst case (estimated input plus the output ceiling at the tier's
rates, see admission.py) is reserved on every ledger that caps its owner: the owner's own
("user:<pk>", for signed-in users) and the server-wide one (when PLAYGROUND_SERVER_MONTHLY_BUDGET
is set; anonymous sessions only ever meet that one). Reserving is one conditional UPDATE

    UPDATE ledger SET reserved = reserved + :amount
     WHERE owner_key = :owner AND month = :month AND spent + reserved <= :limit - :amount

inside the transaction that stores the run, so two sends can never both take the last room: on
PostgreSQL the second UPDATE waits for the first's row lock and re-checks its WHERE against the
committed row; SQLite runs one write transaction at a time (transaction_mode=IMMEDIATE). When the
run ends (done, stopped, failed or interrupted) it is settled: the reservation is released and
its real cost added to `spent`. Signed-in users' spend is tracked even without a cap, so a cap
set mid-month starts from what was already spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, F, Value
from django.utils import timezone

from playground.models import Run

from .keys import user_id_of
from .models import MonthlyBudget, Reservation, SpendLedger

PICO = Decimal(10) ** 12  # picodollars per dollar: Run.cost has 12 decimal places
SERVER = "*server"


class BudgetExceeded(Exception):
    """The run's worst case does not fit what remains; the message has the numbers."""


def to_pico(amount: Decimal | None, *, rounding=ROUND_HALF_EVEN) -> int:
    return int((Decimal(amount or 0) * PICO).to_integral_value(rounding=rounding))


def from_pico(value: int) -> Decimal:
    return Decimal(value) / PICO


def current_month(now=None) -> date:
    """The budget period: the calendar month in the server's time zone (TIME_ZONE)."""
    return timezone.localdate(now).replace(day=1)


def user_limit(user_id: int) -> Decimal | None:
    row = MonthlyBudget.objects.filter(user_id=user_id).first()
    return row.limit if row is not None else settings.PLAYGROUND_DEFAULT_MONTHLY_BUDGET


@dataclass(frozen=True)
class Ledger:
    key: str  # "user:<pk>" or SERVER
    limit: Decimal | None
    whose: str  # "your", "the server's"


def ledgers_for(*, owner_key: str) -> list[Ledger]:
    found = []
    user_id = user_id_of(owner_key)
    if user_id is not None:
        found.append(Ledger(owner_key, user_limit(user_id), "your"))
    if settings.PLAYGROUND_SERVER_MONTHLY_BUDGET is not None:
        found.append(Ledger(SERVER, settings.PLAYGROUND_SERVER_MONTHLY_BUDGET, "the server's"))
    return found


def ledger_ensure(*, key: str, month: date) -> SpendLedger:
    """This month's row, created at the first run of the month with what runs of the month
    already cost (spend from before the ledger existed, or before a server cap was set)."""
    row = SpendLedger.objects.filter(owner_key=key, month=month).first()
    if row is not None:
        return row
    row, _ = SpendLedger.objects.get_or_create(
        owner_key=key, month=month, defaults={"spent": _runs_spent(key=key, month=month)}
    )
    return row


def month_start(month: date):
    return timezone.make_aware(datetime.combine(month, time.min))


def _runs_spent(*, key: str, month: date) -> int:
    runs = Run.objects.spent_here().filter(created_at__gte=month_start(month), cost__isnull=False)
    if key != SERVER:
        runs = runs.filter(pane__session__owner_key=key)
    return sum(to_pico(cost) for cost in runs.values_list("cost", flat=True).iterator())


def budget_reserve(*, run_id, owner_key: str, worst) -> None:
    """Hold the run's worst case on each of its owner's ledgers, or raise BudgetExceeded.
    Call it inside the transaction that stores the run, so a refusal stores nothing."""
    ledgers = ledgers_for(owner_key=owner_key)
    if not ledgers:
        return
    month, amount = current_month(), to_pico(worst.amount, rounding=ROUND_CEILING)
    for ledger in ledgers:
        rows = SpendLedger.objects.filter(owner_key=ledger.key, month=month)
        if ledger.limit is not None:
            room = Value(to_pico(ledger.limit) - amount, output_field=BigIntegerField())
            rows = rows.filter(spent__lte=room - F("reserved"))
        if rows.update(reserved=F("reserved") + amount):
            continue
        # Nothing matched: the month's row is missing (its first run), or there is no room.
        ledger_ensure(key=ledger.key, month=month)
        if not rows.update(reserved=F("reserved") + amount):
            raise BudgetExceeded(refusal(ledger=ledger, month=month, worst=worst))
    own = ledgers[0].key if ledgers[0].key != SERVER else ""
    server = any(ledger.key == SERVER for ledger in ledgers)
    Reservation.objects.create(
        run_id=run_id, owner_key=own, server=server, month=month, amount=amount
    )


def refusal(*, ledger: Ledger, month: date, worst) -> str:
    row = SpendLedger.objects.get(owner_key=ledger.key, month=month)
    spent, held = from_pico(row.spent), from_pico(row.reserved)
    left = max(ledger.limit - spent - held, Decimal(0))
    return (
        f"Over budget: {worst.label} could cost up to {usd(worst.amount)} "
        f"({worst.input_tokens:,} input + {worst.output_tokens:,} output tokens at most), and "
        f"{usd(left)} of {ledger.whose} {usd(ledger.limit)} monthly budget remains "
        f"({usd(spent)} spent, {usd(held)} held for runs in progress). Nothing was sent: lower "
        "max_tokens or turn thinking off, or raise the budget on the Usage page."
    )


def usd(amount: Decimal) -> str:
    """Enough places to tell small amounts apart: $0.0123, $4.50."""
    places = 2 if abs(amount) >= 1 else 4
    return f"${Decimal(amount).quantize(Decimal(1).scaleb(-places)):,}"


def budget_settle(*, run_id, cost: Decimal | None) -> bool:
    """Release the run's reservation and charge its real cost, once (a second call, say from
    a sweep racing the run's own end, changes nothing). Call inside a transaction."""
    charged = to_pico(cost)
    claimed = Reservation.objects.filter(run_id=run_id, settled_at=None).update(
        settled_at=timezone.now(), cost=charged
    )
    if not claimed:
        return False
    held = Reservation.objects.get(run_id=run_id)
    keys = [k for k in (held.owner_key, SERVER if held.server else "") if k]
    for key in keys:
        SpendLedger.objects.filter(owner_key=key, month=held.month).update(
            reserved=F("reserved") - held.amount, spent=F("spent") + charged
        )
    return True


def reservations_settle_stale(*, older_than: timedelta = timedelta(minutes=1)) -> int:
    """Reservations whose run is over (or gone) but was never settled, e.g. its worker died
    after deleting the session: settle to the run's cost, or to the reservation when the run
    is gone (the worst case, the only honest figure left)."""
    stale = Reservation.objects.filter(
        settled_at=None, created_at__lt=timezone.now() - older_than
    ).values_list("run_id", "amount")[:200]
    settled = 0
    for run_id, amount in stale:
        run = Run.objects.filter(pk=run_id).values("status", "cost").first()
        if run is not None and run["status"] in Run.ACTIVE:
            continue
        cost = run["cost"] if run is not None and run["cost"] is not None else from_pico(amount)
        with transaction.atomic():
            settled += budget_settle(run_id=run_id, cost=cost)
    return settled


@dataclass(frozen=True)
class BudgetView:
    whose: str
    limit: Decimal | None
    spent: Decimal
    held: Decimal

    @property
    def remaining(self) -> Decimal | None:
        if self.limit is None:
            return None
        return max(self.limit - self.spent - self.held, Decimal(0))

    @property
    def percent(self) -> int:
        if not self.limit:
            return 100 if self.limit is not None else 0
        return min(100, int((self.spent + self.held) * 100 / self.limit))


def budget_views(*, owner_key: str) -> list[BudgetView]:
    """This month's ledgers of an owner, for the usage page."""
    month, views = current_month(), []
    for ledger in ledgers_for(owner_key=owner_key):
        row = ledger_ensure(key=ledger.key, month=month)
        spent, held = from_pico(row.spent), from_pico(row.reserved)
        views.append(BudgetView(ledger.whose, ledger.limit, spent, held))
    return views
