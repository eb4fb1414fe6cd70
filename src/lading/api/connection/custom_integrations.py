"""`/connection/customIntegrations…`: the client's custom-integration calls answer 501 `notSupported`
(api.md §5: hosting-backed in Cargo; Lading integrations are modules of `lading.integrations`)."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

from fastapi import Depends

from lading.api._http import Router, caller
from lading.api._schemas import never_answers
from lading.domain.errors import LadingError
from lading.services.session import Session

router = Router(prefix="/connection/customIntegrations", tags=["connection"])
Caller = Annotated[Session, Depends(caller)]


def _not_supported() -> NoReturn:
    raise LadingError("notSupported", reason="notSupported", status_code=501)


@router.post("", summary="customIntegration.create: 501 notSupported", **never_answers())
def create_custom_integration(session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    _not_supported()


@router.get("/list", summary="customIntegration.list: 501 notSupported", **never_answers())
def list_custom_integrations(session: Caller) -> dict[str, Any]:
    _not_supported()


@router.get("/{uuid}", summary="customIntegration.get: 501 notSupported", **never_answers())
def get_custom_integration(uuid: str, session: Caller) -> dict[str, Any]:
    _not_supported()


@router.put("/{uuid}", summary="customIntegration.update: 501 notSupported", **never_answers())
def update_custom_integration(uuid: str, session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    _not_supported()


@router.delete("/{uuid}", summary="customIntegration.remove: 501 notSupported", **never_answers())
def remove_custom_integration(uuid: str, session: Caller) -> dict[str, Any]:
    _not_supported()
