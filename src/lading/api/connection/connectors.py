"""`/connection/connectors…`: authenticated instances of integrations (`connection connector …`,
api.md §5). Secrets are masked in every answer; `"********"` sent back keeps a stored one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import Removed, answers
from lading.api.connection import _schemas as schemas
from lading.services.ai import language_models
from lading.services.connection import connectors
from lading.services.session import Session

router = Router(prefix="/connection/connectors", tags=["connection"])
Caller = Annotated[Session, Depends(caller)]


class ConnectorList(Query):
    integration_slug: str | None = None


class SlugQuery(Query):
    slug: str


class ConnectorCreate(Body):
    name: str
    slug: str
    integration_slug: str
    # Checked by the service (as the CLI's flags are): one refusal on both faces.
    config: Any = None
    rate_limit: Any = None
    cache_ttl_milliseconds: int | None = None


class ConnectorUpdate(Body):
    name: str | None = None
    is_default: bool | None = None
    config: Any = None
    rate_limit: Any = None
    cache_ttl_milliseconds: int | None = None


class Autocomplete(Body):
    slug: str
    params: Any
    value: str | None = None
    refresh: bool = False
    variables: Any = None


class DynamicSchemaParams(Body):
    params: Any


@router.get("/list", summary="connector.list", openapi_extra=query_parameters(ConnectorList),
            **answers(schemas.ConnectorList))
def list_connectors(session: Caller, params: Annotated[ConnectorList, Depends(query(ConnectorList))]) -> dict[str, Any]:
    return connectors.list_connectors(session, integration_slug=params.integration_slug)


@router.get("/existsBySlug", summary="connector.existsBySlug", openapi_extra=query_parameters(SlugQuery),
            **answers(schemas.SlugExists))
def exists_by_slug(session: Caller, params: Annotated[SlugQuery, Depends(query(SlugQuery))]) -> dict[str, Any]:
    return connectors.exists_by_slug(session, params.slug)


@router.get("/{uuid}", summary="connector.get", **answers(schemas.ConnectorAnswer))
def get_connector(uuid: str, session: Caller) -> dict[str, Any]:
    return connectors.get(session, uuid)


@router.post("", summary="connector.create → {connector, dataset} (the first of an integration is its default)",
             **answers(schemas.ConnectorCreated))
def create_connector(body: ConnectorCreate, session: Caller) -> dict[str, Any]:
    return connectors.create(session, integration_slug=body.integration_slug, slug=body.slug, name=body.name,
                             config=body.config, rate_limit=body.rate_limit, cache_ttl_ms=body.cache_ttl_milliseconds)


@router.put("/{uuid}", summary="connector.update (config merged key by key; \"********\" keeps a secret; "
            "isDefault true unmarks the others)", **answers(schemas.ConnectorAnswer))
def update_connector(uuid: str, body: ConnectorUpdate, session: Caller) -> dict[str, Any]:
    sent = body.given()
    changes: dict[str, Any] = {key: sent[key] for key in ("name", "is_default", "config", "rate_limit") if key in sent}
    if "cache_ttl_milliseconds" in sent:
        changes["cache_ttl_ms"] = sent["cache_ttl_milliseconds"]
    return connectors.update(session, uuid, **changes)


@router.delete("/{uuid}", summary="connector.remove (409 while plays, tools or models use it)", **answers(Removed))
def remove_connector(uuid: str, session: Caller) -> dict[str, Any]:
    return connectors.remove(session, uuid)


@router.post("/{connectorUuid}/autocomplete", summary="connector.autocomplete",
             **answers(schemas.AutocompleteResults))
def autocomplete(connectorUuid: str, body: Autocomplete, session: Caller) -> dict[str, Any]:  # noqa: N803
    return connectors.autocomplete(session, connector_uuid=connectorUuid, slug=body.slug, params=body.params,
                                   value=body.value, refresh=body.refresh, variables=body.variables)


@router.post("/{uuid}/test", summary="connector test (Lading extension): the provider checks the credentials → "
             "{connector, outcome, errorMessage?, checkedAt}", **answers(schemas.ConnectorTest))
def test_connector(uuid: str, session: Caller) -> dict[str, Any]:
    return connectors.check_connector(session, uuid)


@router.post("/{connectorUuid}/dynamicSchemas/{slug}", summary="connector.getDynamicSchema → {schema, uiSchema}",
             **answers(schemas.DynamicSchema))
def dynamic_schema(connectorUuid: str, slug: str, body: DynamicSchemaParams,  # noqa: N803
                   session: Caller) -> dict[str, Any]:
    return connectors.dynamic_schema(session, connector_uuid=connectorUuid, slug=slug, params=body.params)


@router.get("/{connectorUuid}/languageModels", summary="connector.getLanguageModels",
            **answers(schemas.LanguageModelList))
def get_language_models(connectorUuid: str, session: Caller) -> dict[str, Any]:  # noqa: N803
    return language_models.connector_language_models(session, connectorUuid)
