"""`/workspaceManagement/workspaces…`: the token's workspace and its settings (api.md §9)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers, never_answers
from lading.api.workspace import _schemas as schemas
from lading.services.session import Session
from lading.services.workspace import workspaces

router = Router(prefix="/workspaceManagement/workspaces", tags=["workspaceManagement"])
Caller = Annotated[Session, Depends(caller)]


class WorkspaceUpdate(Body):
    name: str | None = None
    allowed_email_domains: list[str] | None = None
    logo_base64: str | None = None
    metadata: dict[str, Any] | None = None
    default_role_uuid: str | None = None
    allowed_login_providers: list[str] | None = None
    open_ai_api_key: str | None = None
    syncs: list[Any] | None = None
    chrome_extension_master_agent_uuid: str | None = None
    chrome_extension_available_agent_uuids: list[str] | None = None
    # Lading addition: the most provider credits one batch may spend (null removes the cap).
    credit_cap: Any = None


@router.get("/current", summary="workspace.getCurrent", **answers(schemas.WorkspaceAnswer))
def current_workspace(session: Caller) -> dict[str, Any]:
    return workspaces.get_current(session)


@router.get("/list", summary="workspace.all (the token's own workspace only)", **answers(schemas.WorkspaceList))
def list_workspaces(session: Caller) -> dict[str, Any]:
    return workspaces.list_workspaces(session)


@router.put("/current", summary="workspace.update (admin; syncs and Chrome-extension settings: 501)",
            **answers(schemas.WorkspaceAnswer))
def update_workspace(body: WorkspaceUpdate, session: Caller) -> dict[str, Any]:
    return workspaces.update_current(session, **body.given())


class CreditCapUpdate(Body):
    credit_cap: Any = None


@router.get("/current/credit-cap", summary="workspace credit cap (Lading): the most provider credits one batch may "
            "spend", **answers(schemas.CreditCapAnswer))
def get_credit_cap(session: Caller) -> dict[str, Any]:
    return workspaces.get_credit_cap(session)


@router.put("/current/credit-cap", summary="workspace credit cap (Lading, admin): set it, or remove it with null",
            **answers(schemas.CreditCapAnswer))
def set_credit_cap(body: CreditCapUpdate, session: Caller) -> dict[str, Any]:
    return workspaces.set_credit_cap(session, body.credit_cap)


@router.post("", summary="workspace.create: 501 notSupported (the operator makes workspaces)", **never_answers())
def create_workspace(session: Caller) -> dict[str, Any]:
    return workspaces.create_workspace(session)
