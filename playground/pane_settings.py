"""A pane's settings (model, dialect, system prompt, parameters) as forms and as one value.

Every field is prefixed with the pane (`p12-max_tokens`), so eight panels fit on one page and one
websocket message can carry all of them. A message that carries no settings for a pane uses what
the pane has saved: settings stick between sends and reloads.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from .catalog import ModelSpec, get_catalog
from .forms import PaneForm, ParamsForm, params_initial
from .models import Pane

MAX_SEQ = (1 << 63) - 1


@dataclass(frozen=True)
class PaneSettings:
    model: ModelSpec
    dialect: str
    system: str
    values: dict[str, Any]  # the panel as the user sees it (stored with the run)
    sent: dict[str, Any]  # exactly what goes upstream


class PaneSettingsForm:
    """The pane's two forms, bound to posted data (or to what the pane saved)."""

    def __init__(self, data=None, *, pane: Pane):
        self.pane, self.prefix = pane, pane.prefix
        self.posted = data or {}
        if data is None or f"{self.prefix}-model" not in data:
            data = stored_as_data(pane) if data is not None else None
        self.head = PaneForm(data, prefix=self.prefix, initial=_head_initial(pane))
        model, dialect = chosen_model(data, prefix=self.prefix, pane=pane)
        initial = pane.params if model.ref == pane.model_ref else {}
        self.params = ParamsForm(
            data, spec=model, dialect=dialect, prefix=self.prefix, initial=initial
        )
        self.model, self.dialect = model, dialect

    def is_valid(self) -> bool:
        return self.head.is_valid() & self.params.is_valid()  # both, for every error at once

    def settings(self) -> PaneSettings:
        assert self.is_valid(), "settings() needs valid forms"
        return PaneSettings(
            model=self.head.model_spec,
            dialect=self.head.cleaned_data["dialect"],
            system=self.head.cleaned_data["system"],
            values=self.params.values(),
            sent=self.params.upstream_params(),
        )

    def field_errors(self) -> dict[str, list[str]]:
        """Errors by field name (without the prefix)."""
        return {**self.head.errors, **self.params.errors}

    @property
    def seq(self) -> int:
        """When the page changed these settings (its clock, ms); 0 when it did not say."""
        raw = self.posted.get(f"{self.prefix}-seq", 0)
        try:
            return min(max(0, int(raw)), MAX_SEQ)  # (stored in a 64-bit column)
        except (TypeError, ValueError, OverflowError):
            return 0

    def error_labels(self) -> list[str]:
        forms = (self.head, self.params)
        return [f.fields[n].label or n for f in forms for n in f.errors if n in f.fields]


def chosen_model(data, *, prefix: str, pane: Pane) -> tuple[ModelSpec, str]:
    """The model and dialect in `data` (the pane's own when missing or unknown)."""
    catalog = get_catalog()
    data = data or {}
    fallback = catalog.models.get(pane.model_ref) or catalog.default_model()
    model = catalog.models.get(str(data.get(f"{prefix}-model", ""))) or fallback
    dialect = data.get(f"{prefix}-dialect") or pane.dialect
    return model, dialect if dialect in model.dialects else model.dialects[0]


def panel_values(data, *, pane: Pane, model: ModelSpec, dialect: str) -> dict[str, Any]:
    """After a model or dialect change: every value the new model still accepts."""
    start = f"{pane.prefix}-"
    previous = {k[len(start) :]: v for k, v in data.items() if k.startswith(start)}
    return params_initial(spec=model, dialect=dialect, previous=previous)


def switched_data(posted, *, pane: Pane, model: ModelSpec, dialect: str) -> dict[str, Any]:
    """The post as it would be for a newly chosen model or dialect: what still applies of the
    posted values, the new model's defaults for the rest, and the same system prompt."""
    kept = panel_values(posted, pane=pane, model=model, dialect=dialect)
    future = copy.copy(pane)
    future.model_ref, future.dialect, future.params = model.ref, dialect, kept
    future.system = posted.get(f"{pane.prefix}-system", pane.system)
    seq = {f"{pane.prefix}-seq": posted.get(f"{pane.prefix}-seq", 0)}
    return stored_as_data(future) | seq


def stored_as_data(pane: Pane) -> dict[str, Any]:
    """What a browser would post for the pane's saved settings (defaults where none saved)."""
    model, dialect = chosen_model({}, prefix=pane.prefix, pane=pane)
    data = {
        f"{pane.prefix}-model": model.ref,
        f"{pane.prefix}-dialect": dialect,
        f"{pane.prefix}-system": pane.system,
    }
    saved = pane.params or {}
    for param in model.params_for(dialect):
        value = saved.get(param.name, param.default)
        if value is True:
            data[f"{pane.prefix}-{param.name}"] = "on"
        elif value is not False and value is not None and not param.is_fixed:
            text = ", ".join(value) if isinstance(value, list) else value
            data[f"{pane.prefix}-{param.name}"] = text
    return data


def _head_initial(pane: Pane) -> dict[str, str]:
    return {"model": pane.model_ref, "dialect": pane.dialect, "system": pane.system}
