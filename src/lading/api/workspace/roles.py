"""`/workspaceManagement/roles…`: the workspace's roles (`workspaceManagement role list`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Router, caller
from lading.api._schemas import answers
from lading.api.workspace import _schemas as schemas
from lading.services.session import Session
from lading.services.workspace import roles

router = Router(prefix="/workspaceManagement/roles", tags=["workspaceManagement"])
Caller = Annotated[Session, Depends(caller)]


@router.get("/list", summary="role.all", **answers(schemas.RoleList))
def list_roles(session: Caller) -> dict[str, Any]:
    return roles.list_roles(session)
