"""`ai mcp-client connect`: try an outside MCP server before putting it in a release (spec C §2.8
"Consume"; verbs: list_tools, connect, connected); and, for the agent runtime, `client_tools`: a
release's `mcpClients` as the model's tools.

Nothing is stored: the client is checked like a release's `mcpClients` entry, the server is asked
for its tools, and the answer lists them. The HTTP route answers `{tools:[…]}` (api.md §6) with each
tool's input schema; the CLI wraps the same list in `{mcpClient}` with the client as a release would
print it (token masked), through `connected`, so the remote CLI wraps the route's answer identically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lading.ai.turn import AgentTool, ToolResult
from lading.domain.errors import LadingError, ValidationError
from lading.services.ai.shapes import MASK, McpClientTool, masked_mcp_client
from lading.services.session import Session


def _checked(client: Any) -> dict[str, Any]:
    from lading.ai.releases import check_mcp_clients

    if not isinstance(client, dict):
        raise ValidationError("mcpClient must be a JSON object", reason="invalidData")
    checked = check_mcp_clients([client])[0]
    if checked["kind"] == "mcpServer":
        raise ValidationError("an mcpServer client is a registered remote MCP server: `ai mcp-server get "
                              f"{checked['mcpServerUuid']}` shows its tools", reason="invalidData")
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
    from lading.integrations.mcp_client import McpClientError, described_tools

    client = _checked(mcp_client)
    auth = client.get("authentication")
    try:
        tools = described_tools(client["url"], auth.get("accessToken") if isinstance(auth, dict) else None)
    except McpClientError as exc:
        raise ValidationError(exc.message, reason="mcpConnectionFailed") from None
    out = [McpClientTool(slug=t["slug"], name=t["name"], description=t["description"],
                         config={"jsonSchema": t["jsonSchema"]}).dump() for t in tools]
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


# --- the agent runtime's side: a release's `mcpClients` as model tools -------------------------------

_SLUG = re.compile(r"[^a-zA-Z0-9_]")
MAX_SLUG = 64


@dataclass(frozen=True)
class _Target:
    """One client resolved: the name its tools are prefixed with on a collision, where it is, its token."""

    name: str
    url: str
    access_token: str | None
    disabled: frozenset[str]


def _target(session: Session, agent_uuid: str | None, client: dict[str, Any]) -> _Target:
    from lading.services.ai.mcp_servers import remote_server
    from lading.services.ai.releases import unseal_mcp_authentication

    disabled = set(client.get("disabledToolSlugs") or [])
    if client.get("kind") == "mcpServer":
        server = remote_server(session, str(client.get("mcpServerUuid")))
        return _Target(str(client.get("name") or server.name), server.url, server.access_token,
                       frozenset(disabled | set(server.disabled_tool_slugs)))
    auth = unseal_mcp_authentication(session, agent_uuid or "", client) if agent_uuid else client.get("authentication")
    token = auth.get("accessToken") if isinstance(auth, dict) else None
    return _Target(str(client.get("name")), str(client.get("url")), token if isinstance(token, str) else None,
                   frozenset(disabled))


def _unique(name: str, prefix: str, taken: set[str]) -> str:
    """The tool's own name when free; else prefixed with its client's name (then numbered)."""
    slug = _SLUG.sub("_", name)[:MAX_SLUG] or "tool"
    if slug in taken:
        slug = f"{_SLUG.sub('_', prefix)}_{slug}"[:MAX_SLUG]
    base, n = slug, 2
    while slug in taken:
        slug = f"{base[:MAX_SLUG - len(str(n)) - 1]}_{n}"
        n += 1
    taken.add(slug)
    return slug


def _caller(target: _Target, name: str) -> Any:
    async def call(arguments: Any) -> ToolResult:
        from lading.integrations.mcp_client import McpClientError, call_tool

        given = arguments if isinstance(arguments, dict) else {} if arguments is None else {"input": arguments}
        try:
            outcome = await call_tool(target.url, target.access_token, name, given)
        except McpClientError as exc:  # the model reads it as the tool's error and carries on
            return ToolResult({"error": exc.message}, is_error=True)
        return ToolResult({"error": outcome.output} if outcome.is_error else outcome.output, is_error=outcome.is_error)
    return call


def client_tools(session: Session, clients: list[dict[str, Any]], agent_uuid: str | None,
                 taken: set[str]) -> tuple[list[AgentTool], list[str]]:
    """Every tool of every client but its disabled ones, as model tools whose calls go to the client's
    server (each call in an MCP session of its own). A tool named like one already offered (`taken`:
    the release's actions, resources, other clients' tools) is prefixed with its client's name.

    A client whose server cannot be listed now offers nothing, and the second list says so in a
    sentence for the system prompt: the turn goes on with the other tools rather than failing."""
    from lading.integrations.mcp_client import McpClientError, list_tools

    tools: list[AgentTool] = []
    unavailable: list[str] = []
    for client in clients:
        target = _target(session, agent_uuid, client)
        try:
            listed = list_tools(target.url, target.access_token)
        except McpClientError as exc:
            unavailable.append(f"The tools of the MCP server '{target.name}' are unavailable in this turn "
                               f"({exc.message}).")
            continue
        for tool in listed:
            name = str(tool["name"])
            if name in target.disabled:
                continue
            schema = tool.get("inputSchema")
            schema = dict(schema) if isinstance(schema, dict) else {}
            schema.setdefault("type", "object")
            schema.setdefault("properties", {})
            description = tool.get("description")
            tools.append(AgentTool(slug=_unique(name, target.name, taken),
                                   description=description if isinstance(description, str) else name,
                                   input_schema=schema, call=_caller(target, name)))
    return tools, unavailable
