"""Integrations: the connector SDK (`_sdk`), HTTP with rate limits (`_http`), the registry, the
runtime that calls actions, the credential vault, and one public module per integration."""

from lading.integrations._registry import all_integrations, canonical_slug, get_integration
from lading.integrations._sdk import (
    Action,
    ActionCall,
    ActionResult,
    Autocomplete,
    CreditCost,
    Integration,
    ProviderError,
    RateLimit,
)

__all__ = [
    "Action",
    "ActionCall",
    "ActionResult",
    "Autocomplete",
    "CreditCost",
    "Integration",
    "ProviderError",
    "RateLimit",
    "all_integrations",
    "canonical_slug",
    "get_integration",
]
