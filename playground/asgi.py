"""ASGI entry point: HTTP goes to Django (or the built-in simulator under /simulator/v1),
websockets go through origin and auth checks to the playground consumer."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
django_http = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from playground.accounts.middleware import WebsocketLoginRequired  # noqa: E402
from playground.routing import websocket_urlpatterns  # noqa: E402
from playground.simulator.mount import SimulatorMount  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": SimulatorMount(django_http),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(WebsocketLoginRequired(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# Everything loaded so far lives as long as the process: move it out of the collector's way, so
# garbage collections during a run stay short (they showed up as milliseconds of added TTFT).
gc.freeze()
