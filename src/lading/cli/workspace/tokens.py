"""`workspaceManagement token …`: API tokens (admin only; the value is printed once, by `create`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, given, help_settings
from lading.cli.output import emit, parse_json_flag

if TYPE_CHECKING:
    from lading.services.workspace import tokens
else:  # imported when a command answers locally: remote mode never loads the store
    tokens = lazy_module("lading.services.workspace.tokens")

token_app = typer.Typer(help="API tokens: each binds to one workspace; the value is shown once.",
                        no_args_is_help=True, context_settings=help_settings())


@token_app.command("list")
def list_() -> None:
    """List the workspace's tokens (values are never shown again: `********`)."""
    emit(answer("GET", "/workspaceManagement/tokens/list", local=lambda s: tokens.list_tokens(s)))


@token_app.command("create")
def create(
    name: str = typer.Option(..., "--name", help="What the token is for: the only way to tell tokens apart."),
    permissions: str = typer.Option(None, "--permissions",
                                    help='Rules narrowing the owner\'s role: [{"effect":"allow"|"deny",'
                                         '"resources":[uuid…]|null,"actions":["orchestration:*",…]}].'),
    description: str = typer.Option(None, "--description"),
) -> None:
    """Create a token bound to this workspace; its value is in this answer only. On the server machine
    (embedded store), `LADING_WORKSPACE_NAME` picks the workspace it binds to, creating it if needed."""
    rules = parse_json_flag("--permissions", permissions)
    body = {"name": name, "permissions": rules, "description": description}
    emit(answer("POST", "/workspaceManagement/tokens", body=body,
                local=lambda s: tokens.create_token(s, name=name, permissions=rules, description=description)))


@token_app.command("update")
def update(
    uuid: str = typer.Argument(..., help="Token uuid."),
    name: str = typer.Option(None, "--name"),
    description: str = typer.Option(None, "--description"),
    permissions: str = typer.Option(None, "--permissions", help="Replaces the rules (`null`: the owner's role)."),
) -> None:
    """Rename a token or change its description or rules."""
    changes = given(("name", name, None), ("description", description, None),
                    ("permissions", permissions, lambda raw: parse_json_flag("--permissions", raw)))
    emit(answer("PATCH", f"/workspaceManagement/tokens/{uuid}", body=changes,
                local=lambda s: tokens.update_token(s, uuid, **changes)))


@token_app.command("remove")
def remove(uuid: str = typer.Argument(..., help="Token uuid.")) -> None:
    """Revoke a token: requests bearing it answer `unauthorized` at once."""
    emit(answer("DELETE", f"/workspaceManagement/tokens/{uuid}", local=lambda s: tokens.remove_token(s, uuid)))
