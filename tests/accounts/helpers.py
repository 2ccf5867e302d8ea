"""Sessions and sends for the accounts tests, as the page would make them."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from playground import services
from playground.access import SessionAccess
from playground.accounts.admission import WorstCase, worst_case
from playground.estimates import input_tokens_for
from playground.pane_settings import PaneSettingsForm

FAST = "[[sim tps=4000 ttft=0]]"


def own_session(user) -> SessionAccess:
    session = services.session_create(owner_key=f"user:{user.pk}")
    return SessionAccess(session=session, viewer_key=f"user:{user.pk}", can_edit=True)


def send_data(pane, model_ref="simulator/seed-2-0-mini", prompt=f"Hello {FAST}", **params):
    p = pane.prefix
    fields = {"model": model_ref, "dialect": "chat", "system": "", "max_tokens": "4096",
              "enable_thinking": "on", "reasoning_effort": "low"} | params  # fmt: skip
    data = {"action": "send", "prompt": prompt, "edit_of": ""}
    return data | {f"{p}-{name}": value for name, value in fields.items()}


def worst_of(pane, data) -> WorstCase:
    """The worst case a send of `data` reserves (what the estimate shows as its high end)."""
    form = PaneSettingsForm(data, pane=pane)
    assert form.is_valid()
    settings = form.settings()
    tokens = input_tokens_for(
        system="", thread=[], prompt=data["prompt"], attachments=[], params=settings.sent
    )
    return worst_case(settings=settings, input_tokens=tokens)


def room_for(runs: int, worst: WorstCase) -> Decimal:
    """A budget (4 decimal places, as stored) with room for exactly `runs` worst cases."""
    limit = ((runs + Decimal("0.5")) * worst.amount).quantize(Decimal("0.0001"), ROUND_DOWN)
    assert runs * worst.amount <= limit < (runs + 1) * worst.amount
    return limit
