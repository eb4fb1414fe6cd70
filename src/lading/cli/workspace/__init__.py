"""`lading workspaceManagement …` (alias `workspace`): batch input files for now."""

from __future__ import annotations

from lading.cli.common import command_group
from lading.cli.workspace.files import file_app

workspace_app = command_group("Workspace management: files.", (file_app, "file"))

__all__ = ["workspace_app"]
