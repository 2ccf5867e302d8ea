"""ASGI entry point: HTTP goes to Django (or the built-in simulator under /simulator/v1),
websockets go through origin and auth checks to the playground consumer.

Served by `python -m playground.serve`: daphne with websocket close codes (playground/serve.py)."""

import asyncio
import gc
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground.settings")
django.setup(set_prefix=False)

from playground.bodies import BoundedASGIHandler  # noqa: E402

# Django's ASGI handler, with each request body held to its route's cap before it is read.
django_http = BoundedASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from playground.accounts.middleware import WebsocketLoginRequired  # noqa: E402
from playground.routing import websocket_urlpatterns  # noqa: E402
from playground.simulator.mount import SimulatorMount  # noqa: E402
from playground.socket_auth import SocketAuthStack  # noqa: E402
from playground.socket_origin import SameOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": SimulatorMount(django_http),
        "websocket": SameOriginValidator(
            SocketAuthStack(WebsocketLoginRequired(URLRouter(websocket_urlpatterns)))
        ),
    }
)


def _drain_on_shutdown() -> None:
    """Under daphne (Twisted), SIGTERM stops the reactor: before it stops, end the runs in flight
    as interrupted with their text and cost stored (the reactor waits for the Deferred)."""
    if "twisted.internet.reactor" not in sys.modules:
        return
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred

    from playground.runs.executor import runs_drain

    def drain():
        return Deferred.fromFuture(asyncio.ensure_future(runs_drain()))

    reactor.addSystemEventTrigger("before", "shutdown", drain)


def _bound_daphne_bodies() -> None:
    """Under daphne, bodies are capped (and not parsed by Twisted) before they reach the app."""
    if "daphne.http_protocol" in sys.modules:
        from playground.daphne_limits import install

        install()


_drain_on_shutdown()
_bound_daphne_bodies()

# Everything loaded so far lives as long as the process: move it out of the collector's way, so
# garbage collections during a run stay short (they showed up as milliseconds of added TTFT).
gc.freeze()
