"""`storage run …`: list, get, cancel — the extractor syncs of connector models (started by `storage
model refresh`, a model's `schedule`, or `segment fetch --sync`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings
from lading.cli.output import emit

if TYPE_CHECKING:
    from lading.services.storage import runs
else:  # imported when a command answers locally: remote mode never loads the store
    runs = lazy_module("lading.services.storage.runs")

run_app = typer.Typer(help="Storage runs: the extractor syncs of connector models.", no_args_is_help=True,
                      context_settings=help_settings())


@run_app.command("list")
def list_(
    model_uuid: str = typer.Option(None, "--model-uuid", help="Only this model's syncs."),
    statuses: list[str] = typer.Option(None, "--status", help="pending, running, success, error or cancelled "
                                                              "(repeatable)."),
    limit: int = typer.Option(50, "--limit"),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """Sync history, newest first: status, mode (full/incremental), cursors, pages and record counts."""
    emit(answer("GET", "/storage/runs/list",
                query={"modelUuid": model_uuid, "statuses": statuses or None, "limit": limit, "offset": offset},
                local=lambda s: runs.list_runs(s, model_uuid=model_uuid, statuses=statuses or None, limit=limit,
                                               offset=offset)))


@run_app.command("get")
def get(uuid: str = typer.Argument(..., help="Run uuid.")) -> None:
    """One sync."""
    emit(answer("GET", f"/storage/runs/{uuid}", local=lambda s: runs.get_run(s, uuid)))


@run_app.command("cancel")
def cancel(uuid: str = typer.Argument(..., help="Run uuid.")) -> None:
    """Stop a sync still running (its page in flight is not committed)."""
    emit(answer("POST", f"/storage/runs/{uuid}/cancel", body={}, local=lambda s: runs.cancel_run(s, uuid)))
