"""`workspaceManagement user …`: the workspace's users (writes are admin-only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.workspace import users
else:  # imported when a command answers locally: remote mode never loads the store
    users = lazy_module("lading.services.workspace.users")

user_app = typer.Typer(help="Users of the workspace and their roles (admin, member).", no_args_is_help=True,
                       context_settings=help_settings())


@user_app.command("list")
def list_() -> None:
    """List the workspace's users."""
    emit(answer("GET", "/workspaceManagement/users/list", local=lambda s: users.list_users(s)))


@user_app.command("get-current")
def get_current() -> None:
    """The current user (the token's owner; the workspace's admin in embedded mode)."""
    emit(answer("GET", "/workspaceManagement/users/current", local=lambda s: users.get_current_user(s)))


@user_app.command("create")
def create(
    user_email: str = typer.Option(..., "--user-email", help="The new member's email address."),
    role_slug: str = typer.Option(..., "--role-slug", help="admin or member."),
) -> None:
    """Add a user to the workspace at once (admin only)."""
    emit(answer("POST", "/workspaceManagement/users", body={"userEmail": user_email, "roleSlug": role_slug},
                local=lambda s: users.create_user(s, user_email=user_email, role_slug=role_slug)))


@user_app.command("update")
def update(
    user_uuid: str = typer.Option(..., "--user-uuid"),
    role_slug: str = typer.Option(..., "--role-slug", help="admin or member."),
) -> None:
    """Change a user's role (admin only); their tokens follow at once. The last admin stays admin."""
    emit(answer("PUT", f"/workspaceManagement/users/{user_uuid}", body={"roleSlug": role_slug},
                local=lambda s: users.update_user(s, user_uuid, role_slug=role_slug)))


def _read_password(from_stdin: bool) -> str:
    """The new password from stdin (one line, its line ending dropped) or a hidden, confirmed prompt:
    never a flag value, which would sit in shell history and the process list. Without a terminal to
    prompt on, `--password-stdin` is required (a usage error, exit 2)."""
    import sys

    from lading.domain.errors import UsageError

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError("error: no terminal to prompt for the password on; pipe it in with --password-stdin")
    try:
        return str(typer.prompt("New password", hide_input=True, confirmation_prompt=True, err=True))
    except (EOFError, typer.Abort) as exc:
        raise UsageError("error: no password given") from exc


@user_app.command("set-password")
def set_password(
    user_uuid: str = typer.Option(..., "--user-uuid"),
    password_stdin: bool = typer.Option(False, "--password-stdin",
                                        help="Read the password from stdin instead of a hidden prompt."),
) -> None:
    """Set a user's console sign-in password (at least 12 characters; admin only for another user)."""
    password = _read_password(password_stdin)
    emit(answer("PUT", f"/workspaceManagement/users/{user_uuid}/password", body={"password": password},
                local=lambda s: users.set_password(s, user_uuid, password=password)))


@user_app.command("remove")
def remove(user_uuid: str = typer.Option(..., "--user-uuid")) -> None:
    """Remove a user (admin only); their tokens answer `unauthorized` at once. The last admin stays."""
    emit(answer("DELETE", "/workspaceManagement/users", body={"userUuid": user_uuid},
                local=lambda s: users.remove_user(s, user_uuid)))
