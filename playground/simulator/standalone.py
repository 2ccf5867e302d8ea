"""The simulator served on its own (manage.py simulate): reachable under several base URLs.

The same routes answer under `/simulator/v1` (the path inside the app, so base URLs can be swapped
without edits), under `/v1` (so the Anthropic SDK's base_url can be the bare origin, since it
appends /v1/messages itself) and at the root.
"""

from __future__ import annotations

from .app import Simulator
from .transport import Receive, Send

PREFIXES = ("/simulator/v1", "/v1")


class PrefixStripper:
    def __init__(self, app: Simulator, *, prefixes: tuple[str, ...] = PREFIXES):
        self.app, self.prefixes = app, prefixes

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        for prefix in self.prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                scope = dict(
                    scope,
                    path=path[len(prefix) :] or "/",
                    root_path=scope.get("root_path", "") + prefix,
                )
                break
        await self.app(scope, receive, send)
