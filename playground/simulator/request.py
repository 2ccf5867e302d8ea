"""Each dialect's request body → one SimRequest, validated with the errors a real API would give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import content
from .content import Defaults, Message
from .directive import Directive, build_directive, strip_directives
from .errors import SimulatorError

EFFORTS = ("minimal", "low", "medium", "high")
DEFAULT_MAX_TOKENS = 4096
MAX_CHAT_STOP_SEQUENCES = 4
MAX_TOKEN_FIELDS = {
    # Chat: max_completion_tokens wins when both are given (BytePlus ignores max_tokens then).
    "chat": ("max_completion_tokens", "max_tokens"),
    "responses": ("max_output_tokens",),
    "messages": ("max_tokens",),
}


@dataclass(frozen=True)
class SimRequest:
    dialect: str
    model: str
    system: str
    messages: tuple[Message, ...]
    stream: bool
    include_usage: bool
    thinking: bool
    effort: str
    thinking_budget: int | None
    max_answer_tokens: int
    stop: tuple[str, ...]
    caching: bool
    directive: Directive
    api_key: str = ""  # only ever repeated back by the echo_key directive

    @property
    def last_user_text(self) -> str:
        return next((m.text for m in reversed(self.messages) if m.role == "user"), "")

    @property
    def prompt(self) -> str:
        """The question the answer is about: the last user message without directives."""
        return strip_directives(self.last_user_text)


def parse_request(
    *,
    dialect: str,
    body: Any,
    header_directive: str | None,
    max_output_tokens: int,
    api_key: str = "",
) -> SimRequest:
    if not isinstance(body, dict):
        raise SimulatorError(400, "The request body must be a JSON object.")
    system, messages = MESSAGE_PARSERS[dialect](body)
    if not messages:
        field = "input" if dialect == "responses" else "messages"
        raise SimulatorError(
            400, f"'{field}' is required and must contain at least one message.", param=field
        )
    thinking_budget = _thinking_budget(body) if dialect == "messages" else None
    effort = effort_of(body, dialect=dialect)
    directive = build_directive(
        message_text=_last_user(messages),
        header_value=header_directive,
        model=model_of(body),
        dialect=dialect,
    )
    return SimRequest(
        dialect=dialect,
        model=model_of(body),
        system=system,
        messages=tuple(messages),
        stream=body.get("stream") is True,
        include_usage=_include_usage(body),
        thinking=effort != "minimal" and thinking_enabled(body, default=dialect != "messages"),
        effort=effort,
        thinking_budget=thinking_budget,
        max_answer_tokens=max_tokens_of(body, dialect=dialect, limit=max_output_tokens),
        stop=stop_of(body, dialect=dialect),
        caching=caching_requested(body, dialect=dialect),
        directive=directive,
        api_key=api_key,
    )


def _last_user(messages: list[Message]) -> str:
    return next((m.text for m in reversed(messages) if m.role == "user"), "")


def _chat_messages(body: dict) -> tuple[str, list[Message]]:
    defaults = _defaults(body)
    raw = body.get("messages")
    items = raw if isinstance(raw, list) else []
    return "", [content.chat_message(m, defaults=defaults) for m in items if isinstance(m, dict)]


def _responses_messages(body: dict) -> tuple[str, list[Message]]:
    system = body.get("instructions") if isinstance(body.get("instructions"), str) else ""
    return system, content.responses_messages(body.get("input"), defaults=_defaults(body))


def _messages_messages(body: dict) -> tuple[str, list[Message]]:
    raw = body.get("messages")
    items = raw if isinstance(raw, list) else []
    messages = [content.messages_message(m) for m in items if isinstance(m, dict)]
    return content.system_text(body.get("system")), messages


MESSAGE_PARSERS = {
    "chat": _chat_messages,
    "responses": _responses_messages,
    "messages": _messages_messages,
}


def _defaults(body: dict) -> Defaults:
    fps = body.get("video_fps")
    detail = body.get("image_detail")
    return Defaults(
        image_detail=detail if isinstance(detail, str) else None,
        video_fps=fps if isinstance(fps, int | float) else None,
    )


def model_of(body: dict) -> str:
    # ModelsLab sends the model as `model_id`.
    model = body.get("model") or body.get("model_id")
    if not isinstance(model, str) or not model:
        raise SimulatorError(
            400, "You must provide a model parameter ('model' or 'model_id').", param="model"
        )
    return model


def max_tokens_of(body: dict, *, dialect: str, limit: int) -> int:
    for field in MAX_TOKEN_FIELDS[dialect]:
        value = body.get(field)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            raise SimulatorError(
                400,
                f"'{field}' must be an integer between 1 and {limit}, got {value!r}.",
                param=field,
            )
        return value
    return min(DEFAULT_MAX_TOKENS, limit)


def stop_of(body: dict, *, dialect: str) -> tuple[str, ...]:
    field = {"chat": "stop", "messages": "stop_sequences"}.get(dialect)
    value = body.get(field) if field else None
    if value is None:
        return ()
    stops = [value] if isinstance(value, str) else value
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        raise SimulatorError(400, f"'{field}' must be a string or a list of strings.", param=field)
    if dialect == "chat" and len(stops) > MAX_CHAT_STOP_SEQUENCES:
        raise SimulatorError(
            400,
            f"'{field}' accepts at most {MAX_CHAT_STOP_SEQUENCES} sequences, got {len(stops)}.",
            param=field,
        )
    return tuple(s for s in stops if s)


def effort_of(body: dict, *, dialect: str) -> str:
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    value = body.get("reasoning_effort") or (
        reasoning.get("effort") if dialect == "responses" else None
    )
    if value is None:
        budget = _thinking_budget(body) if dialect == "messages" else None
        return effort_for_budget(budget) if budget else "medium"
    value = "minimal" if value == "none" else value
    if value not in EFFORTS:
        field = "reasoning.effort" if reasoning.get("effort") else "reasoning_effort"
        raise SimulatorError(
            400, f"'{field}' must be one of {', '.join(EFFORTS)}, got {value!r}.", param=field
        )
    return value


def effort_for_budget(budget: int) -> str:
    """Anthropic callers choose a thinking budget, not an effort: bigger budget, more effort."""
    return "low" if budget < 2048 else "medium" if budget < 8192 else "high"


def thinking_enabled(body: dict, *, default: bool) -> bool:
    """Off if any switch says off (flat enable_thinking, Ark/Anthropic thinking.type), else on if
    any says on, else the dialect's default (on for Ark-style chat/responses, off for Anthropic)."""
    flag = body.get("enable_thinking")
    thinking = body.get("thinking") if isinstance(body.get("thinking"), dict) else {}
    kind = thinking.get("type")
    if flag is False or kind == "disabled":
        return False
    if flag is True or kind in ("enabled", "auto", "adaptive"):
        return True
    return default


def _thinking_budget(body: dict) -> int | None:
    thinking = body.get("thinking") if isinstance(body.get("thinking"), dict) else {}
    budget = thinking.get("budget_tokens")
    if budget is None:
        return None
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise SimulatorError(
            400,
            f"'thinking.budget_tokens' must be a positive integer, got {budget!r}.",
            param="thinking.budget_tokens",
        )
    return budget


def _include_usage(body: dict) -> bool:
    options = body.get("stream_options")
    return isinstance(options, dict) and options.get("include_usage") is True


def caching_requested(body: dict, *, dialect: str) -> bool:
    caching = body.get("caching") if isinstance(body.get("caching"), dict) else {}
    if body.get("enable_caching") is True or caching.get("type") == "enabled":
        return True
    return dialect == "messages" and has_cache_control(body)


def has_cache_control(value: Any) -> bool:
    """Anthropic marks cache breakpoints with `cache_control` on any block, system or tool."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("cache_control"):
                return True
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return False
