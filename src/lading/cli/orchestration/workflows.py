"""`orchestration workflow …`."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, session
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

    emit(workflows.list_workflows(session(), folder_uuid=folder_uuid, limit=limit, offset=offset))


@workflow_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """Get a workflow with its deployed nodes."""
    from lading.services.orchestration import workflows

    emit(workflows.get_workflow(session(), uuid))
