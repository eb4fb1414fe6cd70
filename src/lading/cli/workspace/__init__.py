"""`lading workspaceManagement …` (alias `workspace`): tokens, users, roles, folders, reports, sessions,
batch input files; and `lading user …`, the caller's own profile (`user_management.py`)."""

from __future__ import annotations

from lading.cli.common import command_group
from lading.cli.workspace.files import file_app
from lading.cli.workspace.folders import folder_app
from lading.cli.workspace.reports import report_app
from lading.cli.workspace.roles import role_app
from lading.cli.workspace.sessions import session_app
from lading.cli.workspace.tokens import token_app
from lading.cli.workspace.user_management import user_management_app
from lading.cli.workspace.users import user_app

workspace_app = command_group("Workspace management: tokens, users, roles, folders, reports, sessions, files.",
                              (token_app, "token"), (user_app, "user"), (role_app, "role"), (folder_app, "folder"),
                              (report_app, "report"), (session_app, "session"), (file_app, "file"))

__all__ = ["user_management_app", "workspace_app"]
