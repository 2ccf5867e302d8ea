"""Reads. Every lookup is scoped by owner: another owner's object is simply not found (404)."""

from __future__ import annotations

import hashlib
import uuid

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
    return Pane.objects.select_related("session").get(session__owner_key=owner_key, id=int(pane_id))


def run_get_for(*, owner_key: str, run_id) -> Run:
    return Run.objects.select_related("pane__session").get(
        pane__session__owner_key=owner_key, id=_uuid(run_id)
    )


def run_thread(*, run: Run | None) -> list[Run]:
    """The conversation that ends at `run`, oldest first."""
    thread = []
    while run is not None:
        thread.append(run)
        run = run.parent
    return thread[::-1]


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
