"""`ai language-model …`: the language models agents can use, with credit prices (verb: list_language_models)."""

from __future__ import annotations

from typing import Any

from lading.domain.errors import NotFoundError
from lading.services.ai.shapes import LanguageModel


def list_language_models(integration_slug: str | None = None) -> dict[str, Any]:
    """The catalog; an unknown `--integration-slug` is an error rather than an empty list (other model
    slugs pass through to the provider)."""
    from lading.ai.catalog import is_provider, language_models
    from lading.integrations import get_integration

    if integration_slug is not None and not is_provider(integration_slug):
        if get_integration(integration_slug) is None:
            raise NotFoundError(f"Integration not found: {integration_slug}", reason="integrationNotFound")
        return {"languageModels": []}
    return {"languageModels": [LanguageModel.model_validate(m).dump() for m in language_models(integration_slug)]}
