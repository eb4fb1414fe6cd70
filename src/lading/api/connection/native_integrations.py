"""`/connection/nativeIntegrations`: the built-in actions of native nodes (`connection
native-integration get`, api.md §5)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Router, caller
from lading.api._schemas import answers
from lading.api.connection import _schemas as schemas
from lading.services.connection import native_integrations
from lading.services.session import Session

router = Router(prefix="/connection/nativeIntegrations", tags=["connection"])
Caller = Annotated[Session, Depends(caller)]


@router.get("", summary="nativeIntegration.get", **answers(schemas.NativeIntegrationAnswer))
def get_native_integration(session: Caller) -> dict[str, Any]:
    return native_integrations.get()
