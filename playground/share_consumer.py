"""The socket of a page opened with a share link: it follows the session like the owner's tab
(the same `session.<id>` and `run.<id>` groups, the viewer rendering of every frame) and can do
nothing else: every message is refused.

It closes (code 4404) the moment the link is revoked or regenerated (the `share.<id>` group,
from any worker), when the link expires (a timer) and when the session is deleted.
"""

from __future__ import annotations

import asyncio

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from .access import SessionAccess, viewer_key_for
from .consumers import CLOSE_NOT_FOUND, PlaygroundConsumer
from .models import ShareLink
from .redaction import known_secrets, scrub
from .runs.persist import on_socket_thread
from .sharing import share_access, share_group


def _share_for_scope(scope) -> tuple[SessionAccess, ShareLink] | None:
    session = scope.get("session")
    key = viewer_key_for(
        user=scope.get("user"), session_key=session.session_key if session else None
    )
    try:
        return share_access(token=scope["url_route"]["kwargs"]["token"], viewer_key=key)
    except ObjectDoesNotExist:
        return None


def _still_open(link_id) -> bool:
    """Open, and not deleted meanwhile (its session may be deleted while a viewer connects)."""
    link = ShareLink.objects.filter(pk=link_id).first()
    return link is not None and link.is_open()


class ShareConsumer(PlaygroundConsumer):
    link: ShareLink | None = None
    expiry: asyncio.Task | None = None
    secrets: list[str] | None = None  # the server's and the owner's keys: never to a viewer

    async def resolve(self) -> SessionAccess | None:
        found = await on_socket_thread(_share_for_scope)(self.scope)
        if found is None:
            return None
        access, self.link = found
        owner = access.session.owner_key
        self.secrets = await on_socket_thread(known_secrets)(owner_key=owner)
        return access

    async def connect(self):
        await super().connect()
        if self.access is None:
            return
        await self.channel_layer.group_add(share_group(self.link.id), self.channel_name)
        # A revoke between the lookup and joining the group would have gone unheard.
        if not await on_socket_thread(_still_open)(self.link.id):
            await self.close(code=CLOSE_NOT_FOUND)
        elif self.link.expires_at is not None:
            self.expiry = asyncio.create_task(self._close_at(self.link.expires_at))

    async def _close_at(self, moment) -> None:
        await asyncio.sleep(max(0.0, (moment - timezone.now()).total_seconds()))
        await self.close(code=CLOSE_NOT_FOUND)

    async def disconnect(self, code):
        if self.expiry is not None:
            self.expiry.cancel()
        if self.link is not None:
            await self.channel_layer.group_discard(share_group(self.link.id), self.channel_name)
        await super().disconnect(code)

    async def share_closed(self, event: dict):
        await self.close(code=CLOSE_NOT_FOUND)

    async def send(self, text_data=None, bytes_data=None, close=False):
        """Viewers' frames pass the same key scrub as the shared page."""
        if text_data:
            text_data = scrub(text_data, self.secrets)
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
