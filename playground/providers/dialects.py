"""One place that picks the request builder and the stream parser for an endpoint's dialect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playground.providers import chat, messages, responses
from playground.providers.failures import Where
from playground.providers.normalise import Normaliser
from playground.providers.types import Dialect, Event, HttpCall, UpstreamRequest

_BUILDERS: dict[str, Callable[..., HttpCall]] = {
    "chat": chat.build_call,
    "responses": responses.build_call,
    "messages": messages.build_call,
}
_NORMALISERS: dict[str, type[Normaliser]] = {
    "chat": chat.ChatNormaliser,
    "responses": responses.ResponsesNormaliser,
    "messages": messages.MessagesNormaliser,
}
_BODY_PARSERS: dict[str, Callable[[dict[str, Any]], list[Event]]] = {
    "chat": chat.events_from_body,
    "responses": responses.events_from_body,
    "messages": messages.events_from_body,
}


def build_call(request: UpstreamRequest, *, redact_key: str | None = None) -> HttpCall:
    """The HTTP call for the request's dialect; with redact_key, the key is replaced by it.

    Raises ValueError for input the dialect cannot carry (video on the Messages dialect).
    """
    return _BUILDERS[request.endpoint.dialect](request, redact_key=redact_key)


def new_normaliser(*, dialect: Dialect, where: Where) -> Normaliser:
    return _NORMALISERS[dialect](where=where)


def events_from_body(*, dialect: Dialect, body: dict[str, Any]) -> list[Event]:
    """Events for a complete (non-streamed) JSON response body."""
    return _BODY_PARSERS[dialect](body)
