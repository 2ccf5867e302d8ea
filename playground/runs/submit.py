"""Turn a send (or a regenerate) into stored runs, one per target pane, each with the upstream
request its task will make; or into a rejection that stores nothing.

The same forms validate HTTP posts and websocket messages. A rejection names every problem at
once, and the user's prompt and attachments stay where they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from playground import limits, services
from playground.access import SessionAccess, as_uuid
from playground.accounts.admission import models_refused, run_admit
from playground.accounts.budgets import BudgetExceeded
from playground.accounts.keys import KeyUnavailable
from playground.catalog import DIALECT_LABELS, ModelSpec, get_catalog
from playground.estimates import input_tokens_for
from playground.forms import ComposerForm
from playground.models import Attachment, Pane, Round, Run
from playground.pane_settings import PaneSettings, PaneSettingsForm
from playground.providers.types import UpstreamRequest
from playground.selectors import (
    attachments_get_for,
    panes_for_send,
    panes_of,
    panes_runs,
    panes_streaming,
    run_get,
    run_thread,
    runs_of_session,
)
from playground.uploads import send_attachment_problems

from .history import thread_for_request
from .upstream import upstream_request_for

GONE = "That run or attachment no longer exists. Reload the page."


@dataclass(frozen=True)
class AcceptedRun:
    run: Run
    model: ModelSpec
    request: UpstreamRequest
    redraw: bool  # the pane now shows another branch: redraw its thread, not just append


@dataclass(frozen=True)
class Accepted:
    round: Round
    runs: tuple[AcceptedRun, ...]


@dataclass(frozen=True)
class Rejected:
    errors: tuple[str, ...]
    forms: tuple[PaneSettingsForm, ...] = ()  # panes whose settings are invalid


def as_list(value) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def runs_submit(
    *, access: SessionAccess, data: dict, simulator_base: str, room: int = 1 << 30
) -> Accepted | Rejected:
    """A prompt from the composer, sent to every pane of the session. `room` is how many more
    runs this worker may stream (over it, the send is refused as busy, nothing stored)."""
    if not access.can_edit:
        return Rejected(("This session is read-only.",))
    if throttled := limits.send_throttle(owner_key=_owner(access)):
        return Rejected(tuple(throttled))
    try:
        ids = list(dict.fromkeys(as_uuid(i) for i in as_list(data.get("attachment"))))
        if too_many := send_attachment_problems(ids=ids):  # before loading any of them
            return Rejected(tuple(too_many))
        files = attachments_get_for(viewer_key=access.viewer_key, ids=ids)
        edit_of = run_get(access=access, run_id=data["edit_of"]) if data.get("edit_of") else None
    except ObjectDoesNotExist:
        return Rejected((GONE,))
    composer = ComposerForm(data)
    panes = panes_for_send(access=access)
    forms = [PaneSettingsForm(data, pane=pane) for pane in panes]
    invalid = tuple(form for form in forms if not form.is_valid())
    errors = [m for ms in composer.errors.values() for m in ms] if not composer.is_valid() else []
    if invalid:
        errors.append(_settings_message(invalid))
    repeat = composer.cleaned_data.get("repeat") or 1 if composer.is_valid() else 1
    threads = panes_runs(pane_ids=[pane.pk for pane in panes])  # which are busy, too
    streaming = {run.pane_id for runs in threads.values() for run in runs.values() if run.is_active}
    errors += _busy(panes=panes, streaming=streaming) or _full(len(panes) * repeat, room)
    errors += send_attachment_problems(ids=ids, files=files)
    if not invalid:
        errors += [m for form in forms for m in attachment_problems(form.settings(), files)]
        errors += models_refused(settings=[f.settings() for f in forms], owner_key=_owner(access))
    if errors:
        return Rejected(tuple(errors), invalid)
    prompt = composer.cleaned_data["prompt"]
    try:
        with transaction.atomic():  # a refused key or budget stores nothing, not even the round
            limits.person_runs_admit(owner_key=_owner(access), count=len(panes) * repeat)
            round = services.round_create(session=access.session, prompt=prompt, repeat=repeat)
            runs = [
                run
                for form in forms
                for run in _start(
                    form=form,
                    round=round,
                    edit_of=edit_of,
                    files=files,
                    base=simulator_base,
                    panes=panes,
                    known=threads.get(form.pane.pk, {}),
                )  # fmt: skip
            ]
    except (BudgetExceeded, KeyUnavailable, limits.PersonBusy, limits.OverContext) as refused:
        return Rejected((str(refused),))
    return Accepted(round=round, runs=tuple(runs))


def _owner(access: SessionAccess) -> str:
    """Keys and budgets are the session owner's, whoever presses send."""
    return access.session.owner_key


def _start(*, form: PaneSettingsForm, round: Round, edit_of, files, base, panes, known) -> list:
    """The pane's runs of this round: one, or `round.repeat` answers to the same request (the
    pane then shows the first, with the others beside it). `known`: the pane's runs by id."""
    pane, settings = form.pane, form.settings()
    if form.seq >= pane.settings_seq:  # (a send with older settings still runs with them)
        services.pane_configure(pane=pane, settings=settings, seq=form.seq)
    parent, shown = _parent(pane=pane, edit_of=edit_of, known=known), pane.head_id
    thread = run_thread(run=parent, runs=known)
    thread = thread_for_request(session=pane.session, thread=thread, panes=panes)
    runs = [
        _store(pane=pane, round=round, settings=settings, prompt=round.prompt, parent=parent,
               files=files, base=base, thread=thread, shown=shown)
        for _ in range(round.repeat)
    ]  # fmt: skip
    if len(runs) > 1:
        services.pane_show(pane=pane, run=runs[0].run)
    return runs


def _store(*, pane: Pane, round, settings, prompt, parent, files, base, thread, shown):
    """`shown`: the run the pane showed before this send (its head), None for an empty pane."""
    tokens = input_tokens_for(
        system=settings.system, thread=thread, prompt=prompt, attachments=files,
        params=settings.sent,
    )  # fmt: skip
    limits.context_admit(model=settings.model, input_tokens=tokens)
    run = services.run_create(
        pane=pane,
        round=round,
        settings=settings,
        prompt=prompt,
        parent=parent,
        attachments=files,
        estimated_input_tokens=tokens,
    )
    owner = pane.session.owner_key
    run_admit(run=run, settings=settings, owner_key=owner)
    request = upstream_request_for(
        run=run, model=settings.model, thread=thread, files=files, simulator_base=base, owner=owner
    )
    redraw = (parent.id if parent else None) != shown
    return AcceptedRun(run=run, model=settings.model, request=request, redraw=redraw)


def _parent(*, pane: Pane, edit_of: Run | None, known: dict) -> Run | None:
    """Continue the shown thread; an edit branches from where the edited turn started (in
    every pane: each pane's own run of that round). `known`: the pane's runs by id."""
    head = known.get(pane.head_id) if pane.head_id else None
    if edit_of is None:
        return head
    if edit_of.pane_id == pane.pk:
        return edit_of.parent
    same_round = pane.runs.filter(round_id=edit_of.round_id).order_by("created_at").first()
    return same_round.parent if same_round else head


def runs_regenerate(
    *, access: SessionAccess, run_id, simulator_base: str, room: int = 1 << 30
) -> Accepted | Rejected:
    """The same request again, as a sibling of the original (same parent, prompt and params)."""
    if not access.can_edit:
        return Rejected(("This session is read-only.",))
    if throttled := limits.send_throttle(owner_key=_owner(access)):
        return Rejected(tuple(throttled))
    try:
        original = run_get(access=access, run_id=run_id)
        model = get_catalog().model(f"{original.provider_id}/{original.model_id}")
    except (ObjectDoesNotExist, KeyError):
        return Rejected(("That run or its model no longer exists.",))
    pane = Pane.objects.select_related("session").get(pk=original.pane_id)
    streaming = set(panes_streaming(session=access.session))
    errors = _busy(panes=[pane], streaming=streaming) or _full(1, room)
    settings = _same(original, model)
    errors = errors or models_refused(settings=[settings], owner_key=_owner(access))
    if errors:
        return Rejected(tuple(errors))
    try:
        with transaction.atomic():
            return _regenerate(
                access=access, original=original, pane=pane, settings=settings, base=simulator_base
            )
    except (BudgetExceeded, KeyUnavailable, limits.PersonBusy, limits.OverContext) as refused:
        return Rejected((str(refused),))


def _same(original: Run, model: ModelSpec) -> PaneSettings:
    return PaneSettings(
        model=model,
        dialect=original.dialect,
        system=original.system,
        values=original.params,
        sent=original.sent_params,
    )


def _regenerate(*, access: SessionAccess, original: Run, pane: Pane, settings, base) -> Accepted:
    """A round of its own: another branch from the same point (not a repetition)."""
    limits.person_runs_admit(owner_key=_owner(access), count=1)
    round = services.round_create(session=access.session, prompt=original.prompt)
    thread = thread_for_request(
        session=access.session,
        thread=run_thread(run=original.parent),
        panes=panes_of(access=access),
    )
    accepted = _store(
        pane=pane, round=round, settings=settings, prompt=original.prompt,
        parent=original.parent, files=list(original.attachments.all()), base=base, thread=thread,
        shown=pane.head_id,
    )  # fmt: skip
    return Accepted(round=round, runs=(accepted,))


def _settings_message(invalid) -> str:
    """Where to look; the message itself stands once, beside its field."""
    names = dict.fromkeys(label for form in invalid for label in form.error_labels())
    return f"Check {', '.join(names)} in the settings."


def _busy(*, panes: list[Pane], streaming: set) -> list[str]:
    """`streaming`: ids of the session's panes with a run still streaming."""
    if any(pane.pk in streaming for pane in panes):
        return ["A run is still streaming: stop it (Esc) or wait until it ends, then send."]
    return []


def runs_started(*, access: SessionAccess, run_ids: list[str]) -> Accepted:
    """Runs that started in this session, as the send that started them (to draw them again)."""
    runs = runs_of_session(access=access, run_ids=run_ids)
    runs.sort(key=lambda run: run.created_at)
    accepted = [AcceptedRun(run=r, model=None, request=None, redraw=False) for r in runs]
    return Accepted(round=runs[0].round if runs else None, runs=tuple(accepted))


def busy_message(seconds: int = 5) -> str:
    return f"The server is busy streaming other runs. Nothing was sent; retry in {seconds} s."


def _full(count: int, room: int) -> list[str]:
    return [busy_message()] if count > room else []


def attachment_problems(settings: PaneSettings, files: list[Attachment]) -> list[str]:
    model, dialect, errors = settings.model, settings.dialect, []
    for item in files:
        if item.kind not in model.inputs:
            errors.append(f"{item.name}: {model.name} does not accept {item.kind} input.")
        elif item.kind == "video" and dialect == "messages":
            errors.append(
                f"{item.name}: {model.name} on {DIALECT_LABELS[dialect]} has no video input; "
                "use Chat Completions or Responses."
            )
    return errors
