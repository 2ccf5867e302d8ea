"""Writes: sessions, panes, attachments and runs. Keyword-only, one job each."""

from __future__ import annotations

import mimetypes
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .access import SessionAccess
from .catalog import ModelSpec, get_catalog
from .models import Attachment, Pane, PlaygroundSession, Round, Run
from .pane_settings import PaneSettings, PaneSettingsForm
from .runs.records import launch_lease_deadline
from .runs.workers import worker_id
from .selectors import branch_leaf
from .simulator.directive import strip_directives
from .unusable_text import one_line

TITLE_CHARS = 80

ACCEPTED_MIME_PREFIXES = {
    "image": ("image/",),
    "video": ("video/",),
    "document": ("application/pdf", "text/", "application/json"),
}


def session_create(*, owner_key: str, model: ModelSpec | None = None) -> PlaygroundSession:
    model = model or get_catalog().default_model()
    with transaction.atomic():
        session = PlaygroundSession.objects.create(owner_key=owner_key)
        Pane.objects.create(
            session=session, position=0, model_ref=model.ref, dialect=model.dialects[0]
        )
    return session


def session_rename(*, access: SessionAccess, title: str) -> PlaygroundSession:
    session = access.session
    session.title = one_line(title, most=TITLE_CHARS)
    session.save(update_fields=["title", "updated_at"])
    return session


def session_delete(*, access: SessionAccess) -> None:
    access.session.delete()


def title_from_prompt(prompt: str) -> str:
    """The first words of the first prompt, without simulator directives."""
    words = " ".join(strip_directives(prompt).split())
    return words if len(words) <= TITLE_CHARS else words[: TITLE_CHARS - 1].rstrip() + "…"


def pane_configure(*, pane: Pane, settings: PaneSettings, seq: int = 0) -> Pane:
    """Remember the panel as sent (a write only when something changed)."""
    wanted = {
        "model_ref": settings.model.ref,
        "dialect": settings.dialect,
        "system": settings.system,
        "params": settings.values,
    }
    return _pane_update(pane, wanted, seq=seq)


def pane_settings_save(*, pane: Pane, form: PaneSettingsForm) -> Pane:
    """Autosave as the user edits: every valid value is kept, an invalid one keeps its last
    good value (the form shows the error beside the field). A save older than the last one
    applied changes nothing."""
    if form.seq and form.seq < pane.settings_seq:
        return pane
    form.is_valid()
    head = form.head.cleaned_data
    wanted = {"params": pane.params | form.params.cleaned_data_editable()}
    if "model" in head and "dialect" in head:
        wanted |= {"model_ref": head["model"], "dialect": head["dialect"]}
        if head["model"] != pane.model_ref:
            wanted["params"] = form.params.cleaned_data_editable()
    if "system" in head:
        wanted["system"] = head["system"]
    return _pane_update(pane, wanted, seq=form.seq)


def _pane_update(pane: Pane, wanted: dict, *, seq: int = 0) -> Pane:
    if seq > pane.settings_seq:
        wanted["settings_seq"] = seq
    changed = [name for name, value in wanted.items() if getattr(pane, name) != value]
    for name in changed:
        setattr(pane, name, wanted[name])
    if changed:
        pane.save(update_fields=changed)
        PlaygroundSession.objects.filter(pk=pane.session_id).update(updated_at=timezone.now())
    return pane


def pane_branch_select(*, pane: Pane, run: Run) -> Pane:
    """Show the branch through `run`: the pane's head becomes the newest run at its end."""
    pane.head = branch_leaf(run=run)
    pane.save(update_fields=["head"])
    return pane


def attachment_kind(*, mime: str, name: str) -> str:
    """image / video / document from the declared type (or the file name when it is vague)."""
    if not mime or mime == "application/octet-stream":
        mime = mimetypes.guess_type(name)[0] or ""
    for kind, prefixes in ACCEPTED_MIME_PREFIXES.items():
        if mime.startswith(prefixes):
            return kind
    raise ValidationError(
        f"{name}: {mime or 'unknown type'} is not supported. "
        "Attach an image, a video, or a PDF / text document."
    )


def attachment_create(
    *, owner_key: str, upload, allowed_kinds=("image", "video", "document")
) -> Attachment:
    kind = attachment_kind(mime=upload.content_type or "", name=upload.name)
    if kind not in allowed_kinds:
        raise ValidationError(f"{upload.name}: this model does not accept {kind} input.")
    limit = settings.PLAYGROUND_MAX_ATTACHMENT_BYTES[kind]
    if upload.size > limit:
        raise ValidationError(
            f"{upload.name} is {upload.size / 1048576:.1f} MB; "
            f"{kind}s can be at most {limit // 1048576} MB."
        )
    if upload.size == 0:
        raise ValidationError(f"{upload.name} is empty.")
    mime = upload.content_type or mimetypes.guess_type(upload.name)[0] or "application/octet-stream"
    return Attachment.objects.create(
        owner_key=owner_key,
        kind=kind,
        mime=mime,
        name=upload.name[:255],
        size=upload.size,
        data=upload.read(),
    )


def round_create(*, session: PlaygroundSession, prompt: str, repeat: int = 1) -> Round:
    return Round.objects.create(session=session, prompt=prompt, repeat=repeat, blind=session.blind)


def pane_show(*, pane: Pane, run: Run) -> None:
    """The pane shows the branch of `run` (after a round's repetitions: the first of them)."""
    pane.head = run
    pane.save(update_fields=["head"])


def run_create(
    *,
    pane: Pane,
    round: Round,
    settings: PaneSettings,
    prompt: str,
    parent: Run | None,
    attachments: list[Attachment],
    estimated_input_tokens: int,
) -> Run:
    """Store the run as streaming (its task starts right after) and show it in its pane. Inside
    a send's transaction no savepoint of its own (two round trips per run): a failure here
    undoes the whole send anyway."""
    with transaction.atomic(savepoint=False):
        run = Run.objects.create(
            pane=pane,
            round=round,
            parent=parent,
            prompt=prompt,
            provider_id=settings.model.provider,
            model_id=settings.model.id,
            model_name=settings.model.name,
            dialect=settings.dialect,
            system=settings.system,
            params=settings.values,
            sent_params=settings.sent,
            estimated_input_tokens=estimated_input_tokens,
            lease_until=launch_lease_deadline(),
            worker=worker_id(),
        )
        if attachments:
            run.attachments.set(attachments)
        _prefetched(run, "attachments", attachments)  # the page draws them: no query for it
        pane.head = run
        pane.save(update_fields=["head"])
        _session_touch(pane.session, prompt=prompt)
    return run


def _prefetched(instance, relation: str, objects: list) -> None:
    related = getattr(instance, relation).model.objects.none()
    related._result_cache, related._prefetch_done = list(objects), True
    instance._prefetched_objects_cache = {relation: related}


def _session_touch(session: PlaygroundSession, *, prompt: str) -> None:
    """`/` reopens the session used last: note the activity (to the minute: a send every few
    seconds need not write it each time), and the title on the first prompt."""
    now = timezone.now()
    touched = {} if now - session.updated_at < timedelta(minutes=1) else {"updated_at": now}
    if not session.title:
        touched |= {"title": title_from_prompt(prompt), "updated_at": now}
        session.title = touched["title"]
    if touched:
        PlaygroundSession.objects.filter(pk=session.pk).update(**touched)
