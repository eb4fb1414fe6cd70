"""`orchestration workflow …`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.orchestration import workflows
else:  # imported when a command answers locally: remote mode never loads the store
    workflows = lazy_module("lading.services.orchestration.workflows")

workflow_app = typer.Typer(help="Workflows behind tools and plays.", no_args_is_help=True,
                           context_settings=help_settings())


@workflow_app.command("list")
def list_(
    folder_uuid: str = typer.Option(None, "--folder-uuid"),
    limit: int = typer.Option(50, "--limit"),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """List workflows (nodes omitted)."""
    emit(answer("GET", "/orchestration/workflows/list",
                query={"folderUuid": folder_uuid, "limit": limit, "offset": offset},
                local=lambda s: workflows.list_workflows(s, folder_uuid=folder_uuid, limit=limit, offset=offset)))


@workflow_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """Get a workflow with its deployed nodes."""
    emit(answer("GET", f"/orchestration/workflows/{uuid}", local=lambda s: workflows.get_workflow(s, uuid)))
