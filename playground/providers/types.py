"""What goes into an upstream call and the one normalised event stream that comes out of it.

No Django imports here: the providers package is usable on its own with any httpx.AsyncClient.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Dialect = Literal["chat", "responses", "messages"]


# --- Input ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    kind: Literal["image", "video", "document"]
    mime: str
    name: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"]
    text: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Endpoint:
    """Where and how to call: base URL, the dialect's path/auth/model field, and the key."""

    base_url: str
    dialect: Dialect
    path: str
    auth: str = "bearer"  # bearer | x-api-key | body:key | none
    model_field: str = "model"
    api_key: str = field(default="", repr=False)  # never in a log line or traceback
    provider_name: str = ""
    # Name of the environment variable holding the key, only used to say what to check on a 401.
    key_env: str = ""

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + self.path


@dataclass(frozen=True)
class UpstreamRequest:
    endpoint: Endpoint
    model: str
    turns: tuple[Turn, ...]
    system: str = ""
    # Catalog parameter names -> values, already validated and filtered: exactly what to send.
    params: dict[str, Any] = field(default_factory=dict)
    stream: bool = True
    extra_headers: dict[str, str] = field(default_factory=dict)
    # Other key values nothing that comes of this request may show (the server's, the session
    # owner's other stored keys); the endpoint's own key is always one. See providers/redact.py.
    secrets: tuple[str, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class HttpCall:
    """The concrete HTTP request a dialect builder produces (also used for "View code")."""

    method: str
    url: str
    headers: dict[str, str]
    json: dict[str, Any]


@dataclass(frozen=True)
class Limits:
    """Time limits in seconds and size caps; the retry policy's knobs."""

    connect: float = 10.0
    first_token: float = 120.0
    idle: float = 60.0
    total: float = 600.0
    max_retries: int = 2
    max_retry_after: float = 60.0
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_line_bytes: int = 1 << 20
    max_body_bytes: int = 64 << 20
    # Once content flows, read the upstream at most this often (0: as data comes); see
    # network.py. Frames reach the page a few times a second anyway.
    read_every: float = 0.0


# --- Output events ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True)
class Usage:
    """Token counts as the provider reported them; input_tokens includes the cached part."""

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0  # includes reasoning tokens
    reasoning_tokens: int = 0
    reported_cost: Decimal | None = None
    # False when only the input side was counted: Anthropic's message_start carries a placeholder
    # output count (1) that a stream failing before message_delta never corrects.
    output_counted: bool = True


@dataclass(frozen=True)
class Retrying:
    """A retry is about to happen (only ever before the first token)."""

    attempt: int  # 1 for the first retry (the second request), 2 for the next …
    delay: float
    reason: str


@dataclass(frozen=True)
class Finished:
    # stop | length | stop_sequence | content_filter | refusal | tool_calls | other value.
    # refusal: the model declined (chat `delta.refusal`, Responses refusal events, Anthropic
    # stop_reason "refusal"); the refusal text arrives as TextDelta, as the answer.
    # content_filter: the provider's filter cut the answer (chat finish_reason).
    reason: str


# What each kind means (messages: playground/providers/failures.py):
#   connect / dns / tls     could not connect: refused or unreachable, name not resolved, bad
#                           certificate; an invalid base URL is also "connect"
#   timeout_connect         no TCP connection (or no free pooled connection) within Limits.connect
#   timeout_first_token     no text/reasoning within Limits.first_token of the request
#   timeout_idle            no text/reasoning for Limits.idle seconds once the answer had begun
#   timeout_total           the run exceeded Limits.total
#   auth (401/403), not_found (404), bad_request (400/422, or input the dialect cannot carry),
#   too_large (413), rate_limited (429), quota (429 insufficient_quota), server (5xx/529),
#   http (any other status, e.g. 408/409)
#   stream_error            the provider sent an error event/frame after HTTP 200
#   malformed               unreadable events (more than 3), undecodable or non-SSE body
#   disconnected            the connection dropped (before headers: retried; mid-answer: not)
#   too_big                 a line over Limits.max_line_bytes or a body over Limits.max_body_bytes
#   truncated               the body ended without a terminal event or finish reason
FailureKind = Literal[
    "connect",
    "dns",
    "timeout_connect",
    "timeout_first_token",
    "timeout_idle",
    "timeout_total",
    "http",
    "rate_limited",
    "auth",
    "not_found",
    "bad_request",
    "too_large",
    "server",
    "stream_error",
    "malformed",
    "disconnected",
    "too_big",
    "truncated",
    "quota",
    "tls",
]


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    message: str  # user-facing: what happened and what to do next
    status: int | None = None
    provider_message: str = ""
    retryable: bool = False
    retry_after: float | None = None


Event = TextDelta | ReasoningDelta | Usage | Retrying | Finished | Failure
