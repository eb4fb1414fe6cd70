"""`ai language-model …`: the language models agents can use, with credit prices (verbs: list_language_models,
and connector_language_models for the HTTP client's per-connector call)."""

from __future__ import annotations

from typing import Any

from lading.domain.errors import NotFoundError
from lading.services.ai.shapes import LanguageModel
from lading.services.session import Session


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


def connector_language_models(session: Session, connector_uuid: str) -> dict[str, Any]:
    """`{languageModels}` a connector can serve (api.md §5 `connector.getLanguageModels`): the catalog
    of its integration; a connector of a non-provider integration refuses with
    `languageModelsNotSupported` rather than answering an empty list."""
    from lading.ai.catalog import is_provider
    from lading.domain.errors import ValidationError
    from lading.services.connection.connectors import require_connector

    with session.db.read() as conn:
        row = require_connector(session, conn, connector_uuid)
    if not is_provider(row.integration_slug):
        raise ValidationError(f"{row.integration_slug} connectors serve no language models",
                              reason="languageModelsNotSupported")
    return list_language_models(row.integration_slug)
