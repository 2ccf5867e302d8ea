"""Channels' session and user middleware, with the user looked up on the websocket pool.

Channels' AuthMiddleware loads the user with `database_sync_to_async`, one global thread shared by
every consumer: under load each new page's handshake queued there behind everyone else's work,
and daphne drops a handshake not accepted within 5 s.
"""

from __future__ import annotations

from channels.auth import AuthMiddleware, get_user
from channels.sessions import CookieMiddleware, SessionMiddleware

from playground.runs.persist import on_socket_thread


class PooledAuthMiddleware(AuthMiddleware):
    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await on_socket_thread(get_user.func)(scope)


def SocketAuthStack(inner):  # noqa: N802 - named like Channels' AuthMiddlewareStack
    return CookieMiddleware(SessionMiddleware(PooledAuthMiddleware(inner)))
