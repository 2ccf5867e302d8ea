"""`manage.py simulate`: serve the provider simulator alone with daphne (benchmarks, SDK checks)."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from playground.catalog import get_catalog
from playground.simulator.app import SimulatorConfig, create_app
from playground.simulator.models import simulator_model_ids
from playground.simulator.standalone import PrefixStripper


def endpoint(host: str, port: int) -> str:
    # Twisted endpoint strings need the colons of an IPv6 address escaped.
    return f"tcp:port={port}:interface={host.replace(':', chr(92) + ':')}"


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/simulator/v1"


class Command(BaseCommand):
    help = (
        "Serve the provider simulator alone. Routes answer under /simulator/v1, /v1 and /; "
        "the base URL is printed once the port is open (use --port 0 for a free port)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument(
            "--tps",
            type=float,
            default=None,
            help="tokens per second (0 = as fast as possible); default from "
            "PLAYGROUND_SIMULATOR_TOKENS_PER_SECOND",
        )
        parser.add_argument(
            "--ttft",
            type=float,
            default=None,
            help="seconds to first token; default from PLAYGROUND_SIMULATOR_TTFT",
        )

    def handle(self, *args, host: str, port: int, tps: float | None, ttft: float | None, **options):
        from daphne.server import Server  # installs the asyncio reactor: import late

        config = SimulatorConfig(
            tokens_per_second=settings.PLAYGROUND_SIMULATOR_TOKENS_PER_SECOND
            if tps is None
            else tps,
            ttft=settings.PLAYGROUND_SIMULATOR_TTFT if ttft is None else ttft,
            model_ids=simulator_model_ids(get_catalog()),
        )
        server = Server(
            application=PrefixStripper(create_app(config)),
            endpoints=[endpoint(host, port)],
            verbosity=options["verbosity"],
            ready_callable=lambda: self.announce(server, host, config),
        )
        server.run()

    def announce(self, server, host: str, config: SimulatorConfig) -> None:
        port = server.listening_addresses[0][1] if server.listening_addresses else 0
        self.stdout.write(
            f"Simulator serving {base_url(host, port)} (also /v1 and /) "
            f"at {config.tokens_per_second:g} tok/s, ttft {config.ttft:g} s"
        )
        sys.stdout.flush()
