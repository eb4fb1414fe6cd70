"""`lading workspaceManagement …` (alias `workspace`): batch input files for now."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings
from lading.cli.workspace.files import file_app

workspace_app = typer.Typer(help="Workspace management: files.", no_args_is_help=True,
                            context_settings=help_settings())
workspace_app.add_typer(file_app, name="file")

__all__ = ["workspace_app"]
