"""Turn the merged catalog document into a Catalog of providers and models."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .loader import (
    BUILTIN_CATALOG,
    CatalogError,
    _Entry,
    merge_documents,
    parse_param,
    parse_pricing,
    parse_provider,
    read_toml,
)
from .spec import INPUT_KINDS, ModelSpec, ParamSpec, ProviderSpec


@dataclass(frozen=True)
class Catalog:
    providers: dict[str, ProviderSpec]
    models: dict[str, ModelSpec]  # keyed by ModelSpec.ref ("provider/model-id")

    def model(self, ref: str) -> ModelSpec:
        return self.models[ref]

    def provider_of(self, model: ModelSpec) -> ProviderSpec:
        return self.providers[model.provider]

    def provider_key(self, provider: ProviderSpec, environ=os.environ) -> str:
        return environ.get(provider.key_env, "") if provider.key_env else ""

    def is_available(self, provider: ProviderSpec, environ=os.environ) -> bool:
        """A provider can be called: the simulator always, a real one once its key is set."""
        return (
            provider.simulated or not provider.key_env or bool(self.provider_key(provider, environ))
        )

    def default_model(self, environ=os.environ) -> ModelSpec:
        """The first model of the first real provider with a key; the simulator until then."""
        real = [m for m in self.models.values() if not self.providers[m.provider].simulated]
        for model in real:
            if self.is_available(self.providers[model.provider], environ):
                return model
        return next(m for m in self.models.values() if self.providers[m.provider].simulated)


def catalog_load(*, extra_path: str | Path | None = None) -> Catalog:
    document = _tagged(read_toml(BUILTIN_CATALOG), str(BUILTIN_CATALOG))
    if extra_path:
        document = merge_documents(document, _tagged(read_toml(Path(extra_path)), str(extra_path)))
    return catalog_build(document=document)


def _tagged(document: dict[str, Any], source: str) -> dict[str, Any]:
    """Remember which file each entry came from, for error messages after merging."""
    for key in ("providers", "models"):
        for entry in document.get(key, []):
            entry.setdefault("__source__", source)
    for name, params in document.get("param_sets", {}).items():
        for entry in params:
            entry.setdefault("__source__", f"{source} (param_sets.{name})")
    return document


def catalog_build(*, document: dict[str, Any]) -> Catalog:
    providers: dict[str, ProviderSpec] = {}
    for position, raw in enumerate(document.get("providers", []), start=1):
        entry = _Entry(raw.get("__source__", "catalog"), _name("provider", raw, position), raw)
        provider = parse_provider(entry)
        providers[provider.id] = provider
    param_sets = {
        name: [_param(raw, name) for raw in params]
        for name, params in document.get("param_sets", {}).items()
    }
    models: dict[str, ModelSpec] = {}
    for position, raw in enumerate(document.get("models", []), start=1):
        entry = _Entry(raw.get("__source__", "catalog"), _name("model", raw, position), raw)
        model = parse_model(entry, providers=providers, param_sets=param_sets)
        models[model.ref] = model
    _add_mirrors(providers, models)
    if not any(p.simulated for p in providers.values()):
        raise CatalogError("catalog: the simulator provider is missing")
    return Catalog(providers=providers, models=models)


def _name(kind: str, raw: dict[str, Any], position: int) -> str:
    ident = raw.get("id")
    owner = f" of provider '{raw['provider']}'" if kind == "model" and "provider" in raw else ""
    return f"{kind} '{ident}'{owner}" if ident else f"{kind} #{position}"


def _param(raw: dict[str, Any], set_name: str) -> ParamSpec:
    label = f"parameter '{raw.get('name', '?')}'"
    return parse_param(_Entry(raw.get("__source__", f"param_sets.{set_name}"), label, raw))


def parse_model(entry: _Entry, *, providers, param_sets) -> ModelSpec:
    provider_id = entry.get("provider", str)
    if provider_id not in providers:
        known = ", ".join(sorted(providers))
        raise entry.fail("provider", f"unknown provider {provider_id!r} (known: {known})")
    inputs = tuple(entry.get("inputs", list, ["text"]))
    for kind in inputs:
        if kind not in INPUT_KINDS:
            raise entry.fail("inputs", f"unknown input kind {kind!r}; use {', '.join(INPUT_KINDS)}")
    return ModelSpec(
        id=entry.get("id", str),
        provider=provider_id,
        name=entry.get("name", str),
        pricing=parse_pricing(entry),
        params=_model_params(entry, param_sets),
        dialects=tuple(providers[provider_id].dialects),
        context_window=_positive(entry, "context_window"),
        max_output_tokens=_positive(entry, "max_output_tokens"),
        inputs=inputs,
        outputs=tuple(entry.get("outputs", list, ["text"])),
        aliases=tuple(entry.get("aliases", list, [])),
        description=entry.get("description", str, ""),
        capabilities=tuple(entry.get("capabilities", list, [])),
    )


def _positive(entry: _Entry, field: str) -> int:
    value = entry.get(field, int)
    if value <= 0:
        raise entry.fail(field, "must be a positive number of tokens")
    return value


def _model_params(entry: _Entry, param_sets) -> tuple[ParamSpec, ...]:
    set_name = entry.get("param_set", str, None)
    if set_name is not None and set_name not in param_sets:
        raise entry.fail("param_set", f"unknown parameter set {set_name!r}")
    params = {p.name: p for p in param_sets.get(set_name, [])}
    for raw in entry.get("params", list, []):
        param = parse_param(
            _Entry(entry.source, f"{entry.entry} parameter '{raw.get('name', '?')}'", raw)
        )
        params[param.name] = param
    for param in params.values():
        if param.requires and (
            params.get(param.requires) is None or params[param.requires].type != "boolean"
        ):
            raise entry.fail(
                "params", f"parameter '{param.name}' requires unknown boolean '{param.requires}'"
            )
    return tuple(params.values())


def _add_mirrors(providers: dict[str, ProviderSpec], models: dict[str, ModelSpec]) -> None:
    for simulator in [p for p in providers.values() if p.simulated]:
        for source in simulator.mirrors:
            for model in [m for m in list(models.values()) if m.provider == source]:
                dialects = tuple(d for d in model.dialects if d in simulator.dialects)
                copy = replace(model, provider=simulator.id, simulated=True, dialects=dialects)
                models.setdefault(copy.ref, copy)
