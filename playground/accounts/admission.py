"""What a send must pass before anything goes upstream: every model has a key for the session's
owner, and each run's worst case fits the owner's budgets (reserved as the run is stored)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from playground.estimates import output_ceiling
from playground.pane_settings import PaneSettings
from playground.pricing import cost_estimate

from .budgets import budget_reserve
from .keys import keyed_providers, model_available, model_refusal


@dataclass(frozen=True)
class WorstCase:
    amount: Decimal
    input_tokens: int
    output_tokens: int
    label: str  # "the run on Seed 2.0 Pro"


def worst_case(*, settings: PaneSettings, input_tokens: int) -> WorstCase:
    """Estimated input plus the whole output ceiling (answer and reasoning), at the tier the
    input selects: what the run could cost at most, as the estimate shows it."""
    ceiling = output_ceiling(settings=settings)
    guess = cost_estimate(
        pricing=settings.model.pricing, input_tokens=input_tokens, max_output_tokens=ceiling.total
    )
    label = f"the run on {settings.model.name}"
    return WorstCase(guess.high, input_tokens, ceiling.total, label)


def models_refused(*, settings: list[PaneSettings], owner_key: str) -> list[str]:
    """One message per model the owner has no key for (a greyed-out model sent by its id)."""
    keyed = keyed_providers(owner_key=owner_key)
    refused = {
        s.model.ref: model_refusal(model=s.model, owner_key=owner_key)
        for s in settings
        if not model_available(model=s.model, owner_key=owner_key, keyed=keyed)
    }
    return list(refused.values())


def run_admit(*, run, settings: PaneSettings, owner_key: str) -> None:
    """Hold the run's worst case, or raise BudgetExceeded (the caller's transaction then
    stores nothing)."""
    worst = worst_case(settings=settings, input_tokens=run.estimated_input_tokens or 0)
    budget_reserve(run_id=run.id, owner_key=owner_key, worst=worst)
