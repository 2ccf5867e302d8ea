from django.urls import path

from .consumers import PlaygroundConsumer

websocket_urlpatterns = [
    path("ws/sessions/<uuid:session_id>/", PlaygroundConsumer.as_asgi()),
]
