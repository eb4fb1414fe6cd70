"""`POST /ai/mcpClients/connect`: list an outside MCP server's tools (`ai mcp-client connect`, api.md
§6); nothing is stored."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers
from lading.api.ai import _schemas as schemas
from lading.services.ai import mcp_clients
from lading.services.session import Session

router = Router(prefix="/ai/mcpClients", tags=["ai"])
Caller = Annotated[Session, Depends(caller)]


class Connect(Body):
    mcp_client: Any


@router.post("/connect", summary="mcpClient.connect (the server's tools with their input schemas)",
             **answers(schemas.McpClientTools))
def connect(body: Connect, session: Caller) -> dict[str, Any]:
    return mcp_clients.list_tools(body.mcp_client)
