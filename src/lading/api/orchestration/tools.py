"""`/orchestration/tools…`: on-demand workflows (`orchestration tool …`, api.md §2.2)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import Removed, answers
from lading.api.orchestration import _schemas as schemas
from lading.api.orchestration._common import refuse_unless_empty
from lading.services.orchestration import http_reasons, tools
from lading.services.session import Session

router = Router(prefix="/orchestration/tools", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


class ToolList(Query):
    folder_uuid: str | None = None


# `icon` and `triggers` are checked by the service (as the CLI's flags are): one refusal on both faces.
class ToolCreate(Body):
    name: str
    icon: Any
    description: str | None = None
    triggers: Any = None
    folder_uuid: str | None = None
    # Lading addition: the most provider credits one batch of the tool may spend.
    credit_cap: Any = None


class ToolUpdate(Body):
    name: str | None = None
    icon: Any = None
    description: str | None = None
    triggers: Any = None
    public_form: dict[str, Any] | None = None
    folder_uuid: str | None = None
    template: Any = None
    # Lading addition (null removes the cap).
    credit_cap: Any = None


@router.get("/list", summary="tool.all", openapi_extra=query_parameters(ToolList), **answers(schemas.ToolList))
def list_tools(session: Caller, params: Annotated[ToolList, Depends(query(ToolList))]) -> dict[str, Any]:
    return tools.list_tools(session, folder_uuid=params.folder_uuid)


@router.get("/{uuid}", summary="tool.get", **answers(schemas.ToolAnswer))
def get_tool(uuid: str, session: Caller) -> dict[str, Any]:
    return tools.get_tool(session, uuid)


@router.post("", summary="tool.create (its workflow gets a start → end draft)", **answers(schemas.ToolAnswer))
def create_tool(body: ToolCreate, session: Caller) -> dict[str, Any]:
    return tools.create_tool(session, name=body.name, icon=body.icon, description=body.description,
                             triggers=body.triggers, folder_uuid=body.folder_uuid, credit_cap=body.credit_cap)


@router.put("/{uuid}", summary="tool.update (`triggers` replaces the list; `folderUuid` null = root)",
            **answers(schemas.ToolAnswer))
def update_tool(uuid: str, body: ToolUpdate, session: Caller) -> dict[str, Any]:
    changes = body.given()
    refuse_unless_empty(changes.pop("public_form", None), "public forms are not available on tools yet")
    refuse_unless_empty(changes.pop("template", None), "applying a template to a tool is not available yet")
    with http_reasons.http_reasons(http_reasons.TOOL_WRITE):
        return tools.update_tool(session, uuid, **changes)


@router.delete("/{uuid}", summary="tool.remove", **answers(Removed))
def remove_tool(uuid: str, session: Caller) -> dict[str, Any]:
    with http_reasons.http_reasons(http_reasons.TOOL_WRITE):
        return tools.remove_tool(session, uuid)
