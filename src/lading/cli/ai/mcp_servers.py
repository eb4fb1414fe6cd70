"""`ai mcp-server …` (what this workspace publishes over MCP, and the remote MCP servers its agents call)
and `lading mcp` (serving the published ones over stdio)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.ai._remote import present
from lading.cli.common import answer, help_settings, session
from lading.cli.output import emit, parse_json_flag, split_list

if TYPE_CHECKING:
    from lading.services.ai import mcp_servers
else:  # imported when a command answers locally: remote mode never loads the store
    mcp_servers = lazy_module("lading.services.ai.mcp_servers")

mcp_server_app = typer.Typer(help="MCP servers: curated tools, agents and data published to outside MCP clients "
                                  "(--actions/--resources), or remote MCP servers your agents call (--url).",
                             no_args_is_help=True, context_settings=help_settings())

_ACTIONS = typer.Option(None, "--actions", help='JSON array of {"kind":"tool"|"agent","slug","toolUuid"|"agentUuid"|'
                                                '…,"name","description","config","waitUntilFinished"}.')
_RESOURCES = typer.Option(None, "--resources", help='JSON array of {"kind":"model"|"file","slug",…} resources.')
_URL = typer.Option(None, "--url", help="A remote MCP server's streamable-HTTP endpoint (http(s)://…): its tools "
                                        "become callable by agents whose release lists "
                                        '{"kind":"mcpServer","mcpServerUuid"} in mcpClients. Connected to (and its '
                                        "tools listed) before it is saved.")
_AUTHENTICATION = typer.Option(None, "--authentication", help='Remote servers: {"issuedAt","accessToken"} sent as a '
                                                              "bearer token (stored encrypted, printed masked), "
                                                              "or null.")
_DISABLED = typer.Option(None, "--disabled-tool-slugs", help="Remote servers: tools never offered to agents (a,b).")


def _remote_fields(url: str | None, authentication: str | None, disabled: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = present(url=url)
    if authentication is not None:
        fields["authentication"] = parse_json_flag("--authentication", authentication)
    if disabled is not None:
        fields["disabled_tool_slugs"] = split_list(disabled) or []
    return fields


def _body(fields: dict[str, Any]) -> dict[str, Any]:
    """The request body of these service fields (camelCase keys)."""
    names = {"folder_uuid": "folderUuid", "disabled_tool_slugs": "disabledToolSlugs"}
    return {names.get(key, key): value for key, value in fields.items()}


@mcp_server_app.command("list")
def list_servers() -> None:
    """List the workspace's MCP servers, newest first."""
    emit(answer("GET", "/ai/mcpServers/list", local=lambda s: mcp_servers.list_servers(s)))


@mcp_server_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """One MCP server."""
    emit(answer("GET", f"/ai/mcpServers/{uuid}", local=lambda s: mcp_servers.get(s, uuid)))


@mcp_server_app.command("create")
def create(name: str = typer.Option(..., "--name"), actions: str = _ACTIONS, resources: str = _RESOURCES,
           url: str = _URL, authentication: str = _AUTHENTICATION, disabled_tool_slugs: str = _DISABLED,
           description: str = typer.Option(None, "--description"),
           folder_uuid: str = typer.Option(None, "--folder-uuid", help="A folder of kind mcpServer.")) -> None:
    """Create an MCP server: published (--actions/--resources; every tool, agent, model and file it names
    must exist) or remote (--url; refused with mcpConnectionFailed when it cannot be reached)."""
    fields = present(name=name, actions=parse_json_flag("--actions", actions),
                     resources=parse_json_flag("--resources", resources), description=description,
                     folder_uuid=folder_uuid)
    fields.update(_remote_fields(url, authentication, disabled_tool_slugs))
    emit(answer("POST", "/ai/mcpServers", body=_body(fields), local=lambda s: mcp_servers.create(s, **fields)))


@mcp_server_app.command("update")
def update(uuid: str = typer.Option(..., "--uuid", help="The MCP server."),
           name: str = typer.Option(None, "--name"), actions: str = _ACTIONS, resources: str = _RESOURCES,
           url: str = _URL, authentication: str = _AUTHENTICATION, disabled_tool_slugs: str = _DISABLED,
           description: str = typer.Option(None, "--description", help="`null` clears it."),
           folder_uuid: str = typer.Option(None, "--folder-uuid", help="`null` moves the server to the root.")) -> None:
    """Change an MCP server: omitted flags keep their value, arrays are replaced wholesale; a remote
    server's new --url or --authentication is connected to first."""
    fields = present(name=name, actions=parse_json_flag("--actions", actions),
                     resources=parse_json_flag("--resources", resources))
    fields.update(_remote_fields(url, authentication, disabled_tool_slugs))
    if description is not None:
        fields["description"] = None if description == "null" else description
    if folder_uuid is not None:
        fields["folder_uuid"] = None if folder_uuid == "null" else folder_uuid
    emit(answer("PUT", f"/ai/mcpServers/{uuid}", body=_body(fields),
                local=lambda s: mcp_servers.update(s, uuid, **fields)))


@mcp_server_app.command("remove")
def remove(uuid: str = typer.Argument(...)) -> None:
    """Remove an MCP server (clients serving it fail with mcpServerNotFound at their next start)."""
    emit(answer("DELETE", f"/ai/mcpServers/{uuid}", local=lambda s: mcp_servers.remove(s, uuid)))


def register_mcp_command(app: typer.Typer) -> None:
    @app.command("mcp")
    def mcp(server: str = typer.Option(None, "--server", help="Serve this MCP server's tools (default: "
                                                              "$LADING_MCP_SERVER_UUID, else the platform "
                                                              "toolset).")) -> None:
        """Serve the workspace to an MCP client over stdio (stdout carries only the protocol)."""
        from lading.api.mcp_server import serve_stdio

        serve_stdio(session(), server)
