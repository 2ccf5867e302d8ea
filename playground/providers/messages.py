"""Anthropic Messages dialect (`POST …/messages`): request builder and stream parser.

Mapping decisions:
* max_tokens is required by the API: 4096 when the caller gives none.
* stop -> stop_sequences.
* Thinking: enable_thinking false -> {"type": "disabled"}. Otherwise reasoning_effort picks a
  budget: low 1024, medium 4096, high 16384 tokens; minimal means no reasoning -> disabled.
  enable_thinking true without an effort uses the medium budget. The values are sent as given;
  Anthropic itself wants budget_tokens < max_tokens, which the caller's max_tokens must allow.
* enable_caching -> cache_control {"type": "ephemeral"} on the last block of the last user turn.
* Attachments come before the text in a turn (Anthropic's recommendation for images). Images and
  PDFs go as base64 sources, text-like documents as plain-text sources.
* Video is not supported by this dialect: build_call raises ValueError (the UI prevents it; the
  client turns it into a Failure) rather than silently sending a prompt without the video.
"""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

from playground.providers.calls import http_call, passthrough, redacted, stop_list
from playground.providers.normalise import Normaliser, count, mapping, reasoning_count, text
from playground.providers.types import (
    Attachment,
    Event,
    Finished,
    HttpCall,
    ReasoningDelta,
    TextDelta,
    Turn,
    UpstreamRequest,
    Usage,
)

DEFAULT_MAX_TOKENS = 4096
THINKING_BUDGETS = {"low": 1024, "medium": 4096, "high": 16384}
MAPPED = frozenset({"max_tokens", "stop", "enable_thinking", "reasoning_effort", "enable_caching"})
STOP_REASONS = {
    "end_turn": "stop",
    "max_tokens": "length",
    "stop_sequence": "stop_sequence",
    "tool_use": "tool_calls",
    "refusal": "refusal",
    "model_context_window_exceeded": "length",
}
TEXT_DOCUMENT_TYPES = ("text/", "application/json", "application/xml")
VIDEO_UNSUPPORTED = "Video attachments are not supported by the Anthropic Messages API."

# --- Request ------------------------------------------------------------------------------------


def build_call(request: UpstreamRequest, *, redact_key: str | None = None) -> HttpCall:
    request = redacted(request, placeholder=redact_key)
    params = request.params
    body: dict[str, Any] = {
        request.endpoint.model_field: request.model,
        "max_tokens": params.get("max_tokens", DEFAULT_MAX_TOKENS),
        "messages": _messages(request),
        "stream": request.stream,
    }
    if request.system:
        body["system"] = request.system
    if "stop" in params:
        body["stop_sequences"] = stop_list(params["stop"])
    if (thinking := _thinking(params)) is not None:
        body["thinking"] = thinking
    body.update(passthrough(params, consumed=MAPPED))
    return http_call(request=request, body=body)


def _thinking(params: dict[str, Any]) -> dict[str, Any] | None:
    if params.get("enable_thinking") is False or params.get("reasoning_effort") == "minimal":
        return {"type": "disabled"}
    effort = params.get("reasoning_effort")
    if effort is None and not params.get("enable_thinking"):
        return None
    return {"type": "enabled", "budget_tokens": THINKING_BUDGETS.get(effort or "medium", 4096)}


def _messages(request: UpstreamRequest) -> list[dict[str, Any]]:
    messages = [{"role": turn.role, "content": _blocks(turn)} for turn in request.turns]
    if request.params.get("enable_caching"):
        _mark_cache_breakpoint(messages)
    return messages


def _mark_cache_breakpoint(messages: list[dict[str, Any]]) -> None:
    # Everything up to and including this block becomes the cached prefix.
    for message in reversed(messages):
        if message["role"] == "user" and message["content"]:
            message["content"][-1]["cache_control"] = {"type": "ephemeral"}
            return


def _blocks(turn: Turn) -> list[dict[str, Any]]:
    blocks = [_block(attachment) for attachment in turn.attachments]
    return blocks + ([{"type": "text", "text": turn.text}] if turn.text else [])


def _block(attachment: Attachment) -> dict[str, Any]:
    if attachment.kind == "video":
        raise ValueError(VIDEO_UNSUPPORTED)
    if attachment.kind == "image":
        return {"type": "image", "source": _base64_source(attachment)}
    if attachment.mime == "application/pdf":
        return {"type": "document", "title": attachment.name, "source": _base64_source(attachment)}
    if attachment.mime.startswith(TEXT_DOCUMENT_TYPES):
        data = attachment.data.decode("utf-8", errors="replace")
        source = {"type": "text", "media_type": "text/plain", "data": data}
        return {"type": "document", "title": attachment.name, "source": source}
    raise ValueError(
        f"Documents of type {attachment.mime} are not supported by the Anthropic "
        "Messages API (PDF and plain text only)."
    )


def _base64_source(attachment: Attachment) -> dict[str, str]:
    data = base64.b64encode(attachment.data).decode("ascii")
    return {"type": "base64", "media_type": attachment.mime, "data": data}


# --- Response -----------------------------------------------------------------------------------


def usage_from(counts: dict[str, int]) -> Usage:
    # input_tokens excludes the cached prefix; our Usage.input_tokens includes it.
    cache_read = counts.get("cache_read_input_tokens", 0)
    return Usage(
        input_tokens=counts.get("input_tokens", 0)
        + cache_read
        + counts.get("cache_creation_input_tokens", 0),
        cached_input_tokens=cache_read,
        output_tokens=counts.get("output_tokens", 0),
        reasoning_tokens=counts.get("reasoning_tokens", 0),
    )


def _numbers(raw: Any) -> dict[str, int]:
    """The flat counts of a usage object, plus reasoning_tokens when output_tokens_details
    (Anthropic: {"thinking_tokens": N}) reports the thinking part of output_tokens."""
    raw = mapping(raw)
    numbers = {name: count(value) for name, value in raw.items() if isinstance(value, int)}
    if isinstance(raw.get("output_tokens_details"), dict):
        numbers["reasoning_tokens"] = reasoning_count(raw["output_tokens_details"])
    return numbers


def _delta_events(delta: dict[str, Any]) -> list[Event]:
    if delta.get("type") == "text_delta" and (chunk := text(delta.get("text"))):
        return [TextDelta(chunk)]
    if delta.get("type") == "thinking_delta" and (chunk := text(delta.get("thinking"))):
        return [ReasoningDelta(chunk)]
    return []  # signature, tool-input JSON, citations, empty thinking: nothing to show


class MessagesNormaliser(Normaliser):
    """message_start … message_delta … message_stop; `ping` ignored, `error` ends the stream."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.counts: dict[str, int] = {}
        self.stop_reason: str | None = None
        self.output_counted = False  # message_delta has counted the output

    def on_payload(self, payload: dict[str, Any], event: str) -> list[Event]:
        kind = text(payload.get("type")) or event
        if kind == "content_block_delta":
            return _delta_events(mapping(payload.get("delta")))
        if kind == "message_start":
            self._take_usage(mapping(payload.get("message")).get("usage"))
        elif kind == "message_delta":
            reason = text(mapping(payload.get("delta")).get("stop_reason"))
            self.stop_reason = reason or self.stop_reason
            self.output_counted = self.output_counted or "output_tokens" in mapping(
                payload.get("usage")
            )
            self._take_usage(payload.get("usage"))
        elif kind == "message_stop":
            return self.finish(self._reason())
        elif kind == "error":
            return self.fail_with_error(payload)
        return []

    def _take_usage(self, raw: Any) -> None:
        # message_delta counts are cumulative: overwrite, never add; older servers send only
        # output_tokens there, so the message_start values stay for the rest.
        self.counts.update(_numbers(raw))
        self.usage = dataclasses.replace(
            usage_from(self.counts), output_counted=self.output_counted
        )

    def _reason(self) -> str:
        return STOP_REASONS.get(self.stop_reason or "end_turn", self.stop_reason or "stop")

    def end_of_stream(self) -> list[Event]:
        return self.finish(self._reason()) if self.stop_reason else super().end_of_stream()


def events_from_body(body: dict[str, Any]) -> list[Event]:
    """A non-streamed Message object as the same events a stream would give."""
    events: list[Event] = []
    for block in body.get("content") or []:
        block = mapping(block)
        kind = {"text": "text_delta", "thinking": "thinking_delta"}.get(text(block.get("type")), "")
        events += _delta_events({**block, "type": kind})
    if isinstance(body.get("usage"), dict):
        events.append(usage_from(_numbers(body["usage"])))
    reason = text(body.get("stop_reason")) or "end_turn"
    return events + [Finished(STOP_REASONS.get(reason, reason))]
