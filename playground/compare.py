"""Compare mode: a session's panes — add, duplicate, move, remove, copy settings, presets and the
sync switches. Each pane keeps its own model, dialect, system prompt and parameters."""

from __future__ import annotations

import random

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from .access import SessionAccess
from .catalog import ModelSpec, get_catalog
from .forms import params_initial
from .models import Pane, PlaygroundSession
from .selectors import panes_of, panes_streaming

SEED_FAMILY = ("seed-2-0-mini", "seed-2-0-lite", "seed-2-0-pro", "seed-2-0-code")
EFFORTS = ("low", "medium", "high")
PRESETS = {
    "models": "Same prompt, every Seed 2.0 model",
    "efforts": "One model, reasoning effort low / medium / high",
    "dialects": "One model, all three API dialects",
}


def panes_check_idle(*, access: SessionAccess) -> None:
    """Panes change shape only between runs: a pane redrawn mid-stream would lose text."""
    if panes_streaming(session=access.session):
        raise ValidationError("Stop the running answers first (Esc), then change the panes.")


def pane_add(*, access: SessionAccess, like: Pane | None = None) -> Pane:
    panes = panes_of(access=access)
    if len(panes) >= settings.PLAYGROUND_MAX_PANES:
        raise ValidationError(f"A session holds at most {settings.PLAYGROUND_MAX_PANES} panes.")
    like = like or panes[-1]
    position = (_last_position(access.session) or 0) + 1
    return Pane.objects.create(
        session=access.session,
        position=position,
        model_ref=like.model_ref,
        dialect=like.dialect,
        system=like.system,
        params=dict(like.params),
    )


def pane_duplicate(*, access: SessionAccess, pane: Pane) -> Pane:
    """A copy of the pane's settings, right after it."""
    with transaction.atomic():
        copy = pane_add(access=access, like=pane)
        _place_after(access=access, pane=copy, anchor=pane)
    return copy


def pane_remove(*, access: SessionAccess, pane: Pane) -> None:
    """The pane leaves the page; its runs stay in the session's history and cost."""
    if len(panes_of(access=access)) <= 1:
        raise ValidationError("A session keeps at least one pane.")
    pane.archived = True
    pane.save(update_fields=["archived"])


def pane_move(*, access: SessionAccess, pane: Pane, step: int) -> None:
    panes = panes_of(access=access)
    index = next(i for i, p in enumerate(panes) if p.pk == pane.pk)
    target = min(max(index + step, 0), len(panes) - 1)
    panes.insert(target, panes.pop(index))
    _renumber(panes)


def panes_copy_settings(*, access: SessionAccess, source: Pane) -> None:
    """Every pane takes the source pane's model, dialect, system prompt and parameters."""
    for pane in panes_of(access=access):
        if pane.pk != source.pk:
            _configure(pane, model_ref=source.model_ref, dialect=source.dialect,
                       system=source.system, params=dict(source.params))  # fmt: skip


def panes_preset(*, access: SessionAccess, preset: str) -> None:
    """Reshape the session's panes around its first pane's model."""
    if preset not in PRESETS:
        raise ValidationError("Unknown preset.")
    first = panes_of(access=access)[0]
    model = get_catalog().models.get(first.model_ref) or get_catalog().default_model()
    layouts = {"models": _family, "efforts": _efforts, "dialects": _dialects}[preset]
    _apply(access=access, layouts=layouts(model, first))


def session_sync(*, access: SessionAccess, system: bool, params: bool, history: bool) -> None:
    """Turning a switch on makes every pane take the first pane's value at once."""
    session = access.session
    first = panes_of(access=access)[0]
    if system and not session.sync_system:
        for pane in panes_of(access=access):
            _configure(pane, system=first.system)
    if params and not session.sync_params:
        panes_sync_params(access=access, source=first)
    session.sync_system, session.sync_params, session.sync_history = system, params, history
    session.save(update_fields=["sync_system", "sync_params", "sync_history", "updated_at"])


def panes_sync_params(*, access: SessionAccess, source: Pane) -> list[Pane]:
    """The source pane's parameter values, where each other pane's model accepts them."""
    changed = []
    for pane in panes_of(access=access):
        model = get_catalog().models.get(pane.model_ref)
        if pane.pk == source.pk or model is None:
            continue
        kept = params_initial(spec=model, dialect=pane.dialect, previous=source.params)
        if _configure(pane, params=pane.params | kept):
            changed.append(pane)
    return changed


def panes_synced(*, access: SessionAccess, source: Pane) -> list[Pane]:
    """After the source pane's settings changed: the other panes that took them (sync on)."""
    changed = {}
    if access.session.sync_system:
        changed |= {p.pk: p for p in panes_sync_system(access=access, source=source)}
    if access.session.sync_params:
        changed |= {p.pk: p for p in panes_sync_params(access=access, source=source)}
    return list(changed.values())


def panes_sync_system(*, access: SessionAccess, source: Pane) -> list[Pane]:
    return [
        pane for pane in panes_of(access=access)
        if pane.pk != source.pk and _configure(pane, system=source.system)
    ]  # fmt: skip


def session_blind(*, access: SessionAccess, blind: bool) -> None:
    """Blind judging: names are hidden until a preference is marked, and the panes change places
    so their order gives nothing away."""
    session = access.session
    if blind and not session.blind:
        panes = panes_of(access=access)
        random.SystemRandom().shuffle(panes)
        _renumber(panes)
    session.blind = blind
    session.save(update_fields=["blind", "updated_at"])


def _family(model: ModelSpec, first: Pane) -> list[dict]:
    catalog = get_catalog()
    refs = [f"{model.provider}/{name}" for name in SEED_FAMILY]
    models = [catalog.models[ref] for ref in refs if ref in catalog.models] or [model]
    return [{"model_ref": m.ref, "dialect": _dialect(m, first.dialect)} for m in models]


def _efforts(model: ModelSpec, first: Pane) -> list[dict]:
    effort = model.param("reasoning_effort")
    levels = [e for e in EFFORTS if effort and e in effort.choices] or [None]
    return [
        {"model_ref": model.ref, "dialect": first.dialect,
         "params": first.params | {"enable_thinking": True, "reasoning_effort": level}}
        for level in levels
    ]  # fmt: skip


def _dialects(model: ModelSpec, first: Pane) -> list[dict]:
    return [{"model_ref": model.ref, "dialect": d} for d in model.dialects]


def _dialect(model: ModelSpec, wanted: str) -> str:
    return wanted if wanted in model.dialects else model.dialects[0]


def _apply(*, access: SessionAccess, layouts: list[dict]) -> None:
    """The first panes take the layouts in order, new panes are added, the rest leave."""
    with transaction.atomic():
        panes = panes_of(access=access)
        for index, layout in enumerate(layouts[: settings.PLAYGROUND_MAX_PANES]):
            pane = panes[index] if index < len(panes) else pane_add(access=access, like=panes[0])
            _configure(pane, **layout)
        for pane in panes[len(layouts) :]:
            pane_remove(access=access, pane=pane)


def _configure(pane: Pane, **values) -> bool:
    changed = [name for name, value in values.items() if getattr(pane, name) != value]
    for name in changed:
        setattr(pane, name, values[name])
    if changed:
        pane.save(update_fields=changed)
    return bool(changed)


def _place_after(*, access: SessionAccess, pane: Pane, anchor: Pane) -> None:
    panes = [p for p in panes_of(access=access) if p.pk != pane.pk]
    index = next(i for i, p in enumerate(panes) if p.pk == anchor.pk)
    panes.insert(index + 1, pane)
    _renumber(panes)


def _renumber(panes: list[Pane]) -> None:
    for position, pane in enumerate(panes):
        if pane.position != position:
            pane.position = position
            pane.save(update_fields=["position"])


def _last_position(session: PlaygroundSession) -> int | None:
    return session.panes.aggregate(last=Max("position"))["last"]
