"""The simulator as a raw ASGI application: configuration, routes and the request flow.

Routes (relative to wherever it is mounted, e.g. /simulator/v1 in the app):
POST /chat/completions, POST /responses, POST /messages (streaming and not),
POST /messages/count_tokens, GET /models, GET /models/{id}, GET /_stats (counters for tests and
benchmarks), GET /gates/{name} and POST /gates/{name}/release (see gates.py), GET / (a small
index). Any API key or none is accepted. See directive.py for the `[[sim …]]` directive that sets
speed, injects faults, pauses at gates and echoes keys per request.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from .cache import PrefixCache
from .chat import ChatEncoder
from .completion import build_completion, input_tokens
from .directive import Directive
from .echo import request_key
from .errors import SimulatorError, error_body, new_request_id, openai_error_body
from .faults import FaultPlanner, http_fault
from .gates import Gates, gate_route
from .messages import MessagesEncoder
from .models import model_entry, models_page, simulator_model_ids
from .pacing import pace_for
from .request import SimRequest, parse_request
from .responses import ResponsesEncoder
from .stream import gate_pause, single_reply, stream_reply
from .transport import (
    BodyTooLarge,
    ClientGone,
    Receive,
    Send,
    TrackedSend,
    dumps,
    end_after_failure,
    header,
    read_body,
    run_until_disconnect,
    send_json,
)

logger = logging.getLogger(__name__)
ENCODERS = {"chat": ChatEncoder, "responses": ResponsesEncoder, "messages": MessagesEncoder}
COMPLETION_PATHS = {"/chat/completions": "chat", "/responses": "responses", "/messages": "messages"}


@dataclass(frozen=True)
class SimulatorConfig:
    tokens_per_second: float = 80.0  # 0 = as fast as possible
    ttft: float = 0.3  # seconds before the first token
    model_ids: tuple[str, ...] = ()  # empty: every simulator model of the built-in catalog
    max_output_tokens: int = 128_000  # upper bound accepted for max_tokens and friends
    cache_ttl: float = 600.0  # prompt-prefix cache lifetime (the seeds say ~10 minutes)
    cache_entries: int = 4096  # LRU bound for the prefix cache and the times=N counters
    max_body_bytes: int = 100 * 1024 * 1024  # video attachments arrive base64-encoded


@dataclass
class Stats:
    active: int = 0
    completed: int = 0
    cancelled: int = 0
    failed: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


class Simulator:
    def __init__(self, config: SimulatorConfig):
        self.config = config
        self.model_ids = tuple(config.model_ids) or simulator_model_ids()
        self.cache = PrefixCache(size=config.cache_entries, ttl=config.cache_ttl)
        self.faults = FaultPlanner(size=config.cache_entries)
        self.gates = Gates()
        self.stats = Stats()

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["type"] == "http":
            tracked = TrackedSend(send)
            try:
                await self.route(scope, receive, tracked)
            except Exception:
                logger.exception("Simulator failure on %s", scope.get("path"))
                await end_after_failure(
                    tracked,
                    fallback=dumps(
                        openai_error_body(
                            status=500, message="Internal simulator error (see the server log)."
                        )
                    ),
                )

    async def route(self, scope: dict, receive: Receive, send: Send) -> None:
        path, method = relative_path(scope), scope.get("method", "GET")
        dialect = COMPLETION_PATHS.get(path)
        if dialect and method == "POST":
            await self.complete(scope, receive, send, dialect=dialect)
        elif path == "/messages/count_tokens" and method == "POST":
            await self.count_tokens(scope, receive, send)
        elif path.startswith("/gates/"):
            await self.gate(path, method, send)
        elif method in ("GET", "HEAD"):
            await self.get(path, send)
        else:
            await self.fail(
                send,
                dialect="messages" if path.startswith("/messages") else "chat",
                error=SimulatorError(405 if dialect else 404, f"No route for {method} {path}."),
            )

    async def get(self, path: str, send: Send) -> None:
        if path == "/models":
            await send_json(send, status=200, payload=models_page(self.model_ids))
        elif path.removeprefix("/models/") in self.model_ids:
            await send_json(send, status=200, payload=model_entry(path.removeprefix("/models/")))
        elif path == "/_stats":
            await send_json(send, status=200, payload=self.stats.__dict__)
        elif path == "":
            await send_json(
                send,
                status=200,
                payload={
                    "simulator": "Seed Playground provider simulator",
                    "models": self.model_ids,
                    "endpoints": [
                        *COMPLETION_PATHS,
                        "/messages/count_tokens",
                        "/models",
                        "/gates/{name}",
                        "/gates/{name}/release",
                    ],
                },
            )
        else:
            await self.fail(
                send, dialect="chat", error=SimulatorError(404, f"No route for {path}.")
            )

    async def read_json(self, receive: Receive) -> object:
        try:
            raw = await read_body(receive, limit=self.config.max_body_bytes)
        except BodyTooLarge:
            raise SimulatorError(
                413, f"Request body exceeds {self.config.max_body_bytes} bytes."
            ) from None
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as problem:
            raise SimulatorError(400, f"The request body is not valid JSON: {problem}.") from None

    def parse(self, scope: dict, body: object, *, dialect: str) -> SimRequest:
        request = parse_request(
            dialect=dialect,
            body=body,
            header_directive=header(scope, "x-simulator"),
            max_output_tokens=self.config.max_output_tokens,
            api_key=request_key(scope, body),
        )
        if request.model not in self.model_ids:
            raise SimulatorError(
                404,
                f"The model `{request.model}` does not exist. Simulator "
                f"models: {', '.join(self.model_ids)}.",
                param="model",
            )
        return request

    async def complete(self, scope: dict, receive: Receive, send: Send, *, dialect: str) -> None:
        try:
            request = self.parse(scope, await self.read_json(receive), dialect=dialect)
            fault = self.faults.fault_for(request)
            if fault is not None and fault.http_status:
                raise http_fault(request)
        except ClientGone:
            return
        except SimulatorError as error:
            await self.fail(send, dialect=dialect, error=error)
            return
        reply = self.reply(request, fault=fault, send=send)
        await self.run_reply(reply, receive=receive, send=send, dialect=dialect)

    def reply(self, request: SimRequest, *, fault: Directive | None, send: Send):
        """The coroutine that will deliver this request's completion (streamed or whole)."""
        completion = build_completion(request, cached_tokens=self.cache.cached_tokens(request))
        delivery = {
            "send": send,
            "completion": completion,
            "fault": fault,
            "gate": gate_pause(request.directive, self.gates),
            "encoder": ENCODERS[request.dialect](request=request, completion=completion),
            "pace": pace_for(
                tps=request.directive.tps,
                ttft=request.directive.ttft,
                default_tps=self.config.tokens_per_second,
                default_ttft=self.config.ttft,
            ),
        }
        if request.stream:
            return stream_reply(**delivery)
        return single_reply(**delivery, dialect=request.dialect)

    async def run_reply(self, reply, *, receive: Receive, send: Send, dialect: str) -> None:
        self.stats.active += 1
        try:
            finished = await run_until_disconnect(reply, receive)
        except SimulatorError as error:  # a non-streaming fault, raised before any byte was sent
            await self.fail(send, dialect=dialect, error=error)
            return
        finally:
            self.stats.active -= 1
        if finished:
            self.stats.completed += 1
        else:
            self.stats.cancelled += 1

    async def gate(self, path: str, method: str, send: Send) -> None:
        try:
            name, action = gate_route(path, method)
        except SimulatorError as error:
            await self.fail(send, dialect="chat", error=error)
            return
        state = self.gates.release(name) if action == "release" else self.gates.state(name)
        await send_json(send, status=200, payload=state)

    async def count_tokens(self, scope: dict, receive: Receive, send: Send) -> None:
        try:
            request = self.parse(scope, await self.read_json(receive), dialect="messages")
        except ClientGone:
            return
        except SimulatorError as error:
            await self.fail(send, dialect="messages", error=error)
            return
        await send_json(send, status=200, payload={"input_tokens": input_tokens(request)})

    async def fail(self, send: Send, *, dialect: str, error: SimulatorError) -> None:
        self.stats.failed += 1
        self.stats.by_status[error.status] = self.stats.by_status.get(error.status, 0) + 1
        request_id = new_request_id()
        payload = error_body(
            dialect=dialect,
            status=error.status,
            message=error.message,
            param=error.param,
            request_id=request_id,
        )
        headers = [*error.headers, ("request-id", request_id), ("x-request-id", request_id)]
        await send_json(send, status=error.status, payload=payload, headers=headers)


def relative_path(scope: dict) -> str:
    """The route inside the simulator, without any root_path a server put back into `path`."""
    path, root = scope.get("path", "/"), scope.get("root_path", "")
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    return path.rstrip("/")


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(config: SimulatorConfig | None = None) -> Simulator:
    return Simulator(config or SimulatorConfig())
