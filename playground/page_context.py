"""Presentation data for the page: the model picker and the settings panel."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import DIALECT_LABELS, ModelSpec, get_catalog
from .forms import ParamsForm


@dataclass(frozen=True)
class PickerOption:
    ref: str
    label: str
    available: bool
    detail: str


def _short(tokens: int) -> str:
    return f"{tokens // 1000}K" if tokens % 1000 == 0 else f"{tokens:,}"


def price_text(model: ModelSpec) -> str:
    first = model.pricing.tiers[0]
    return f"${first.input} in / ${first.output} out per 1M"


def model_picker() -> list[tuple[str, list[PickerOption]]]:
    """Models grouped by provider, each with price, context window and input kinds."""
    catalog = get_catalog()
    groups: dict[str, list[PickerOption]] = {}
    for model in catalog.models.values():
        provider = catalog.provider_of(model)
        available = catalog.is_available(provider)
        detail = (
            f"{price_text(model)} · {_short(model.context_window)} ctx · {', '.join(model.inputs)}"
        )
        if not available:
            detail += f" · set {provider.key_env}"
        groups.setdefault(
            provider.name + (" (simulated)" if provider.simulated else ""), []
        ).append(PickerOption(ref=model.ref, label=model.name, available=available, detail=detail))
    return list(groups.items())


def settings_context(*, model: ModelSpec, dialect: str, values: dict) -> dict:
    form = ParamsForm(spec=model, dialect=dialect, initial=values)
    provider = get_catalog().provider_of(model)
    return {
        "model": model,
        "provider": provider,
        "dialect": dialect,
        "params_form": form,
        "dialect_choices": [(d, DIALECT_LABELS[d]) for d in model.dialects],
        "price_text": price_text(model),
        "context_text": _short(model.context_window),
        "accept": ",".join(_ACCEPT[k] for k in model.inputs if k in _ACCEPT),
    }


_ACCEPT = {
    "image": "image/*",
    "video": "video/*",
    "document": "application/pdf,text/plain,text/markdown,text/csv,application/json",
}
