"""`/ai/documents…`: chat canvas documents, not offered yet (api.md §6: 501 `notSupported` for a
caller with a valid token; without one, 401 like every route)."""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

from fastapi import Depends

from lading.api._http import Router, caller
from lading.api._schemas import never_answers
from lading.domain.errors import LadingError
from lading.services.session import Session

router = Router(prefix="/ai/documents", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]


def _not_supported() -> NoReturn:
    raise LadingError("notSupported", reason="notSupported", status_code=501)


@router.get("/list", summary="document.list: 501 notSupported", **never_answers())
def list_documents(session: Caller) -> dict[str, Any]:
    _not_supported()


@router.post("/reset", summary="document.reset: 501 notSupported", **never_answers())
def reset_documents(session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    _not_supported()


@router.post("", summary="document.create: 501 notSupported", **never_answers())
def create_document(session: Caller, body: dict[str, Any] | None = None) -> dict[str, Any]:
    _not_supported()


@router.get("/{uuid}", summary="document.get: 501 notSupported", **never_answers())
def get_document(uuid: str, session: Caller) -> dict[str, Any]:
    _not_supported()
