"""`ai mcp-client connect`: try an outside MCP server before putting it in a release (spec C §2.8
"Consume"; verbs: list_tools, connect, connected).

Nothing is stored: the client is checked like a release's `mcpClients` entry, the server is asked
for its tools, and the answer lists them. The HTTP route answers `{tools:[…]}` (api.md §6) with each
tool's input schema; the CLI wraps the same list in `{mcpClient}` with the client as a release would
print it (token masked), through `connected`, so the remote CLI wraps the route's answer identically.
"""

from __future__ import annotations

from typing import Any

from lading.domain.errors import LadingError, ValidationError
from lading.services.ai.shapes import MASK, McpClientTool, masked_mcp_client


def _checked(client: Any) -> dict[str, Any]:
    from lading.ai.releases import check_mcp_clients

    if not isinstance(client, dict):
        raise ValidationError("mcpClient must be a JSON object", reason="invalidData")
    checked = check_mcp_clients([client])[0]
    if checked["kind"] != "custom":
        raise LadingError("notSupported: connector MCP clients are not available in this installation yet",
                          reason="notSupported", status_code=501)
    auth = checked.get("authentication")
    if isinstance(auth, dict):
        token = auth.get("accessToken")
        if token is not None and not isinstance(token, str):
            raise ValidationError("authentication.accessToken must be a string", reason="invalidData")
        if token == MASK:
            raise ValidationError("authentication.accessToken is masked: send the token itself to connect",
                                  reason="invalidData")
    return checked


def list_tools(mcp_client: Any) -> dict[str, Any]:
    """The tools the client's server offers: `{tools:[{slug, name, description, config:{jsonSchema}}]}`."""
    from lading.integrations.mcp_client import McpClientError
    from lading.integrations.mcp_client import list_tools as ask

    client = _checked(mcp_client)
    auth = client.get("authentication")
    try:
        tools = ask(client["url"], auth.get("accessToken") if isinstance(auth, dict) else None)
    except McpClientError as exc:
        raise ValidationError(exc.message, reason="mcpConnectionFailed") from None
    out = []
    for tool in tools:
        annotations = tool.get("annotations")
        title = tool.get("title") or (annotations.get("title") if isinstance(annotations, dict) else None)
        description = tool.get("description")
        schema = tool.get("inputSchema")
        out.append(McpClientTool(slug=str(tool["name"]), name=str(title or tool["name"]),
                                 description=description if isinstance(description, str) else None,
                                 config={"jsonSchema": schema if isinstance(schema, dict) else {"type": "object"}})
                   .dump())
    return {"tools": out}


def connected(mcp_client: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The CLI's `{mcpClient}` document from the client it was given and the tools `list_tools` answered."""
    client = {"kind": "custom", "name": mcp_client.get("name"), "url": mcp_client.get("url"),
              "authentication": mcp_client.get("authentication"),
              "disabledToolSlugs": mcp_client.get("disabledToolSlugs") or []}
    tools = [{"slug": t["slug"], "name": t["name"], "description": t["description"]} for t in answer["tools"]]
    return {"mcpClient": {**masked_mcp_client(client), "tools": tools}}


def connect(mcp_client: Any) -> dict[str, Any]:
    """`ai mcp-client connect`: the client as a release would print it, with its server's tools."""
    return connected(_checked(mcp_client), list_tools(mcp_client))
