from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path, re_path

from .consumers import CLOSE_NOT_FOUND, PlaygroundConsumer
from .share_consumer import ShareConsumer


class NotFoundConsumer(AsyncWebsocketConsumer):
    """Any other path (`/ws/sessions/not-a-uuid/`): the handshake is refused (HTTP 403, daphne's
    answer to a close before accept) instead of failing in the router (a 500)."""

    async def connect(self):
        await self.close(code=CLOSE_NOT_FOUND)


websocket_urlpatterns = [
    path("ws/sessions/<uuid:session_id>/", PlaygroundConsumer.as_asgi()),
    path("ws/share/<str:token>/", ShareConsumer.as_asgi()),
    re_path(r"^", NotFoundConsumer.as_asgi()),
]
