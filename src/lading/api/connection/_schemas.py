"""The documented 200 bodies of the connection routes (api.md §5, §12): the services' shapes
(`services/connection/shapes.py`) in the envelope each route answers. Documentation only: see
`api/_schemas.py` for why the routes' answers never pass through these models."""

from __future__ import annotations

from typing import Any

from lading.domain.shapes import Shape
from lading.services.ai.shapes import LanguageModel
from lading.services.connection import shapes


class IntegrationList(Shape):
    integrations: list[shapes.Integration]


class IntegrationAnswer(Shape):
    integration: shapes.Integration


class NativeIntegrationAnswer(Shape):
    native_integration: shapes.NativeIntegration


class ConnectorList(Shape):
    connectors: list[shapes.Connector]


class ConnectorAnswer(Shape):
    connector: shapes.Connector


class ConnectorCreated(Shape):
    """The connector and its own dataset (data spec §1)."""

    connector: shapes.Connector
    dataset: dict[str, Any] | None


class LanguageModelList(Shape):
    language_models: list[LanguageModel]


class ActionSearchAnswer(Shape):
    actions: list[shapes.ActionSearchHit]


class CustomIntegrationAnswer(Shape):
    custom_integration: shapes.CustomIntegration


class CustomIntegrationList(Shape):
    custom_integrations: list[shapes.CustomIntegration]


class ImportedDocument(Shape):
    """`integration import-openapi`: the generated integration document."""

    document: dict[str, Any]


OAuthConsent = shapes.OAuthConsent
OAuthValue = shapes.OAuthValue
SlugExists = shapes.SlugExists
ConnectorTest = shapes.ConnectorTest
AutocompleteResults = shapes.AutocompleteResults
DynamicSchema = shapes.DynamicSchema
