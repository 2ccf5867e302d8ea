"""PLAYGROUND_REQUIRE_LOGIN=1: every page and the websocket need a signed-in user.

Pages redirect to the log-in page (views marked `public` and the admin, which has its own
log-in, stay reachable); a websocket handshake without a user is refused before it is accepted.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login


class RequireLogin:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.PLAYGROUND_REQUIRE_LOGIN or request.user.is_authenticated:
            return None
        if getattr(view_func, "login_exempt", False) or request.path.startswith("/admin/"):
            return None
        return redirect_to_login(request.get_full_path())


CLOSE_LOGIN_REQUIRED = 4401


class WebsocketLoginRequired:
    """Inside channels' AuthMiddlewareStack, which has resolved scope["user"] already."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if settings.PLAYGROUND_REQUIRE_LOGIN and not getattr(user, "is_authenticated", False):
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": CLOSE_LOGIN_REQUIRED})
            return None
        return await self.inner(scope, receive, send)
