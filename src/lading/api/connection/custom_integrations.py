"""`/connection/customIntegrations…`: a workspace's own declared integrations (`connection
custom-integration …`, api.md §5 `customIntegration.*`). The body carries the integration document as
`{"document": {...}}` (the document itself is accepted too); `:uuid` may also be the slug."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Router, caller
from lading.api._schemas import Removed, answers
from lading.api.connection import _schemas as schemas
from lading.services.connection import custom_integrations
from lading.services.session import Session

router = Router(prefix="/connection/customIntegrations", tags=["connection"])
Caller = Annotated[Session, Depends(caller)]


def _document(body: dict[str, Any] | None) -> Any:
    if isinstance(body, dict) and "document" in body and len(body) == 1:
        return body["document"]
    return body


@router.post("", summary="customIntegration.create", **answers(schemas.CustomIntegrationAnswer))
def create_custom_integration(session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return custom_integrations.create(session, document=_document(body))


@router.get("/list", summary="customIntegration.list", **answers(schemas.CustomIntegrationList))
def list_custom_integrations(session: Caller) -> dict[str, Any]:
    return custom_integrations.list_custom(session)


@router.get("/{uuid}", summary="customIntegration.get (uuid or slug)", **answers(schemas.CustomIntegrationAnswer))
def get_custom_integration(uuid: str, session: Caller) -> dict[str, Any]:
    return custom_integrations.get(session, uuid)


@router.put("/{uuid}", summary="customIntegration.update: replace the document",
            **answers(schemas.CustomIntegrationAnswer))
def update_custom_integration(uuid: str, session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return custom_integrations.update(session, uuid, document=_document(body))


@router.delete("/{uuid}", summary="customIntegration.remove", **answers(Removed))
def remove_custom_integration(uuid: str, session: Caller) -> dict[str, Any]:
    return custom_integrations.remove(session, uuid)
