"""Writes: sessions, panes, attachments and runs. Keyword-only, one job each."""

from __future__ import annotations

import mimetypes
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .catalog import ModelSpec, get_catalog
from .models import Attachment, Pane, PlaygroundSession, Run
from .pricing import Cost, PriceSnapshot

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


def pane_configure(*, pane: Pane, model_ref: str, dialect: str, system: str, params: dict) -> Pane:
    """Remember the panel as last sent (a write only when something changed)."""
    wanted = {"model_ref": model_ref, "dialect": dialect, "system": system, "params": params}
    changed = [name for name, value in wanted.items() if getattr(pane, name) != value]
    for name in changed:
        setattr(pane, name, wanted[name])
    if changed:
        pane.save(update_fields=changed)
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


def run_create(
    *,
    pane: Pane,
    model: ModelSpec,
    dialect: str,
    system: str,
    prompt: str,
    params: dict,
    sent_params: dict,
    parent: Run | None,
    attachments: list[Attachment],
    estimated_input_tokens: int,
) -> Run:
    with transaction.atomic():
        run = Run.objects.create(
            pane=pane,
            parent=parent,
            prompt=prompt,
            provider_id=model.provider,
            model_id=model.id,
            model_name=model.name,
            dialect=dialect,
            system=system,
            params=params,
            sent_params=sent_params,
            estimated_input_tokens=estimated_input_tokens,
        )
        if attachments:
            run.attachments.set(attachments)
        pane.head = run
        pane.save(update_fields=["head"])
        touched = {"updated_at": timezone.now()}  # the index page opens the latest session
        if not pane.session.title:
            touched["title"] = prompt[:80]
        PlaygroundSession.objects.filter(pk=pane.session_id).update(**touched)
    return run


def run_checkpoint(*, run_id, text: str, reasoning: str) -> None:
    """Keep what has arrived so far, so a crash or a reload loses at most a second."""
    Run.objects.filter(pk=run_id, status=Run.Status.STREAMING).update(
        text=text, reasoning=reasoning, updated_at=timezone.now()
    )


def run_finish(*, run_id, fields: dict, cost: Cost | None) -> Run:
    if cost is not None:
        fields |= {
            "cost": cost.total,
            "cost_estimated": cost.estimated,
            "reported_cost": cost.reported,
            "price_snapshot": cost.snapshot.as_json(),
        }
    Run.objects.filter(pk=run_id).update(**fields)
    return Run.objects.select_related("pane__session").get(pk=run_id)


def runs_interrupt(*, run_ids) -> int:
    """Runs left 'streaming' by a process that is gone: mark them interrupted, keep their text."""
    return Run.objects.filter(pk__in=run_ids, status__in=Run.ACTIVE).update(
        status=Run.Status.INTERRUPTED,
        error_kind="interrupted",
        updated_at=timezone.now(),
        error_message="The server restarted while this run was streaming. The text received "
        "before that is kept; retry to run it again.",
    )


def snapshot_of(run: Run) -> PriceSnapshot | None:
    return PriceSnapshot.from_json(run.price_snapshot) if run.price_snapshot else None


def cost_total(runs) -> Decimal:
    return sum((r.cost for r in runs if r.cost is not None), Decimal(0))
