"""Share links: a read-only view of a session for anyone holding the link.

The token is `secrets.token_urlsafe(32)` (256 bits); only its SHA-256 is stored, so the link is
shown once, when it is made, and a lookup is by hash (no string compare that could leak timing).
A link can expire (1 hour, 1 day, 7 days or never), be revoked (every page and socket opened
with it answers 404 / closes at once) or be regenerated (a new token, the old one revoked).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete
from django.utils import timezone

from .access import SessionAccess, as_uuid
from .models import PlaygroundSession, ShareLink
from .runs.frames import session_group
from .unusable_text import one_line

LIFETIMES = {
    "1h": ("1 hour", timedelta(hours=1)),
    "1d": ("1 day", timedelta(days=1)),
    "7d": ("7 days", timedelta(days=7)),
    "never": ("Never", None),
}
NAME_CHARS = 80
# A token_urlsafe(32) is 43 characters; anything else is not a token (and costs no query).
TOKEN_CHARS = 43
CLOSED = {"type": "share.closed"}
GONE = {"type": "session.gone"}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_group(link_id) -> str:
    """Every socket opened with one link: a revoke closes them all, on every worker."""
    return f"share.{link_id}"


def share_create(*, access: SessionAccess, display_name: str, lifetime: str) -> tuple:
    """A new link to the session: (ShareLink, token). The token is never stored."""
    assert access.can_edit, "only the owner shares a session"
    _label, span = LIFETIMES[lifetime]
    return _link_new(
        access=access,
        display_name=one_line(display_name, most=NAME_CHARS),
        expires_at=timezone.now() + span if span else None,
    )


def _link_new(*, access: SessionAccess, display_name: str, expires_at) -> tuple:
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        session=access.session,
        token_hash=token_hash(token),
        display_name=display_name,
        expires_at=expires_at,
    )
    return link, token


def shares_of(*, access: SessionAccess) -> list[ShareLink]:
    return list(access.session.share_links.all())


def share_get(*, access: SessionAccess, share_id) -> ShareLink:
    return ShareLink.objects.get(session=access.session, id=as_uuid(share_id))


def share_revoke(*, link: ShareLink) -> None:
    """404 from the next request on, and every socket opened with the link closes now."""
    _mark_revoked(link)
    share_sockets_close(link_ids=[link.id])


def _mark_revoked(link: ShareLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


def share_regenerate(*, access: SessionAccess, link: ShareLink) -> tuple:
    """The same link with a new token (same name, same lifetime from now); the old one dies."""
    lifetime = link.expires_at - link.created_at if link.expires_at else None
    with transaction.atomic():
        fresh = _link_new(
            access=access,
            display_name=link.display_name,
            expires_at=timezone.now() + lifetime if lifetime else None,
        )
        _mark_revoked(link)
    share_sockets_close(link_ids=[link.id])
    return fresh


def share_sockets_close(*, link_ids) -> None:
    layer = get_channel_layer()
    for link_id in link_ids:
        async_to_sync(layer.group_send)(share_group(link_id), CLOSED)


def session_sockets_close(*, session_id) -> None:
    """Every tab and share viewer of a session that no longer exists."""
    async_to_sync(get_channel_layer().group_send)(session_group(session_id), GONE)


def _session_deleted(sender, instance, **kwargs) -> None:
    """However a session goes (its Delete button, a closed account), its pages and share
    viewers stop following it once the deletion is committed."""
    session_id = instance.pk
    transaction.on_commit(lambda: session_sockets_close(session_id=session_id))


def connect_signals() -> None:
    post_delete.connect(_session_deleted, sender=PlaygroundSession, dispatch_uid="share-gone")


def share_open(*, token: str) -> ShareLink:
    """The open link for `token` with its session; ShareLink.DoesNotExist for a wrong, revoked
    or expired one (all three look the same)."""
    if not isinstance(token, str) or len(token) != TOKEN_CHARS:
        raise ShareLink.DoesNotExist("not a token")
    link = ShareLink.objects.select_related("session").get(token_hash=token_hash(token))
    if not link.is_open():
        raise ShareLink.DoesNotExist("revoked or expired")
    return link


def share_access(*, token: str, viewer_key: str) -> tuple[SessionAccess, ShareLink]:
    """What a link lets its holder do: look, never change. `viewer_key` stays the viewer's
    own (their copies and uploads are theirs)."""
    link = share_open(token=token)
    return SessionAccess(session=link.session, viewer_key=viewer_key, can_edit=False), link


def share_viewed(*, link: ShareLink) -> None:
    ShareLink.objects.filter(pk=link.pk).update(last_viewed_at=timezone.now(), views=F("views") + 1)
