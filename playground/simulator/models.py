"""The model list: every simulator model id of the catalog, in OpenAI and Anthropic list shapes."""

from __future__ import annotations

# A fixed date keeps /models byte-for-byte stable (2026-02-15, the Seed 2.0 model date).
CREATED = 1771113600
CREATED_AT = "2026-02-15T00:00:00Z"


def simulator_model_ids(catalog=None) -> tuple[str, ...]:
    """Model ids of the catalog's simulator provider; without a catalog, the built-in one
    (loaded without Django; the app passes its effective catalog, PLAYGROUND_CATALOG included)."""
    if catalog is None:
        from playground.catalog import catalog_load

        catalog = catalog_load()
    simulated = [m.id for m in catalog.models.values() if catalog.providers[m.provider].simulated]
    return tuple(dict.fromkeys(simulated))


def model_entry(model_id: str) -> dict:
    # One object readable by both SDKs: OpenAI's Model and Anthropic's ModelInfo fields.
    return {
        "id": model_id,
        "object": "model",
        "created": CREATED,
        "owned_by": "seed-playground-simulator",
        "type": "model",
        "display_name": model_id,
        "created_at": CREATED_AT,
    }


def models_page(model_ids: tuple[str, ...]) -> dict:
    return {
        "object": "list",
        "data": [model_entry(m) for m in model_ids],
        "has_more": False,
        "first_id": model_ids[0] if model_ids else None,
        "last_id": model_ids[-1] if model_ids else None,
    }
