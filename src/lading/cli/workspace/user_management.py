"""`lading user …`: the caller's own profile (the `userManagement` routes, api.md §10)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, given, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.workspace import users
else:  # imported when a command answers locally: remote mode never loads the store
    users = lazy_module("lading.services.workspace.users")

user_management_app = typer.Typer(help="Your own user profile (see also `whoami`).", no_args_is_help=True,
                                  context_settings=help_settings())


@user_management_app.command("get-current")
def get_current() -> None:
    """Your profile: name, email, picture."""
    emit(answer("GET", "/userManagement/users/current", local=lambda s: users.get_profile(s)))


@user_management_app.command("update")
def update(
    first_name: str = typer.Option(None, "--first-name"),
    last_name: str = typer.Option(None, "--last-name"),
) -> None:
    """Change your first or last name (an empty value clears it); only the given flags change."""
    changes = given(("first_name", first_name, None), ("last_name", last_name, None))
    body = {"firstName": first_name, "lastName": last_name}
    emit(answer("PUT", "/userManagement/users/current", body={k: v for k, v in body.items() if v is not None},
                local=lambda s: users.update_profile(s, **changes)))
