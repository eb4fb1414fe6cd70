"""`orchestration workflow …`."""

from __future__ import annotations

import typer

from lading.cli.common import answer, help_settings
from lading.cli.output import emit

workflow_app = typer.Typer(help="Workflows behind tools and plays.", no_args_is_help=True,
                           context_settings=help_settings())


@workflow_app.command("list")
def list_(
    folder_uuid: str = typer.Option(None, "--folder-uuid"),
    limit: int = typer.Option(50, "--limit"),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """List workflows (nodes omitted)."""
    from lading.services.orchestration import workflows

    emit(answer("GET", "/orchestration/workflows/list",
                query={"folderUuid": folder_uuid, "limit": limit, "offset": offset},
                local=lambda s: workflows.list_workflows(s, folder_uuid=folder_uuid, limit=limit, offset=offset)))


@workflow_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """Get a workflow with its deployed nodes."""
    from lading.services.orchestration import workflows

    emit(answer("GET", f"/orchestration/workflows/{uuid}", local=lambda s: workflows.get_workflow(s, uuid)))
