"""Presentation data for the session page: the model picker and one view per pane."""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field

from django.conf import settings

from .access import SessionAccess
from .accounts.keys import keyed_providers, missing_key_text, model_available
from .catalog import DIALECT_LABELS, ModelSpec, get_catalog
from .compare import PRESETS
from .models import Pane, Run
from .pane_settings import PaneSettingsForm
from .selectors import Turn, pane_view, panes_of


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


def model_label(model: ModelSpec) -> str:
    return f"{model.name} (simulated)" if model.simulated else model.name


def model_picker(*, owner_key: str = "") -> list[tuple[str, list[PickerOption]]]:
    """Models grouped by provider, each with price, context window and input kinds; a model
    is enabled when the session's owner can call it (their own key, or the server's)."""
    catalog = get_catalog()
    keyed = keyed_providers(owner_key=owner_key)
    groups: dict[str, list[PickerOption]] = {}
    for model in catalog.models.values():
        provider = catalog.provider_of(model)
        available = model_available(model=model, owner_key=owner_key, keyed=keyed)
        detail = (
            f"{price_text(model)} · {_short(model.context_window)} ctx · {', '.join(model.inputs)}"
        )
        if not available:
            detail += f" · {missing_key_text(provider=provider, owner_key=owner_key)}"
        option = PickerOption(
            ref=model.ref, label=model_label(model), available=available, detail=detail
        )
        groups.setdefault(provider.name + (" (simulated)" if provider.simulated else ""), [])
        groups[provider.name + (" (simulated)" if provider.simulated else "")].append(option)
    return list(groups.items())


_ACCEPT = {
    "image": "image/*",
    "video": "video/*",
    "document": "application/pdf,text/plain,text/markdown,text/csv,application/json",
}


@dataclass
class PaneView:
    """A pane as the page draws it: its settings forms, the shown branch, hidden live runs."""

    pane: Pane
    form: PaneSettingsForm
    letter: str = "A"
    single: bool = True
    first: bool = True
    last: bool = True
    turns: list[Turn] = field(default_factory=list)
    hidden: list[Run] = field(default_factory=list)

    @property
    def model(self) -> ModelSpec:
        return self.form.model

    @property
    def dialect(self) -> str:
        return self.form.dialect

    @property
    def dialect_label(self) -> str:
        return DIALECT_LABELS[self.dialect]

    @property
    def dialect_choices(self) -> list[tuple[str, str]]:
        return [(d, DIALECT_LABELS[d]) for d in self.model.dialects]

    @property
    def system(self) -> str:
        return self.form.head["system"].value() or ""

    @property
    def heading(self) -> str:
        return "Conversation" if self.single else f"Pane {self.letter}"

    @property
    def model_label(self) -> str:
        return f"{self.model.name} · {self.dialect_label}"

    @property
    def price_text(self) -> str:
        return price_text(self.model)

    @property
    def context_text(self) -> str:
        return _short(self.model.context_window)

    @property
    def accept(self) -> str:
        return ",".join(_ACCEPT[k] for k in self.model.inputs if k in _ACCEPT)

    @property
    def error_fields(self) -> list:
        forms = (self.form.head, self.form.params)
        return [form[name] for form in forms for name in form.errors if name in form.fields]

    @property
    def all_fields(self) -> list:
        return [self.form.head["system"], self.form.head["dialect"], *self.form.params]


def view_for(pane: Pane, *, data=None, position: int = 0, count: int = 1, thread=True) -> PaneView:
    view = PaneView(
        pane=pane,
        form=PaneSettingsForm(data, pane=pane),
        letter=string.ascii_uppercase[position % 26],
        single=count == 1,
        first=position == 0,
        last=position == count - 1,
    )
    if thread:
        view.turns, view.hidden = pane_view(pane=pane)
    return view


def pane_views(*, access: SessionAccess) -> list[PaneView]:
    panes = panes_of(access=access)
    return [view_for(p, position=i, count=len(panes)) for i, p in enumerate(panes)]


def page_context(*, access: SessionAccess) -> dict:
    views = pane_views(access=access)
    return {
        "access": access,
        "session": access.session,
        "session_id": access.session.id,
        "panes": views,
        "picker": model_picker(owner_key=access.session.owner_key),
        "accept": _accept_all(views),
        "attachment_limits": json.dumps(settings.PLAYGROUND_MAX_ATTACHMENT_BYTES),
        "presets": list(PRESETS.items()),
        "blind": access.session.blind,
        "max_panes": settings.PLAYGROUND_MAX_PANES,
    }


def _accept_all(views: list[PaneView]) -> str:
    kinds = set.intersection(*(set(v.model.inputs) for v in views)) if views else set()
    return ",".join(_ACCEPT[k] for k in ("image", "video", "document") if k in kinds)
