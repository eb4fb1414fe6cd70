"""`lading workspaceManagement …` (alias `workspace`): tokens, batch input files."""

from __future__ import annotations

from lading.cli.common import command_group
from lading.cli.workspace.files import file_app
from lading.cli.workspace.tokens import token_app

workspace_app = command_group("Workspace management: tokens, files.", (token_app, "token"), (file_app, "file"))

__all__ = ["workspace_app"]
