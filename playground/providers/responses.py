"""OpenAI/Ark Responses dialect (`POST …/responses`): request builder and stream parser.

Catalog parameters map to Ark's Responses fields (protocols.md §2.6): max_tokens ->
max_output_tokens, reasoning_effort -> reasoning.effort, enable_thinking -> thinking.type,
enable_caching -> caching.type, enable_web_search -> tools [web_search]. image_detail and video_fps
go on the input parts. Anything else is sent flat under its own name.
"""

from __future__ import annotations

from typing import Any

from playground.providers.calls import http_call, passthrough, redacted
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

MAPPED = frozenset(
    {
        "max_tokens",
        "reasoning_effort",
        "enable_thinking",
        "enable_caching",
        "enable_web_search",
        "image_detail",
        "video_fps",
    }
)
TEXT_EVENTS = frozenset({"response.output_text.delta", "response.refusal.delta"})
# Reasoning delta events, with the field that numbers the part within its output item.
REASONING_EVENTS = {
    "response.reasoning_summary_text.delta": "summary_index",
    "response.reasoning_text.delta": "content_index",
}
INCOMPLETE_REASONS = {"max_output_tokens": "length", "max_tokens": "length"}

# --- Request ------------------------------------------------------------------------------------


def build_call(request: UpstreamRequest, *, redact_key: str | None = None) -> HttpCall:
    request = redacted(request, placeholder=redact_key)
    body: dict[str, Any] = {
        request.endpoint.model_field: request.model,
        "input": [_item(turn, request.params) for turn in request.turns],
        "stream": request.stream,
    }
    if request.system:
        body["instructions"] = request.system
    body.update(_mapped_params(request.params))
    body.update(passthrough(request.params, consumed=MAPPED))
    return http_call(request=request, body=body)


def _mapped_params(params: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "max_tokens" in params:
        fields["max_output_tokens"] = params["max_tokens"]
    if "reasoning_effort" in params:
        fields["reasoning"] = {"effort": params["reasoning_effort"]}
    if "enable_thinking" in params:
        fields["thinking"] = {"type": "enabled" if params["enable_thinking"] else "disabled"}
    if "enable_caching" in params:
        fields["caching"] = {"type": "enabled" if params["enable_caching"] else "disabled"}
    if params.get("enable_web_search"):
        fields["tools"] = [{"type": "web_search"}]
    return fields


def _item(turn: Turn, params: dict[str, Any]) -> dict[str, Any]:
    text_type = "output_text" if turn.role == "assistant" else "input_text"
    parts = [{"type": text_type, "text": turn.text}] if turn.text or not turn.attachments else []
    parts += [_part(attachment, params) for attachment in turn.attachments]
    return {"role": turn.role, "content": parts}


def _part(attachment: Attachment, params: dict[str, Any]) -> dict[str, Any]:
    url = attachment.data_url()
    if attachment.kind == "image":
        return _with(type="input_image", image_url=url, detail=params.get("image_detail"))
    if attachment.kind == "video":
        return _with(type="input_video", video_url=url, fps=params.get("video_fps"))
    return {"type": "input_file", "file_data": url, "filename": attachment.name}


def _with(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


# --- Response -----------------------------------------------------------------------------------


def usage_from(raw: dict[str, Any]) -> Usage:
    return Usage(
        input_tokens=count(raw.get("input_tokens")),
        cached_input_tokens=count(mapping(raw.get("input_tokens_details")).get("cached_tokens")),
        output_tokens=count(raw.get("output_tokens")),
        reasoning_tokens=reasoning_count(raw.get("output_tokens_details")),
    )


def finish_reason(response: dict[str, Any], *, refused: bool = False) -> str:
    """stop, length (max_output_tokens), refusal (the model refused) or the given reason."""
    if response.get("status") != "incomplete":
        return "refusal" if refused else "stop"
    reason = text(mapping(response.get("incomplete_details")).get("reason")) or "incomplete"
    return INCOMPLETE_REASONS.get(reason, reason)


class ResponsesNormaliser(Normaliser):
    """Typed events until response.completed / .incomplete / .failed. An `error` event is held
    until the response.failed that follows it (it may carry the usage), see normalise.py."""

    _reasoning_part: tuple[Any, ...] | None = None  # (kind, output_index, summary/content index)
    _new_part = False  # a part boundary was announced after some reasoning had been shown
    _refused = False

    def on_payload(self, payload: dict[str, Any], event: str) -> list[Event]:
        kind = text(payload.get("type")) or event
        if self.held is not None and kind != "response.failed":
            return self.fail(self.held)  # whatever follows an error, the stream is over
        if kind in TEXT_EVENTS:
            self._refused = self._refused or kind == "response.refusal.delta"
            return [TextDelta(delta)] if (delta := text(payload.get("delta"))) else []
        if kind in REASONING_EVENTS:
            return self._reasoning(payload, kind)
        if kind == "response.reasoning_summary_part.added":
            self._new_part = self._reasoning_part is not None
        elif kind in ("response.completed", "response.incomplete"):
            return self._completed(mapping(payload.get("response")))
        elif kind == "response.failed":
            return self._failed(mapping(payload.get("response")))
        elif kind == "error" or ("type" not in payload and payload.get("error")):
            return self.hold(payload)  # nested {"error": {...}} or flat fields
        return []  # lifecycle, item, tool and unknown events carry nothing we show

    def _reasoning(self, payload: dict[str, Any], kind: str) -> list[Event]:
        delta = text(payload.get("delta"))
        if not delta:
            return []
        # Parts are told apart by position, never by item_id: some servers change it every event.
        part = (kind, payload.get("output_index"), payload.get(REASONING_EVENTS[kind]))
        # A new part starts a new paragraph instead of running on from the previous one.
        changed = self._reasoning_part not in (None, part)
        separator = "\n\n" if changed or self._new_part else ""
        self._reasoning_part, self._new_part = part, False
        return [ReasoningDelta(separator + delta)]

    def _completed(self, response: dict[str, Any]) -> list[Event]:
        self._take_usage(response)
        return self.finish(finish_reason(response, refused=self._refused))

    def _failed(self, response: dict[str, Any]) -> list[Event]:
        self._take_usage(response)
        error = mapping(response.get("error")) or {"message": "the response failed"}
        return self.fail_with_error(error)

    def _take_usage(self, response: dict[str, Any]) -> None:
        if isinstance(response.get("usage"), dict):
            self.usage = usage_from(response["usage"])


def events_from_body(body: dict[str, Any]) -> list[Event]:
    """A non-streamed Response object as the same events a stream would give."""
    events: list[Event] = []
    for item in body.get("output") or []:
        events += _item_events(mapping(item))
    if isinstance(body.get("usage"), dict):
        events.append(usage_from(body["usage"]))
    return events + [Finished(finish_reason(body, refused=_refused(body)))]


def _item_events(item: dict[str, Any]) -> list[Event]:
    if item.get("type") == "reasoning":
        texts = [text(mapping(part).get("text")) for part in item.get("summary") or []]
        return [ReasoningDelta(joined)] if (joined := "\n\n".join(filter(None, texts))) else []
    parts = [mapping(part) for part in item.get("content") or []]
    texts = [
        text(part.get("text")) + text(part.get("refusal"))
        for part in parts
        if part.get("type") in ("output_text", "refusal")
    ]
    return [TextDelta(joined)] if (joined := "".join(texts)) else []


def _refused(body: dict[str, Any]) -> bool:
    items = [mapping(item) for item in body.get("output") or []]
    return any(mapping(p).get("type") == "refusal" for i in items for p in i.get("content") or [])
