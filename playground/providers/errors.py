"""Reading a provider's own error out of an HTTP error body or a mid-stream error object.

Shapes accepted (protocols.md §1.5, §3.4, §4, §5.5):
  OpenAI      {"error": {"message", "type", "param", "code"}}
  Ark         {"error": {"code": "InvalidParameter", "message": "… Request id: …",
                         "type": "BadRequest"}}
  Anthropic   {"type": "error", "error": {"type", "message"}, "request_id"}
  OpenRouter  {"error": {"code": 429, "message", "metadata"}}
  flat        {"message" | "detail": ..., "code", "type"} (Responses `error` events, gateways)
Anything else is shown as the first 200 characters of the body, as plain text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

PROVIDER_MESSAGE_LIMIT = 500
NON_JSON_LIMIT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ProviderError:
    message: str = ""
    code: str = ""
    type: str = ""


def plain_text(text: str, *, limit: int) -> str:
    """One line of printable text, cut to `limit` characters; the UI escapes it when shown."""
    text = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def from_body(body: bytes) -> ProviderError:
    """The provider's error from an HTTP error body (JSON envelope or arbitrary text)."""
    text = body.decode("utf-8", errors="replace")
    try:
        payload = json.loads(text)
    except ValueError:
        return ProviderError(message=plain_text(text, limit=NON_JSON_LIMIT))
    if isinstance(payload, dict):
        return from_object(payload)
    return ProviderError(message=plain_text(text, limit=NON_JSON_LIMIT))


def from_object(payload: dict[str, Any]) -> ProviderError:
    """The provider's error from a parsed envelope, nested under "error" or flat."""
    inner = payload.get("error")
    if isinstance(inner, str):
        return ProviderError(message=plain_text(inner, limit=PROVIDER_MESSAGE_LIMIT))
    details = inner if isinstance(inner, dict) else payload
    message = details.get("message") or details.get("detail") or payload.get("message") or ""
    if not isinstance(message, str):
        message = json.dumps(message, ensure_ascii=False)
    return ProviderError(
        message=plain_text(message, limit=PROVIDER_MESSAGE_LIMIT),
        code=_text(details.get("code")),
        type=_text(details.get("type")),
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)
