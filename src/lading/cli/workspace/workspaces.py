"""`workspaceManagement workspace …`: the caller's workspace (`GET /workspaceManagement/workspaces/current`,
api.md §9) and its credit cap per batch, a Lading setting (`…/workspaces/current/credit-cap`)."""

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

workspace_app = typer.Typer(help="The caller's workspace and its credit cap.", no_args_is_help=True,
                            context_settings=help_settings())


@workspace_app.command("get")
def get() -> None:
    """The caller's workspace with its settings."""
    emit(answer("GET", "/workspaceManagement/workspaces/current", local=workspaces.get_current))


@workspace_app.command("get-credit-cap")
def get_credit_cap() -> None:
    """The most provider credits one batch of this workspace may spend: {"creditCap": n | null}."""
    emit(answer("GET", "/workspaceManagement/workspaces/current/credit-cap", local=workspaces.get_credit_cap))


def _cap(value: str) -> Any:
    if value.strip().lower() in ("none", "null"):
        return None
    try:
        return float(value)
    except ValueError:
        from lading.domain.errors import ValidationError, shown

        raise ValidationError(f"--credit-cap must be a positive number of credits or none, got {shown(value)}",
                              reason="invalidCreditCap") from None


@workspace_app.command("set-credit-cap")
def set_credit_cap(
    credit_cap: str = typer.Option(..., "--credit-cap",
                                   help="Credits (a positive number), or `none` to remove the cap."),
) -> None:
    """Set the most provider credits one batch of this workspace may spend (Lading setting; admin only).
    Reaching it stops the batch cleanly: runs not started are cancelled (creditCapReached), runs in
    flight stop after their current node, the batch ends cancelled with data.stopReason. A tool's cap
    or a batch's own --credit-cap may be lower: the lowest applies. Batches already created keep theirs."""
    value = _cap(credit_cap)
    emit(answer("PUT", "/workspaceManagement/workspaces/current/credit-cap", body={"creditCap": value},
                local=lambda s: workspaces.set_credit_cap(s, value)))
