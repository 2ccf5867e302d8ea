from django.urls import path

from .consumers import PlaygroundConsumer
from .share_consumer import ShareConsumer

websocket_urlpatterns = [
    path("ws/sessions/<uuid:session_id>/", PlaygroundConsumer.as_asgi()),
    path("ws/share/<str:token>/", ShareConsumer.as_asgi()),
]
