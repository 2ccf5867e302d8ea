"""The catalog as plain JSON-able data (`manage.py catalog --json`, documented in the README)."""

from __future__ import annotations

from typing import Any

from .build import Catalog
from .spec import ModelSpec, ParamSpec, Pricing, ProviderSpec


def catalog_as_json(catalog: Catalog) -> dict[str, Any]:
    return {
        "providers": [provider_as_json(p) for p in catalog.providers.values()],
        "models": [model_as_json(m) for m in catalog.models.values()],
    }


def provider_as_json(provider: ProviderSpec) -> dict[str, Any]:
    return {
        "id": provider.id,
        "name": provider.name,
        "base_url": provider.base_url,
        "dialects": list(provider.dialects),
        "endpoints": [
            {"dialect": d.name, "path": d.path, "auth": d.auth, "model_field": d.model_field}
            for d in provider.dialects.values()
        ],
        # Only the *name* of the environment variable: a key never leaves the process.
        "auth": {
            "key_env": provider.key_env or None,
            "schemes": {d.name: d.auth for d in provider.dialects.values()},
        },
        "simulated": provider.simulated,
    }


def model_as_json(model: ModelSpec) -> dict[str, Any]:
    return {
        "id": model.id,
        "provider": model.provider,
        "name": model.name,
        "aliases": list(model.aliases),
        "description": model.description,
        "context_window": model.context_window,
        "max_output_tokens": model.max_output_tokens,
        "inputs": list(model.inputs),
        "outputs": list(model.outputs),
        "capabilities": list(model.capabilities),
        "dialects": list(model.dialects),
        "simulated": model.simulated,
        "pricing": pricing_as_json(model.pricing),
        "params": [param_as_json(p) for p in model.params],
    }


def pricing_as_json(pricing: Pricing) -> dict[str, Any]:
    return {
        "currency": pricing.currency,
        "unit_tokens": pricing.unit_tokens,
        "note": pricing.note,
        "tiers": [
            {
                "max_input_tokens": t.max_input_tokens,
                "input": str(t.input),
                "output": str(t.output),
                "cached_input": None if t.cached_input is None else str(t.cached_input),
            }
            for t in pricing.tiers
        ],
    }


def param_as_json(param: ParamSpec) -> dict[str, Any]:
    return {
        "name": param.name,
        "label": param.title,
        "type": param.type,
        "default": param.default,
        "min": param.min,
        "max": param.max,
        "choices": list(param.choices) or None,
        "fixed": param.fixed,
        "description": param.description,
        "dialects": list(param.dialects),
        "send": param.send,
        "requires": param.requires,
    }
