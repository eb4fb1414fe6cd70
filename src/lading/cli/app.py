"""The command tree. Command modules import services lazily so `lading --help` stays fast."""

from __future__ import annotations

import typer

from lading import __version__
from lading.cli.ai import ai_app
from lading.cli.ai.mcp_servers import register_mcp_command
from lading.cli.billing import billing_app
from lading.cli.common import add_members, help_settings
from lading.cli.connection import connection_app
from lading.cli.content import content_app
from lading.cli.expression import expression_app
from lading.cli.orchestration import orchestration_app
from lading.cli.segmentation import segmentation_app
from lading.cli.storage import storage_app
from lading.cli.system import register_system_commands
from lading.cli.workspace import user_management_app, workspace_app

app = typer.Typer(
    name="lading",
    help="Lading: workflow orchestration for revenue teams (Cargo CLI compatible).",
    no_args_is_help=True,
    add_completion=True,
    context_settings=help_settings(),
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", help="Print the program version.", callback=_version,
                                 is_eager=True),
) -> None:
    """Lading command-line interface. Every command prints one JSON document on stdout."""


add_members(app, (orchestration_app, "orchestration"), (connection_app, "connection"), (storage_app, "storage"),
            (segmentation_app, "segmentation"), (workspace_app, "workspaceManagement"),
            (workspace_app, "workspace", {"hidden": True}), (billing_app, "billing"), (ai_app, "ai"),
            (content_app, "content"), (user_management_app, "user"), (expression_app, "expression"))
register_system_commands(app)
register_mcp_command(app)
