"""`workspaceManagement role list`: the workspace's roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.workspace import roles
else:  # imported when a command answers locally: remote mode never loads the store
    roles = lazy_module("lading.services.workspace.roles")

role_app = typer.Typer(help="Roles of the workspace (admin, member).", no_args_is_help=True,
                       context_settings=help_settings())


@role_app.command("list")
def list_() -> None:
    """List the roles."""
    emit(answer("GET", "/workspaceManagement/roles/list", local=lambda s: roles.list_roles(s)))
