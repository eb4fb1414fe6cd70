"""`run download`, `run download-outputs`, `run get-metrics` and `batch download`.

They live apart from `runs.py` because they are exports and aggregations rather than run lifecycle;
`register_*` attach them to the `run` and `batch` groups. The two streaming commands print their
content on stdout (newline-delimited JSON / the outputs file), not one JSON document.
"""

from __future__ import annotations

import sys

import typer

from lading.cli.common import parse_date_option, session
from lading.cli.orchestration.runs import run_filters
from lading.cli.output import emit, split_list

_STATUSES_HELP = "Comma-separated statuses (aliases: finished = success, failed = error)."
_FORMAT_HELP = "File format: csv (default) or json."


def register_run_downloads(run_app: typer.Typer) -> None:
    """Adds `download`, `download-outputs` and `get-metrics` to the `run` group."""

    @run_app.command("download")
    def download(
        workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose runs to export."),
        statuses: str = typer.Option(None, "--statuses", help=_STATUSES_HELP),
        batch_uuid: str = typer.Option(None, "--batch-uuid", help="Runs of this batch."),
        release_uuid: str = typer.Option(None, "--release-uuid", help="Runs of this release."),
        is_finished: bool = typer.Option(False, "--is-finished", help="Terminal runs only."),
        created_after: str = typer.Option(None, "--created-after", help="Inclusive date or datetime (UTC)."),
        created_before: str = typer.Option(None, "--created-before", help="Exclusive date or datetime (UTC)."),
        record_id: str = typer.Option(None, "--record-id", help="Runs of this record id."),
        record_title: str = typer.Option(None, "--record-title", help="Case-insensitive title substring."),
    ) -> None:
        """Stream every matching run (run get + executions + runContext), one JSON line per run, oldest first."""
        from lading.services.orchestration import downloads

        downloads.stream_runs(session(), sys.stdout, workflow_uuid=workflow_uuid, statuses=split_list(statuses),
                            **run_filters(batch_uuid, release_uuid, is_finished, created_after, created_before,
                                          record_id, record_title))

    @run_app.command("download-outputs")
    def download_outputs(
        workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose runs to export."),
        output_node_slug: str = typer.Option(..., "--output-node-slug", help="Node whose output to export."),
        fmt: str = typer.Option("csv", "--format", help=_FORMAT_HELP),
        batch_uuid: str = typer.Option(None, "--batch-uuid", help="Runs of this batch."),
        release_uuid: str = typer.Option(None, "--release-uuid", help="Runs of this release."),
        statuses: str = typer.Option(None, "--statuses", help=_STATUSES_HELP),
        is_finished: bool = typer.Option(False, "--is-finished", help="Terminal runs only."),
        created_after: str = typer.Option(None, "--created-after", help="Inclusive date or datetime (UTC)."),
        created_before: str = typer.Option(None, "--created-before", help="Exclusive date or datetime (UTC)."),
        record_id: str = typer.Option(None, "--record-id", help="Runs of this record id."),
        record_title: str = typer.Option(None, "--record-title", help="Case-insensitive title substring."),
        record_title_or_id: str = typer.Option(None, "--record-title-or-id",
                                               help="Record id (exact) or title substring."),
        parent_batch_uuid: str = typer.Option(None, "--parent-batch-uuid", help="Child runs of this batch's runs."),
        parent_uuid: str = typer.Option(None, "--parent-uuid", help="Child runs of this parent run."),
        parent_node_uuid: str = typer.Option(None, "--parent-node-uuid", help="Child runs of this group node."),
        is_group_parent: bool = typer.Option(None, "--is-group-parent/--no-is-group-parent",
                                             help="Only runs that are (or are not) group parents."),
        executions_filter: str = typer.Option(None, "--executions-filter",
                                              help='Per-node execution status, e.g. {"enrich":{"status":"finished"}}.'),
    ) -> None:
        """Export each matching run's input and one node's output to a file; prints {"url"}."""
        from lading.cli.output import parse_json_flag
        from lading.services.orchestration import downloads

        emit(downloads.run_outputs(session(), workflow_uuid=workflow_uuid, output_node_slug=output_node_slug,
                                 fmt=fmt, statuses=split_list(statuses), parent_batch_uuid=parent_batch_uuid,
                                 parent_uuid=parent_uuid, parent_node_uuid=parent_node_uuid,
                                 is_group_parent=is_group_parent, record_title_or_id=record_title_or_id,
                                 executions_filter=parse_json_flag("--executions-filter", executions_filter),
                                 **run_filters(batch_uuid, release_uuid, is_finished, created_after,
                                               created_before, record_id, record_title)))

    @run_app.command("get-metrics")
    def get_metrics(
        workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow to measure."),
        release_uuid: str = typer.Option(None, "--release-uuid", help="Runs of this release."),
        batch_uuid: str = typer.Option(None, "--batch-uuid", help="Runs of this batch."),
        created_after: str = typer.Option(None, "--created-after", help="Inclusive date or datetime (UTC)."),
        created_before: str = typer.Option(None, "--created-before", help="Exclusive date or datetime (UTC)."),
    ) -> None:
        """Per node: executions by status and provider credits over every run in scope."""
        from lading.services.orchestration import records

        emit(records.run_metrics(session(), workflow_uuid=workflow_uuid, release_uuid=release_uuid,
                                 batch_uuid=batch_uuid,
                                 created_after=parse_date_option("--created-after", created_after),
                                 created_before=parse_date_option("--created-before", created_before)))


def register_batch_download(batch_app: typer.Typer) -> None:
    """Adds `download` to the `batch` group."""

    @batch_app.command("download")
    def download(
        uuid: str = typer.Option(..., "--uuid", help="Batch uuid."),
        output_node_slug: str = typer.Option(..., "--output-node-slug",
                                             help="Node whose output to export (see release get → nodes[].slug)."),
        fmt: str = typer.Option("csv", "--format", help=_FORMAT_HELP),
    ) -> None:
        """Write the batch's runs (input and one node's output) to stdout as CSV or a JSON array."""
        from lading.services.orchestration import downloads

        downloads.stream_batch_outputs(session(), sys.stdout, batch_uuid=uuid, output_node_slug=output_node_slug,
                                     fmt=fmt)
