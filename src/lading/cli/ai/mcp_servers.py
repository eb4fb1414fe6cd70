"""`ai mcp-server …` (what this workspace publishes over MCP) and `lading mcp` (serving it over stdio)."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
from lading.cli.output import emit, parse_json_flag

mcp_server_app = typer.Typer(help="MCP servers: curated tools, agents and data published to outside MCP clients.",
                             no_args_is_help=True, context_settings=help_settings())

_ACTIONS = typer.Option(None, "--actions", help='JSON array of {"kind":"tool"|"agent","slug","toolUuid"|"agentUuid"|'
                                                '…,"name","description","config","waitUntilFinished"}.')
_RESOURCES = typer.Option(None, "--resources", help='JSON array of {"kind":"model"|"file","slug",…} resources.')


@mcp_server_app.command("list")
def list_servers() -> None:
    """List the workspace's MCP servers, newest first."""
    from lading.services.ai import mcp_servers

    emit(mcp_servers.list_servers(session()))


@mcp_server_app.command("create")
def create(name: str = typer.Option(..., "--name"), actions: str = _ACTIONS,
           resources: str = _RESOURCES) -> None:
    """Create an MCP server; every tool, agent, model and file it names must exist."""
    from lading.services.ai import mcp_servers

    emit(mcp_servers.create(session(), name=name, actions=parse_json_flag("--actions", actions),
                            resources=parse_json_flag("--resources", resources)))


@mcp_server_app.command("update")
def update(uuid: str = typer.Option(..., "--uuid", help="The MCP server."),
           name: str = typer.Option(None, "--name"), actions: str = _ACTIONS,
           resources: str = _RESOURCES) -> None:
    """Change an MCP server: omitted flags keep their value, arrays are replaced wholesale."""
    from lading.services.ai import mcp_servers

    emit(mcp_servers.update(session(), uuid, name=name, actions=parse_json_flag("--actions", actions),
                            resources=parse_json_flag("--resources", resources)))


@mcp_server_app.command("remove")
def remove(uuid: str = typer.Argument(...)) -> None:
    """Remove an MCP server (clients serving it fail with mcpServerNotFound at their next start)."""
    from lading.services.ai import mcp_servers

    emit(mcp_servers.remove(session(), uuid))


def register_mcp_command(app: typer.Typer) -> None:
    @app.command("mcp")
    def mcp(server: str = typer.Option(None, "--server", help="Serve this MCP server's tools (default: "
                                                              "$LADING_MCP_SERVER_UUID, else the platform "
                                                              "toolset).")) -> None:
        """Serve the workspace to an MCP client over stdio (stdout carries only the protocol)."""
        from lading.api.mcp_server import serve_stdio

        serve_stdio(session(), server)
