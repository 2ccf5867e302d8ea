"""Who is looking at a session, resolved once per request or socket.

Every selector, service, view, consumer action and partial takes a `SessionAccess` instead of an
owner string: the owner of a session can edit it; a viewer who only may look (a share link) gets
the same pages without the actions. Another owner's session is simply not found.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from .models import PlaygroundSession


@dataclass(frozen=True)
class SessionAccess:
    session: PlaygroundSession
    viewer_key: str  # the viewer's own owner key: their uploads, their other sessions
    can_edit: bool

    @property
    def session_id(self) -> uuid.UUID:
        return self.session.id


def viewer_key_for(*, user=None, session_key: str | None) -> str:
    """ "user:<pk>" for a signed-in user, "anon:<hash of the browser session>" otherwise."""
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    digest = hashlib.sha256((session_key or "").encode()).hexdigest()[:40]
    return f"anon:{digest}"


def access_for_owner(*, viewer_key: str, session_id) -> SessionAccess:
    """The viewer's own session with edit rights; PlaygroundSession.DoesNotExist otherwise."""
    session = PlaygroundSession.objects.get(owner_key=viewer_key, id=as_uuid(session_id))
    return SessionAccess(session=session, viewer_key=viewer_key, can_edit=True)


def as_uuid(value) -> uuid.UUID:
    """A UUID from user input; DoesNotExist (a 404, never a 500) for anything else."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise PlaygroundSession.DoesNotExist(f"not an id: {str(value)[:40]!r}") from None
