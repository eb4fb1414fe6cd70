"""`orchestration record …`: a workflow's records (the latest run of each record id)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings, shared_flags
from lading.cli.orchestration._options import FORMAT_HELP, RECORD_FILTERS, scope
from lading.cli.output import emit, split_list

if TYPE_CHECKING:
    from lading.services.orchestration import records
else:  # imported when a command answers locally: remote mode never loads the store
    records = lazy_module("lading.services.orchestration.records")

record_app = typer.Typer(help="List, count, export, measure and cancel records (latest run per record id).",
                         no_args_is_help=True, context_settings=help_settings())


@record_app.command("list")
@shared_flags("filters", RECORD_FILTERS, "batch_uuid", "release_uuid", "statuses")
def list_(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose records to list."), *,
    filters: dict[str, Any],
    limit: int = typer.Option(50, "--limit", help="At most 1000."),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """One row per record id (its most recent matching run), newest first, plus the total count."""
    from lading.cli.orchestration._remote import body_of

    parsed = scope(**filters)
    body = body_of({"workflow_uuid": workflow_uuid, **parsed, "limit": limit, "offset": offset})
    emit(answer("POST", "/orchestration/records/list", body=body,
                local=lambda s: records.list_records(s, workflow_uuid=workflow_uuid, **parsed, limit=limit,
                                                     offset=offset)))


@record_app.command("count")
@shared_flags("filters", RECORD_FILTERS, "batch_uuid", "release_uuid", "statuses")
def count(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose records to count."), *,
    filters: dict[str, Any],
    limit: int = typer.Option(None, "--limit", help="Accepted and ignored: the count covers every record."),
    offset: int = typer.Option(None, "--offset", help="Accepted and ignored."),
) -> None:
    """Count the records matching the filters."""
    from lading.cli.orchestration._remote import body_of

    parsed = scope(**filters)
    emit(answer("POST", "/orchestration/records/count", body=body_of({"workflow_uuid": workflow_uuid, **parsed}),
                local=lambda s: records.count_records(s, workflow_uuid=workflow_uuid, **parsed)))


@record_app.command("download")
@shared_flags("filters", RECORD_FILTERS, "batch_uuid", "release_uuid", "statuses")
def download(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose records to export."), *,
    filters: dict[str, Any],
) -> None:
    """Export every matching record (the record list rows) as CSV; prints {"url"}."""
    from lading.cli.orchestration._remote import body_of

    parsed = scope(**filters)
    emit(answer("POST", "/orchestration/records/download", body=body_of({"workflow_uuid": workflow_uuid, **parsed}),
                local=lambda s: records.download_records(s, workflow_uuid=workflow_uuid, **parsed)))


@record_app.command("download-outputs")
@shared_flags("filters", RECORD_FILTERS, "batch_uuid", "statuses")
def download_outputs(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose records to export."),
    output_node_slug: str = typer.Option(..., "--output-node-slug", help="Node whose output to export."),
    fmt: str = typer.Option("csv", "--format", help=FORMAT_HELP), *,
    filters: dict[str, Any],
    limit: int = typer.Option(None, "--limit", help="Records per file (default: all; at most 1000)."),
    offset: int = typer.Option(0, "--offset", help="Records to skip (newest first)."),
) -> None:
    """Export each record's input and one node's output (its latest run) to a file; prints {"url"}."""
    from lading.cli.orchestration._remote import body_of

    parsed = scope(**filters)
    body = body_of({"workflow_uuid": workflow_uuid, "output_node_slug": output_node_slug, "format": fmt, **parsed,
                    "limit": limit, "offset": offset})
    emit(answer("POST", "/orchestration/records/download-outputs", body=body,
                local=lambda s: records.download_record_outputs(s, workflow_uuid=workflow_uuid,
                                                                output_node_slug=output_node_slug, fmt=fmt,
                                                                **parsed, limit=limit, offset=offset)))


@record_app.command("get-metrics")
@shared_flags("window", RECORD_FILTERS, "release_uuid", "batch_uuid", "created_after", "created_before")
def get_metrics(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow to measure."), *,
    window: dict[str, Any],
) -> None:
    """Per node: executions by status and provider credits, over each record's latest run only."""
    from lading.cli.orchestration._remote import body_of

    parsed = scope(**window)
    emit(answer("POST", "/orchestration/records/metrics", body=body_of({"workflow_uuid": workflow_uuid, **parsed}),
                local=lambda s: records.record_metrics(s, workflow_uuid=workflow_uuid, **parsed)))


@record_app.command("cancel")
def cancel(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow of the records."),
    ids: str = typer.Option(..., "--ids", help="Comma-separated record ids."),
) -> None:
    """Cancel the records' non-terminal runs; running ones stop at their next node boundary."""
    listed = split_list(ids) or []
    emit(answer("POST", "/orchestration/records/cancel", body={"workflowUuid": workflow_uuid, "ids": listed},
                local=lambda s: records.cancel_records(s, workflow_uuid=workflow_uuid, ids=listed)))
