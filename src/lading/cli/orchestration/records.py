"""`orchestration record …`: a workflow's records (the latest run of each record id)."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, parse_date_option, session
from lading.cli.output import emit, split_list

record_app = typer.Typer(help="List, count, export, measure and cancel records (latest run per record id).",
                         no_args_is_help=True, context_settings=help_settings())

_STATUSES_HELP = "Comma-separated statuses (aliases: finished = success, failed = error)."


@record_app.command("list")
def list_(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose records to list."),
    batch_uuid: str = typer.Option(None, "--batch-uuid", help="Only runs of this batch."),
    release_uuid: str = typer.Option(None, "--release-uuid", help="Only runs of this release."),
    statuses: str = typer.Option(None, "--statuses", help=_STATUSES_HELP),
    limit: int = typer.Option(50, "--limit", help="At most 1000."),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """One row per record id (its most recent matching run), newest first, plus the total count."""
    from lading.services.orchestration import records

    emit(records.list_records(session(), workflow_uuid=workflow_uuid, batch_uuid=batch_uuid,
                              release_uuid=release_uuid, statuses=split_list(statuses), limit=limit, offset=offset))


@record_app.command("count")
def count(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose records to count."),
    batch_uuid: str = typer.Option(None, "--batch-uuid", help="Only runs of this batch."),
    release_uuid: str = typer.Option(None, "--release-uuid", help="Only runs of this release."),
    statuses: str = typer.Option(None, "--statuses", help=_STATUSES_HELP),
    limit: int = typer.Option(None, "--limit", help="Accepted and ignored: the count covers every record."),
    offset: int = typer.Option(None, "--offset", help="Accepted and ignored."),
) -> None:
    """Count the records matching the filters."""
    from lading.services.orchestration import records

    emit(records.count_records(session(), workflow_uuid=workflow_uuid, batch_uuid=batch_uuid,
                               release_uuid=release_uuid, statuses=split_list(statuses)))


@record_app.command("download")
def download(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose records to export."),
    batch_uuid: str = typer.Option(None, "--batch-uuid", help="Only runs of this batch."),
    release_uuid: str = typer.Option(None, "--release-uuid", help="Only runs of this release."),
    statuses: str = typer.Option(None, "--statuses", help=_STATUSES_HELP),
) -> None:
    """Export every matching record (the record list rows) as CSV; prints {"url"}."""
    from lading.services.orchestration import records

    emit(records.download_records(session(), workflow_uuid=workflow_uuid, batch_uuid=batch_uuid,
                                  release_uuid=release_uuid, statuses=split_list(statuses)))


@record_app.command("download-outputs")
def download_outputs(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose records to export."),
    output_node_slug: str = typer.Option(..., "--output-node-slug", help="Node whose output to export."),
    fmt: str = typer.Option("csv", "--format", help="File format: csv (default) or json."),
    batch_uuid: str = typer.Option(None, "--batch-uuid", help="Only runs of this batch."),
    statuses: str = typer.Option(None, "--statuses", help=_STATUSES_HELP),
    limit: int = typer.Option(None, "--limit", help="Records per file (default: all; at most 1000)."),
    offset: int = typer.Option(0, "--offset", help="Records to skip (newest first)."),
) -> None:
    """Export each record's input and one node's output (its latest run) to a file; prints {"url"}."""
    from lading.services.orchestration import records

    emit(records.download_record_outputs(session(), workflow_uuid=workflow_uuid, output_node_slug=output_node_slug,
                                         fmt=fmt, batch_uuid=batch_uuid, statuses=split_list(statuses),
                                         limit=limit, offset=offset))


@record_app.command("get-metrics")
def get_metrics(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow to measure."),
    release_uuid: str = typer.Option(None, "--release-uuid", help="Only runs of this release."),
    batch_uuid: str = typer.Option(None, "--batch-uuid", help="Only runs of this batch."),
    created_after: str = typer.Option(None, "--created-after", help="Inclusive date or datetime (UTC)."),
    created_before: str = typer.Option(None, "--created-before", help="Exclusive date or datetime (UTC)."),
) -> None:
    """Per node: executions by status and provider credits, over each record's latest run only."""
    from lading.services.orchestration import records

    emit(records.record_metrics(session(), workflow_uuid=workflow_uuid, release_uuid=release_uuid,
                                batch_uuid=batch_uuid,
                                created_after=parse_date_option("--created-after", created_after),
                                created_before=parse_date_option("--created-before", created_before)))


@record_app.command("cancel")
def cancel(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow of the records."),
    ids: str = typer.Option(..., "--ids", help="Comma-separated record ids."),
) -> None:
    """Cancel the records' non-terminal runs; running ones stop at their next node boundary."""
    from lading.services.orchestration import records

    emit(records.cancel_records(session(), workflow_uuid=workflow_uuid, ids=split_list(ids) or []))
