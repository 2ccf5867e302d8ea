"""Route /simulator/v1/* to the simulator ASGI app and everything else to Django."""

from django.conf import settings

SIMULATOR_PREFIX = "/simulator/v1"


class SimulatorMount:
    def __init__(self, django_app):
        self.django_app = django_app
        self._simulator = None

    @property
    def simulator(self):
        if self._simulator is None:
            from playground.catalog import get_catalog
            from playground.simulator.app import SimulatorConfig, create_app
            from playground.simulator.models import simulator_model_ids

            model_ids = simulator_model_ids(get_catalog())  # PLAYGROUND_CATALOG included
            self._simulator = create_app(
                SimulatorConfig(
                    tokens_per_second=settings.PLAYGROUND_SIMULATOR_TOKENS_PER_SECOND,
                    ttft=settings.PLAYGROUND_SIMULATOR_TTFT,
                    model_ids=model_ids,
                )
            )
        return self._simulator

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if path == SIMULATOR_PREFIX or path.startswith(SIMULATOR_PREFIX + "/"):
            inner = dict(
                scope,
                path=path[len(SIMULATOR_PREFIX) :] or "/",
                root_path=scope.get("root_path", "") + SIMULATOR_PREFIX,
            )
            return await self.simulator(inner, receive, send)
        return await self.django_app(scope, receive, send)
