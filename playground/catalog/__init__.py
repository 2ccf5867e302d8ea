"""The model catalog: providers, models, prices and parameters, loaded from TOML data."""

from functools import cache

from .build import Catalog, catalog_build, catalog_load
from .loader import CatalogError
from .spec import (
    DIALECT_LABELS,
    DIALECTS,
    DialectSpec,
    ModelSpec,
    ParamSpec,
    PriceTier,
    Pricing,
    ProviderSpec,
)

__all__ = [
    "DIALECTS",
    "DIALECT_LABELS",
    "Catalog",
    "CatalogError",
    "DialectSpec",
    "ModelSpec",
    "ParamSpec",
    "PriceTier",
    "Pricing",
    "ProviderSpec",
    "catalog_build",
    "catalog_load",
    "get_catalog",
]


@cache
def get_catalog() -> Catalog:
    """The effective catalog (built-in + PLAYGROUND_CATALOG), loaded once per process."""
    from django.conf import settings

    return catalog_load(extra_path=settings.PLAYGROUND_CATALOG or None)
