"""`/ai/mcpServers…`: what this workspace publishes over MCP, and the remote MCP servers its agents call
(`url`; `ai mcp-server …`, api.md §6). No Lading server is read-only, so `mcpServerIsReadOnly` is never
answered."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import Removed, answers
from lading.api.ai import _schemas as schemas
from lading.services.ai import mcp_servers
from lading.services.session import Session

router = Router(prefix="/ai/mcpServers", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]


class McpServerCreate(Body):
    name: Any
    actions: Any = None
    resources: Any = None
    description: Any = None
    folder_uuid: Any = None
    url: Any = None
    authentication: Any = None
    disabled_tool_slugs: Any = None


class McpServerUpdate(Body):
    name: Any = None
    actions: Any = None
    resources: Any = None
    description: Any = None
    folder_uuid: Any = None
    url: Any = None
    authentication: Any = None
    disabled_tool_slugs: Any = None


@router.get("/list", summary="mcpServer.all (newest first)", **answers(schemas.McpServerList))
def list_servers(session: Caller) -> dict[str, Any]:
    return mcp_servers.list_servers(session)


@router.get("/{uuid}", summary="mcpServer.get", **answers(schemas.McpServerAnswer))
def get_server(uuid: str, session: Caller) -> dict[str, Any]:
    return mcp_servers.get(session, uuid)


@router.post("", summary="mcpServer.create (published: every tool, agent, model and file it names must exist; "
                          "remote: `url` is connected to first)",
             **answers(schemas.McpServerAnswer))
def create_server(body: McpServerCreate, session: Caller) -> dict[str, Any]:
    return mcp_servers.create(session, **body.given())


@router.put("/{uuid}", summary="mcpServer.update (arrays are replaced wholesale)", **answers(schemas.McpServerAnswer))
def update_server(uuid: str, body: McpServerUpdate, session: Caller) -> dict[str, Any]:
    return mcp_servers.update(session, uuid, **body.given())


@router.delete("/{uuid}", summary="mcpServer.remove", **answers(Removed))
def remove_server(uuid: str, session: Caller) -> dict[str, Any]:
    return mcp_servers.remove(session, uuid)
