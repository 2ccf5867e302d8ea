"""Reads. Every lookup is scoped by owner: another owner's object is simply not found (404)."""

from __future__ import annotations

import hashlib
import uuid

from django.db.models import Prefetch

from .models import Attachment, Pane, PlaygroundSession, Run


def owner_key_for(*, user=None, session_key: str | None) -> str:
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    digest = hashlib.sha256((session_key or "").encode()).hexdigest()[:40]
    return f"anon:{digest}"


def session_latest_for(*, owner_key: str) -> PlaygroundSession | None:
    return PlaygroundSession.objects.filter(owner_key=owner_key).first()


def session_get_for(*, owner_key: str, session_id) -> PlaygroundSession:
    return PlaygroundSession.objects.get(owner_key=owner_key, id=_uuid(session_id))


def pane_get_for(*, owner_key: str, pane_id) -> Pane:
    return Pane.objects.select_related("session", "head").get(
        session__owner_key=owner_key, id=int(pane_id)
    )


def run_get_for(*, owner_key: str, run_id) -> Run:
    return Run.objects.select_related("pane__session").get(
        pane__session__owner_key=owner_key, id=_uuid(run_id)
    )


HEAVY_RUN_FIELDS = ("request", "params", "sent_params", "price_snapshot")


def run_thread(*, run: Run | None) -> list[Run]:
    """The conversation that ends at `run`, oldest first: one query for the pane's runs (file
    bytes left out) instead of one per turn."""
    if run is None:
        return []
    files = Prefetch("attachments", queryset=Attachment.objects.defer("data"))
    # The recorded request holds the whole conversation: decoding it for every turn made each
    # send quadratic in the thread's length. Nothing on a thread needs it.
    runs = Run.objects.filter(pane_id=run.pane_id).defer(*HEAVY_RUN_FIELDS)
    runs = {r.id: r for r in runs.prefetch_related(files)}
    thread, current = [], runs.get(run.id)
    while current is not None:
        thread.append(current)
        current = runs.get(current.parent_id)
    return thread[::-1]


def attachment_data(*, ids) -> dict:
    """File bytes by attachment id, in one query."""
    ids = list(ids)
    if not ids:
        return {}
    return dict(Attachment.objects.filter(id__in=ids).values_list("id", "data"))


def attachments_get_for(*, owner_key: str, ids) -> list[Attachment]:
    wanted = [_uuid(i) for i in ids]
    found = {a.id: a for a in Attachment.objects.filter(owner_key=owner_key, id__in=wanted)}
    if len(found) != len(set(wanted)):
        raise Attachment.DoesNotExist("attachment not found")
    return [found[i] for i in wanted]


def runs_active_in(*, session: PlaygroundSession) -> list[Run]:
    return list(Run.objects.filter(pane__session=session, status__in=Run.ACTIVE))


def _uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Run.DoesNotExist(f"not an id: {value!r}") from None
