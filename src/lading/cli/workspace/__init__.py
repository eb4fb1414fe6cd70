"""`lading workspaceManagement …` (alias `workspace`): the workspace's settings, tokens, users, roles,
folders, reports, sessions, batch input files; and `lading user …`, the caller's own profile (`user_management.py`)."""

from __future__ import annotations

from lading.cli.common import command_group

workspace_app = command_group(
    "Workspace management: tokens, users, roles, folders, reports, sessions, files.",
    __name__,
    (".tokens:token_app", "token"),
    (".users:user_app", "user"),
    (".roles:role_app", "role"),
    (".folders:folder_app", "folder"),
    (".reports:report_app", "report"),
    (".sessions:session_app", "session"),
    (".files:file_app", "file"),
    (".workspaces:workspace_app", "workspace"))

__all__ = ["workspace_app"]
