"""OpenAI Chat Completions dialect (`POST …/chat/completions`): request builder and stream parser.

Parameters are sent flat under their catalog names (EmpirioLabs' documented shape); `stop` is
always a list. `image_detail` and `video_fps` are also placed on each image/video part.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from playground.providers.calls import http_call, redacted, stop_list
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

# --- Request ------------------------------------------------------------------------------------


def build_call(request: UpstreamRequest, *, redact_key: str | None = None) -> HttpCall:
    request = redacted(request, placeholder=redact_key)
    body: dict[str, Any] = {
        request.endpoint.model_field: request.model,
        "messages": _messages(request),
        "stream": request.stream,
    }
    if request.stream:
        body["stream_options"] = {"include_usage": True}
    body.update(_params(request.params))
    return http_call(request=request, body=body)


def _params(params: dict[str, Any]) -> dict[str, Any]:
    flat = dict(params)
    if "stop" in flat:
        flat["stop"] = stop_list(flat["stop"])
    return flat


def _messages(request: UpstreamRequest) -> list[dict[str, Any]]:
    system = [{"role": "system", "content": request.system}] if request.system else []
    return system + [_message(turn, request.params) for turn in request.turns]


def _message(turn: Turn, params: dict[str, Any]) -> dict[str, Any]:
    if not turn.attachments:
        return {"role": turn.role, "content": turn.text}
    parts = [{"type": "text", "text": turn.text}] if turn.text else []
    parts += [_part(attachment, params) for attachment in turn.attachments]
    return {"role": turn.role, "content": parts}


def _part(attachment: Attachment, params: dict[str, Any]) -> dict[str, Any]:
    url = attachment.data_url()
    if attachment.kind == "image":
        return {"type": "image_url", "image_url": _with(url=url, detail=params.get("image_detail"))}
    if attachment.kind == "video":
        return {"type": "video_url", "video_url": _with(url=url, fps=params.get("video_fps"))}
    return {"type": "file", "file": {"filename": attachment.name, "file_data": url}}


def _with(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


# --- Response -----------------------------------------------------------------------------------


def usage_from(raw: dict[str, Any]) -> Usage:
    """Chat usage in all its shapes: OpenAI/Ark details, DeepSeek cache hits, OpenRouter cost."""
    cached = count(mapping(raw.get("prompt_tokens_details")).get("cached_tokens"))
    return Usage(
        input_tokens=count(raw.get("prompt_tokens")),
        cached_input_tokens=cached or count(raw.get("prompt_cache_hit_tokens")),
        output_tokens=count(raw.get("completion_tokens")),
        reasoning_tokens=reasoning_count(raw.get("completion_tokens_details")),
        reported_cost=_cost(raw.get("cost")),
    )


def _cost(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _deltas(delta: dict[str, Any]) -> list[Event]:
    # DeepSeek/Ark use reasoning_content, OpenRouter and others reasoning (protocols.md §1.3).
    reasoning = text(delta.get("reasoning_content")) or text(delta.get("reasoning"))
    # An OpenAI refusal comes as `refusal` instead of `content`; it is the answer the user sees.
    content = text(delta.get("content")) + text(delta.get("refusal"))
    events: list[Event] = [ReasoningDelta(reasoning)] if reasoning else []
    return events + ([TextDelta(content)] if content else [])


def _final_reason(reason: Any, *, refused: bool) -> str:
    """The finish reason; a refusal that ended "normally" finishes as "refusal"."""
    reason = reason if isinstance(reason, str) and reason else "stop"
    return "refusal" if refused and reason == "stop" else reason


class ChatNormaliser(Normaliser):
    """`data:` chunks until `[DONE]`; usage on its own chunk, the finish chunk, the error chunk,
    or (Ark's chunk_include_usage) as running totals on every chunk: the last one wins."""

    finish_reason: str | None = None
    refused = False

    def on_payload(self, payload: dict[str, Any], event: str) -> list[Event]:
        if isinstance(payload.get("usage"), dict):  # first: an error chunk may carry usage too
            self.usage = usage_from(payload["usage"])
        if payload.get("error"):
            return self.fail_with_error(payload)
        events: list[Event] = []
        for choice in payload.get("choices") or []:  # [] / null / missing on usage chunks
            if isinstance(choice, dict) and choice.get("index", 0) == 0:
                events += self._choice(choice)
        if self.finish_reason == "error":  # OpenRouter's finish reason for a failed generation
            return self.note(events) + self.fail_with_error({"message": "the generation failed"})
        return events

    def _choice(self, choice: dict[str, Any]) -> list[Event]:
        delta = mapping(choice.get("delta"))
        self.refused = self.refused or bool(text(delta.get("refusal")))
        self.finish_reason = choice.get("finish_reason") or self.finish_reason
        return _deltas(delta)

    def on_done_marker(self) -> list[Event]:
        return self._finish()

    def end_of_stream(self) -> list[Event]:
        return self._finish() if self.finish_reason else super().end_of_stream()

    def _finish(self) -> list[Event]:
        return self.finish(_final_reason(self.finish_reason, refused=self.refused))


def events_from_body(body: dict[str, Any]) -> list[Event]:
    """A non-streamed chat.completion object as the same events a stream would give."""
    choices = [c for c in body.get("choices") or [] if isinstance(c, dict)]
    choice = choices[0] if choices else {}
    message = mapping(choice.get("message"))
    events = _deltas(message)
    if isinstance(body.get("usage"), dict):
        events.append(usage_from(body["usage"]))
    refused = bool(text(message.get("refusal")))
    return events + [Finished(_final_reason(choice.get("finish_reason"), refused=refused))]
