"""Typed, immutable view of the catalog.

No Django imports: the providers and simulator use it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

DIALECTS = ("chat", "responses", "messages")
DIALECT_LABELS = {
    "chat": "Chat Completions",
    "responses": "Responses",
    "messages": "Messages (Anthropic)",
}
PARAM_TYPES = ("integer", "number", "boolean", "choice", "stop")
INPUT_KINDS = ("text", "image", "video", "document")
AUTH_SCHEMES = ("bearer", "x-api-key", "body:key", "none")
MAX_STOP_SEQUENCES = 4


@dataclass(frozen=True)
class DialectSpec:
    name: str
    path: str
    auth: str = "bearer"
    model_field: str = "model"


@dataclass(frozen=True)
class ProviderSpec:
    id: str
    name: str
    base_url: str
    dialects: dict[str, DialectSpec]
    key_env: str = ""
    description: str = ""
    simulated: bool = False
    mirrors: tuple[str, ...] = ()


@dataclass(frozen=True)
class PriceTier:
    input: Decimal
    output: Decimal
    max_input_tokens: int | None = None  # exclusive bound; None = no upper bound
    cached_input: Decimal | None = None


@dataclass(frozen=True)
class Pricing:
    tiers: tuple[PriceTier, ...]
    currency: str = "USD"
    unit_tokens: int = 1_000_000
    note: str = ""

    def tier_for(self, input_tokens: int) -> PriceTier:
        for tier in self.tiers:
            if tier.max_input_tokens is None or input_tokens < tier.max_input_tokens:
                return tier
        return self.tiers[-1]


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    description: str = ""
    default: Any = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    dialects: tuple[str, ...] = DIALECTS
    send: str = "when_set"  # "always" | "when_set"
    requires: str | None = None
    fixed: Any = None
    fixed_reason: str = ""
    label: str = ""  # what people read; the API name is shown beside it in small type

    @property
    def is_fixed(self) -> bool:
        return self.fixed is not None

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def range_text(self) -> str:
        if self.choices:
            return ", ".join(self.choices)
        if self.min is not None and self.max is not None:
            return f"{_plain(self.min)} to {_plain(self.max)}"
        return ""


@dataclass(frozen=True)
class ModelSpec:
    id: str
    provider: str
    name: str
    pricing: Pricing
    params: tuple[ParamSpec, ...]
    dialects: tuple[str, ...]
    context_window: int
    max_output_tokens: int
    inputs: tuple[str, ...] = ("text",)
    outputs: tuple[str, ...] = ("text",)
    aliases: tuple[str, ...] = ()
    description: str = ""
    capabilities: tuple[str, ...] = ()
    simulated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        """Unique key across providers: the same model id can be offered by several providers."""
        return f"{self.provider}/{self.id}"

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)

    def params_for(self, dialect: str) -> tuple[ParamSpec, ...]:
        return tuple(p for p in self.params if dialect in p.dialects)


def _plain(number: float) -> str:
    return f"{number:g}"
