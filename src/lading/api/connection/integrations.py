"""`/connection/integrations…`: the integration catalog, its documentation and OAuth (`connection
integration …`, api.md §5)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from starlette.responses import Response

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.connection import _schemas as schemas
from lading.services.connection import integrations
from lading.services.session import Session

router = Router(prefix="/connection/integrations", tags=["connection"])
Caller = Annotated[Session, Depends(caller)]


class IntegrationList(Query):
    category: str | None = None
    slug: str | None = None
    slugs: list[str] | None = None
    search: str | None = None
    # `true`/`false` checked by the service, as the CLI's flags are.
    has_actions: str | None = None
    has_extractors: str | None = None


class InitiateOauth(Body):
    """Lading extension: `redirectUri` overrides the server's `LADING_OAUTH_REDIRECT_URI` (the client sends none)."""

    redirect_uri: str | None = None


class ImportOpenapi(Body):
    """Lading addition: an OpenAPI 3 document (as data) → an integration document."""

    openapi: Any
    slug: str | None = None
    name: str | None = None


class CompleteOauth(Body):
    params: Any


@router.get("/list", summary="integration.list", openapi_extra=query_parameters(IntegrationList),
            **answers(schemas.IntegrationList))
def list_integrations(session: Caller, params: Annotated[IntegrationList, Depends(query(IntegrationList))]
                      ) -> dict[str, Any]:
    wanted = [*(params.slugs or []), *([params.slug] if params.slug else [])]
    return integrations.list_integrations(session, category=params.category, slugs=wanted or None, search=params.search,
                                          has_actions=params.has_actions, has_extractors=params.has_extractors)


@router.post("/importOpenapi", summary="integration import-openapi (Lading addition) → {document}",
             **answers(schemas.ImportedDocument))
def import_openapi(body: ImportOpenapi, session: Caller) -> dict[str, Any]:
    from lading.services.connection import custom_integrations

    return custom_integrations.import_openapi(body.openapi, slug=body.slug, name=body.name)


@router.get("/{slug}", summary="integration.get", **answers(schemas.IntegrationAnswer))
def get_integration(slug: str, session: Caller) -> dict[str, Any]:
    return integrations.get(slug, session)


@router.get("/{slug}/documentation", summary="integration.getDocumentation (Markdown, not JSON)",
            response_model=None, responses={200: {"content": {"text/markdown": {"schema": {"type": "string"}}},
                                                  "description": "The integration's Markdown documentation"}})
def get_documentation(slug: str, session: Caller) -> Response:
    return Response(integrations.get_documentation(slug, session), media_type="text/markdown; charset=utf-8")


@router.post("/{slug}/initiateOauth", summary="integration.initiateOauth → {consentUrl}",
             **answers(schemas.OAuthConsent))
def initiate_oauth(slug: str, session: Caller, body: InitiateOauth | None = None) -> dict[str, Any]:
    return integrations.initiate_oauth(session, slug, redirect_uri=body.redirect_uri if body else None)


@router.post("/{slug}/completeOauth", summary="integration.completeOauth → {value: \"oauth:<uuid>\", extraValues} "
             "(put `value` in a connector's config; tokens stay on the server)", **answers(schemas.OAuthValue))
def complete_oauth(slug: str, body: CompleteOauth, session: Caller) -> dict[str, Any]:
    return integrations.complete_oauth(session, slug, params=body.params)
