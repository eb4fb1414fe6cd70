"""The language-model catalog (spec §2.4): which models an agent can name, and who serves them.

A model is a `languageModelSlug` plus the provider integration (`openAi`, `anthropic`) whose
connector holds the key and base URL. The catalog lists the models the providers price; the prices
are read from the integrations' own tables (`PRICING`), the same ones that compute the charge, so
the catalog can never advertise a price the provider module does not bill. Any other slug is passed
through to the provider as is (local models such as `llama3.1` behind an OpenAI-compatible server)
and costs 0.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from lading.integrations import canonical_slug

OPEN_AI = "openAi"
ANTHROPIC = "anthropic"
PROVIDERS = (OPEN_AI, ANTHROPIC)
FALLBACK_MODEL = "gpt-4o-mini"
DEFAULT_MODEL_ENV = "LADING_DEFAULT_LANGUAGE_MODEL"

# Display names of the priced models; every priced model must have one (checked by `language_models`).
_NAMES: dict[str, str] = {
    "gpt-4o": "GPT-4o",
    "gpt-4.1-mini": "GPT-4.1 mini",
    "gpt-4o-mini": "GPT-4o mini",
    "claude-3-5-haiku-latest": "Claude 3.5 Haiku",
    "claude-3-5-sonnet-latest": "Claude 3.5 Sonnet",
    "claude-sonnet-4-20250514": "Claude Sonnet 4",
    "claude-opus-4-20250514": "Claude Opus 4",
}


# (context window, output limit, reasoning) in tokens, as the providers publish them; unknown → None.
_LIMITS: dict[str, tuple[int, int, bool]] = {
    "gpt-4o": (128_000, 16_384, False),
    "gpt-4.1-mini": (1_047_576, 32_768, False),
    "gpt-4o-mini": (128_000, 16_384, False),
    "claude-3-5-haiku-latest": (200_000, 8_192, False),
    "claude-3-5-sonnet-latest": (200_000, 8_192, False),
    "claude-sonnet-4-20250514": (200_000, 64_000, True),
    "claude-opus-4-20250514": (200_000, 32_000, True),
}
_PROVIDER_NAMES = {OPEN_AI: "OpenAI", ANTHROPIC: "Anthropic"}


def _pricing(integration_slug: str) -> Any:
    """The provider's `TokenPricing` (imported lazily: integration modules pull in httpx)."""
    if integration_slug == OPEN_AI:
        from lading.integrations.open_ai import PRICING
    else:
        from lading.integrations.anthropic import PRICING
    return PRICING


def _provider_default(integration_slug: str) -> str:
    if integration_slug == OPEN_AI:
        from lading.integrations.open_ai import DEFAULT_MODEL
    else:
        from lading.integrations.anthropic import DEFAULT_MODEL
    return DEFAULT_MODEL


def _credits(integration_slug: str, slug: str) -> list[dict[str, Any]]:
    """The provider's own price entry for this model, without the `instruct`-node config selector
    (and without the web-search variant, which that selector alone tells apart)."""
    out: list[dict[str, Any]] = []
    for entry in _pricing(integration_slug).credit_costs():
        model = ((entry.config or {}).get("properties") or {}).get("model") or {}
        if model.get("const") == slug and entry.fixed_cost is None:
            out.append(dataclasses.replace(entry, config=None).to_json())
    return out


def _entry(integration_slug: str, slug: str) -> dict[str, Any]:
    """A catalog entry in the HTTP client's LanguageModel shape (api.md §5) plus the CLI's keys; the
    price is the provider's per-token package (`credits.cost`), null when the model has none."""
    context, output, reasoning = _LIMITS.get(slug, (None, None, False))
    costs = _credits(integration_slug, slug)
    name = _NAMES.get(slug, slug)
    provider = _PROVIDER_NAMES.get(integration_slug, integration_slug)
    return {"slug": slug, "name": name, "description": f"{name} by {provider}",
            "contextWindowTokensLimit": context, "outputTokensLimit": output, "isReasoning": reasoning,
            "integrationSlug": integration_slug, "supportsTools": True, "supportsJsonSchema": True,
            "credits": {"cost": costs[0]} if costs else None}


def language_models(integration_slug: str | None = None) -> list[dict[str, Any]]:
    """Every priced model, provider by provider, optionally for one provider only."""
    wanted = canonical_slug(integration_slug) if integration_slug else None
    out: list[dict[str, Any]] = []
    for provider in PROVIDERS:
        if wanted is not None and provider != wanted:
            continue
        out.extend(_entry(provider, slug) for slug in _pricing(provider).rates)
    return out


def find_model(slug: str) -> dict[str, Any] | None:
    """The catalog entry of a priced model, or None for a pass-through slug."""
    return next((m for m in language_models() if m["slug"] == slug), None)


def default_model() -> tuple[str, str]:
    """`LADING_DEFAULT_LANGUAGE_MODEL` (resolved like any slug), else `gpt-4o-mini` on `openAi`."""
    configured = (os.environ.get(DEFAULT_MODEL_ENV) or "").strip()
    if configured:
        return resolve_model(configured, None)
    return FALLBACK_MODEL, OPEN_AI


def resolve_model(slug: str | None, integration_slug: str | None) -> tuple[str, str]:
    """`(languageModelSlug, integrationSlug)` for a release or a message override.

    A priced slug gives its own provider. An unknown slug passes through with the given provider,
    else `anthropic` when it looks like a Claude model (`claude-…`, e.g. dated releases), else
    `openAi` (OpenAI-compatible local servers). No slug: the default model, or the given
    provider's default model when the default belongs to another provider.
    """
    provider = canonical_slug(integration_slug) if integration_slug else None
    if not slug:
        default_slug, default_provider = default_model()
        if provider is None or provider == default_provider:
            return default_slug, default_provider
        return (_provider_default(provider), provider) if provider in PROVIDERS else (default_slug, provider)
    for known in PROVIDERS:
        if slug in _pricing(known).rates:
            return slug, known
    if provider is not None:
        return slug, provider
    return slug, ANTHROPIC if slug.startswith("claude-") else OPEN_AI


def is_provider(integration_slug: str) -> bool:
    return canonical_slug(integration_slug) in PROVIDERS


__all__ = ["default_model", "find_model", "is_provider", "language_models", "resolve_model"]
