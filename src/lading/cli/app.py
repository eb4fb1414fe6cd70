"""The command tree: the root's own commands, then the groups, each imported when a command line names it
(`cli.tree`); command modules import their services only when a command answers locally (`cli._lazy`)."""

from __future__ import annotations

import typer

from lading import __version__
from lading.cli.ai.mcp_servers import register_mcp_command
from lading.cli.common import help_settings
from lading.cli.system import register_system_commands
from lading.cli.tree import lazy_group

# The groups, in the order `--help` lists them (after the commands of the root itself); each is imported
# when a command line names it (`cli.tree`).
GROUPS = lazy_group(
    "lading.cli",
    (".orchestration:orchestration_app", "orchestration"),
    (".connection:connection_app", "connection"),
    (".storage:storage_app", "storage"),
    (".system_of_record:system_of_record_app", "system-of-record"),
    (".segmentation:segmentation_app", "segmentation"),
    (".workspace:workspace_app", "workspaceManagement"),
    (".workspace:workspace_app", "workspace", {"hidden": True}),
    (".billing:billing_app", "billing"),
    (".ai:ai_app", "ai"),
    (".content:content_app", "content"),
    (".workspace.user_management:user_management_app", "user"),
    (".expression:expression_app", "expression"))

app = typer.Typer(
    name="lading",
    help="Lading: workflow orchestration for revenue teams (Cargo CLI compatible).",
    no_args_is_help=True,
    add_completion=True,
    context_settings=help_settings(),
    pretty_exceptions_enable=False,
    cls=GROUPS,
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


register_system_commands(app)
register_mcp_command(app)
