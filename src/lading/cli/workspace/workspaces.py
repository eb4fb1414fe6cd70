"""`workspaceManagement workspace …`: the caller's workspace and the settings Lading keeps for it
(`GET|PUT /workspaceManagement/workspaces/current`, api.md §9)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.workspace import workspaces
else:  # imported when a command answers locally: remote mode never loads the store
    workspaces = lazy_module("lading.services.workspace.workspaces")

workspace_app = typer.Typer(help="The caller's workspace and its settings.", no_args_is_help=True,
                            context_settings=help_settings())


@workspace_app.command("get")
def get() -> None:
    """The caller's workspace with its settings."""
    emit(answer("GET", "/workspaceManagement/workspaces/current", local=workspaces.get_current))


def _cap(value: str) -> Any:
    if value.strip().lower() in ("none", "null"):
        return None
    try:
        return float(value)
    except ValueError:
        from lading.domain.errors import ValidationError, shown

        raise ValidationError(f"--credit-cap must be a positive number of credits or none, got {shown(value)}",
                              reason="invalidCreditCap") from None


@workspace_app.command("update")
def update(
    credit_cap: str = typer.Option(None, "--credit-cap",
                                   help="The most provider credits one batch of this workspace may spend (Lading "
                                        "setting; `none` removes it). A tool's cap or a batch's own --credit-cap "
                                        "may be lower; the lowest applies. Admin only."),
    name: str = typer.Option(None, "--name", help="A new name for the workspace."),
) -> None:
    """Change the workspace's settings; the others keep their values."""
    body: dict[str, Any] = {}
    if credit_cap is not None:
        body["creditCap"] = _cap(credit_cap)
    if name is not None:
        body["name"] = name
    fields = {"credit_cap" if k == "creditCap" else k: v for k, v in body.items()}
    emit(answer("PUT", "/workspaceManagement/workspaces/current", body=body,
                local=lambda s: workspaces.update_current(s, **fields)))
