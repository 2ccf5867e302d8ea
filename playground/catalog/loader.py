"""Load the catalog TOML files, merge the user's over the built-in one, and validate every entry.

Every problem becomes a CatalogError whose message names the file, the entry and the field, so a
bad catalog stops startup with one readable line instead of a traceback.
"""

from __future__ import annotations

import copy
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .spec import (
    AUTH_SCHEMES,
    DIALECTS,
    PARAM_TYPES,
    DialectSpec,
    ParamSpec,
    PriceTier,
    Pricing,
    ProviderSpec,
)

BUILTIN_CATALOG = Path(__file__).with_name("seed.toml")


class CatalogError(Exception):
    """A catalog file cannot be used; the message says where and why."""


class _Entry:
    """Where a value came from, so errors can name file, entry and field."""

    def __init__(self, source: str, entry: str, data: dict[str, Any]):
        self.source, self.entry, self.data = source, entry, data

    def fail(self, field: str, problem: str) -> CatalogError:
        return CatalogError(f"{self.source}: {self.entry}, field '{field}': {problem}")

    def get(self, field: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if field not in self.data:
            if default is ...:
                raise self.fail(field, "is required")
            return default
        value = self.data[field]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(field, f"must be a number, got {value!r}")
        if not isinstance(value, kind):
            raise self.fail(field, f"must be {_kind_name(kind)}, got {value!r}")
        return value

    def choice(self, field: str, allowed: tuple[str, ...], default: Any = ...) -> Any:
        value = self.get(field, str, default)
        if value is not None and value not in allowed and value is not default:
            raise self.fail(field, f"must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def decimal(self, field: str, default: Any = ...) -> Decimal | None:
        value = self.get(field, (str, int, float), default)
        if value is None:
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise self.fail(field, f'must be a decimal price like "0.12", got {value!r}') from None
        if number < 0:
            raise self.fail(field, "must not be negative")
        return number


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true or false",
        list: "a list",
        dict: "a table",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise CatalogError(f"{path}: file not found (PLAYGROUND_CATALOG)") from None
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{path}: not valid TOML: {error}") from None


def merge_documents(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Entries of `extra` with a known id replace the fields they name; new ids are appended."""
    merged = copy.deepcopy(base)
    merged.setdefault("param_sets", {}).update(extra.get("param_sets", {}))
    merged["providers"] = _merge_by(
        merged.get("providers", []), extra.get("providers", []), key=lambda e: e.get("id")
    )
    merged["models"] = _merge_by(
        merged.get("models", []),
        extra.get("models", []),
        key=lambda e: (e.get("provider"), e.get("id")),
    )
    return merged


def _merge_by(base: list[dict], extra: list[dict], *, key) -> list[dict]:
    index = {key(entry): entry for entry in base}
    for entry in extra:
        if key(entry) in index:
            index[key(entry)].update(entry)
        else:
            base.append(entry)
            index[key(entry)] = entry
    return [e for e in base if not e.get("disabled", False)]


def parse_provider(entry: _Entry) -> ProviderSpec:
    dialect_tables = entry.get("dialects", dict)
    if not dialect_tables and not entry.get("simulated", bool, False):
        raise entry.fail("dialects", "must define at least one of chat, responses, messages")
    dialects = {}
    for name, table in dialect_tables.items():
        if name not in DIALECTS:
            raise entry.fail(f"dialects.{name}", f"unknown dialect; use {', '.join(DIALECTS)}")
        sub = _Entry(entry.source, f"{entry.entry} dialect '{name}'", table)
        dialects[name] = DialectSpec(
            name=name,
            path=sub.get("path", str),
            auth=sub.choice("auth", AUTH_SCHEMES, "bearer"),
            model_field=sub.get("model_field", str, "model"),
        )
    return ProviderSpec(
        id=entry.get("id", str),
        name=entry.get("name", str),
        base_url=entry.get("base_url", str),
        dialects=dialects,
        key_env=entry.get("key_env", str, ""),
        description=entry.get("description", str, ""),
        simulated=entry.get("simulated", bool, False),
        mirrors=tuple(entry.get("mirrors", list, [])),
    )


def parse_pricing(entry: _Entry) -> Pricing:
    table = _Entry(entry.source, f"{entry.entry} pricing", entry.get("pricing", dict))
    raw_tiers = table.get("tiers", list)
    if not raw_tiers:
        raise table.fail("tiers", "needs at least one tier")
    tiers = []
    for position, raw in enumerate(raw_tiers, start=1):
        tier = _Entry(entry.source, f"{entry.entry} pricing tier {position}", raw)
        bound = tier.get("max_input_tokens", int, None)
        if bound is None and position != len(raw_tiers):
            raise tier.fail("max_input_tokens", "only the last tier may be unbounded")
        tiers.append(
            PriceTier(
                input=tier.decimal("input"),
                output=tier.decimal("output"),
                max_input_tokens=bound,
                cached_input=tier.decimal("cached_input", None),
            )
        )
    if tiers[-1].max_input_tokens is not None:
        raise table.fail("tiers", "the last tier must have no max_input_tokens")
    return Pricing(
        tiers=tuple(tiers),
        currency=table.get("currency", str, "USD"),
        unit_tokens=table.get("unit_tokens", int, 1_000_000),
        note=table.get("note", str, ""),
    )


def parse_param(entry: _Entry) -> ParamSpec:
    kind = entry.choice("type", PARAM_TYPES)
    number = (int, float)
    param = ParamSpec(
        name=entry.get("name", str),
        type=kind,
        description=entry.get("description", str, ""),
        default=entry.data.get("default"),
        min=entry.get("min", number, None),
        max=entry.get("max", number, None),
        step=entry.get("step", number, None),
        choices=tuple(entry.get("choices", list, [])),
        dialects=tuple(entry.get("dialects", list, list(DIALECTS))),
        send=entry.choice("send", ("always", "when_set"), "when_set"),
        requires=entry.get("requires", str, None),
        fixed=entry.data.get("fixed"),
        fixed_reason=entry.get("fixed_reason", str, ""),
        label=entry.get("label", str, ""),
    )
    _check_param(entry, param)
    return param


def _check_param(entry: _Entry, param: ParamSpec) -> None:
    for dialect in param.dialects:
        if dialect not in DIALECTS:
            raise entry.fail("dialects", f"unknown dialect {dialect!r}")
    if param.type == "choice" and not param.choices:
        raise entry.fail("choices", "a choice parameter needs a list of choices")
    if param.type == "choice" and param.default is not None and param.default not in param.choices:
        raise entry.fail("default", f"{param.default!r} is not one of the choices")
    if param.min is not None and param.max is not None and param.min > param.max:
        raise entry.fail("min", f"{param.min} is greater than max {param.max}")
    if param.type in ("integer", "number") and param.default is not None:
        if isinstance(param.default, bool) or not isinstance(param.default, int | float):
            raise entry.fail("default", f"must be a number, got {param.default!r}")
        low = param.min if param.min is not None else param.default
        high = param.max if param.max is not None else param.default
        if not low <= param.default <= high:
            raise entry.fail("default", f"{param.default} is outside {param.range_text()}")
    if (
        param.type == "boolean"
        and param.default is not None
        and not isinstance(param.default, bool)
    ):
        raise entry.fail("default", "must be true or false")
