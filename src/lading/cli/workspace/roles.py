"""`workspaceManagement role list`: the workspace's roles."""

from __future__ import annotations

import typer

from lading.cli.common import answer, help_settings
from lading.cli.output import emit

role_app = typer.Typer(help="Roles of the workspace (admin, member).", no_args_is_help=True,
                       context_settings=help_settings())


@role_app.command("list")
def list_() -> None:
    """List the roles."""
    from lading.services.workspace import roles

    emit(answer("GET", "/workspaceManagement/roles/list", local=roles.list_roles))
