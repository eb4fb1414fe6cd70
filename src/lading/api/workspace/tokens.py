"""`/workspaceManagement/tokens…`: API tokens (`workspaceManagement token …`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import Removed, answers
from lading.api.workspace import _schemas as schemas
from lading.services.session import Session
from lading.services.workspace import tokens

router = Router(prefix="/workspaceManagement/tokens", tags=["workspaceManagement"])
Caller = Annotated[Session, Depends(caller)]


class TokenCreate(Body):
    name: str
    permissions: list[dict[str, Any]] | None = None
    description: str | None = None


class TokenUpdate(Body):
    name: str | None = None
    description: str | None = None
    permissions: list[dict[str, Any]] | None = None


@router.get("/list", summary="token.all", **answers(schemas.TokenList))
def list_tokens(session: Caller) -> dict[str, Any]:
    return tokens.list_tokens(session)


@router.post("", summary="token.create (the value is in this answer only)", **answers(schemas.TokenAnswer))
def create_token(body: TokenCreate, session: Caller) -> dict[str, Any]:
    return tokens.create_token(session, **body.given())


@router.patch("/{uuid}", summary="token.update", **answers(schemas.TokenAnswer))
def update_token(uuid: str, body: TokenUpdate, session: Caller) -> dict[str, Any]:
    return tokens.update_token(session, uuid, **body.given())


@router.delete("/{uuid}", summary="token.remove (answers 401 from the next request on)", **answers(Removed))
def remove_token(uuid: str, session: Caller) -> dict[str, Any]:
    return tokens.remove_token(session, uuid)
