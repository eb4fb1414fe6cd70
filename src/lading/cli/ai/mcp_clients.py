"""`lading ai mcp-client …`: connect (try an outside MCP server before putting it in a release)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.ai._remote import answer_without_store
from lading.cli.common import help_settings
from lading.cli.output import emit, parse_json_flag, split_list

if TYPE_CHECKING:
    from lading.services.ai import mcp_clients
else:  # imported when a command answers locally: remote mode never loads the store
    mcp_clients = lazy_module("lading.services.ai.mcp_clients")

mcp_client_app = typer.Typer(help="Outside MCP servers your agents can call.", no_args_is_help=True,
                             context_settings=help_settings())


@mcp_client_app.command("connect")
def connect(
    name: str = typer.Option(..., "--name", help="How releases name this client."),
    url: str = typer.Option(..., "--url", help="The server's streamable-HTTP endpoint (http(s)://…)."),
    disabled_tool_slugs: str = typer.Option(None, "--disabled-tool-slugs", help="Tools never offered (a,b)."),
    authentication: str = typer.Option(None, "--authentication",
                                       help='{"issuedAt","accessToken"} (sent as a bearer token) or null.'),
) -> None:
    """Connect to the server and list its tools; prints the client as a release's `mcpClients` entry
    (token masked). Nothing is stored."""
    client: dict[str, Any] = {"kind": "custom", "name": name, "url": url,
                              "authentication": parse_json_flag("--authentication", authentication),
                              "disabledToolSlugs": split_list(disabled_tool_slugs) or []}
    emit(answer_without_store("POST", "/ai/mcpClients/connect", body={"mcpClient": client},
                              local=lambda: mcp_clients.connect(client),
                              wrap=lambda answered: mcp_clients.connected(client, answered)))
