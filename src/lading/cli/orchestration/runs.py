"""`orchestration run …`: create, get, list, count, cancel, download, download-outputs, get-metrics.

`download` and `download-outputs` print their content on stdout (newline-delimited JSON / the outputs
file), not one JSON document.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings, shared_flags
from lading.cli.orchestration._options import FORMAT_HELP, POLLING_INTERVAL, RUN_FILTERS, WAIT_FOR_RUN, scope
from lading.cli.output import emit, parse_json_flag, split_list

if TYPE_CHECKING:
    from lading.services.orchestration import runs
else:  # imported when a command answers locally: remote mode never loads the store
    runs = lazy_module("lading.services.orchestration.runs")

run_app = typer.Typer(help="Create, inspect, list, count and cancel runs.", no_args_is_help=True,
                      context_settings=help_settings())


@run_app.command("create")
def create(
    workflow_uuid: str = typer.Option(None, "--workflow-uuid", help="Tool workflow to run."),
    data: str = typer.Option(None, "--data", help="Input object (JSON, @file or -). Default {}."),
    nodes: str = typer.Option(None, "--nodes", help="Ad-hoc node graph (JSON array), replacing the workflow's."),
    release_uuid: str = typer.Option(None, "--release-uuid", help="Pin a release of the workflow."),
    wait: bool = WAIT_FOR_RUN, polling_interval: int = POLLING_INTERVAL,
) -> None:
    """Run one input through a tool workflow or an ad-hoc node graph."""
    from lading.cli.common import local_session
    from lading.cli.remote import target

    parsed_data, parsed_nodes = parse_json_flag("--data", data), parse_json_flag("--nodes", nodes)
    remote = target()
    if remote is not None:
        body = {"workflowUuid": workflow_uuid, "releaseUuid": release_uuid, "nodes": parsed_nodes,
                "data": {} if parsed_data is None else parsed_data}
        result = remote.call("POST", "/orchestration/runs", body={k: v for k, v in body.items() if v is not None})
        if wait:
            from lading.cli.orchestration._waiting import wait_for_run

            result = wait_for_run(remote, result["run"]["uuid"], polling_interval)
        emit(result)
        return
    from lading.cli.orchestration._waiting import finish_run_here

    sess = local_session()
    result = runs.create_run(sess, workflow_uuid=workflow_uuid, data=parsed_data, nodes=parsed_nodes,
                             release_uuid=release_uuid)
    emit(finish_run_here(sess, result, wait))


@run_app.command("get")
def get(uuid: str = typer.Argument(..., help="Run uuid.")) -> None:
    """A run with its executions, runContext and runComputedConfigs."""
    emit(answer("GET", f"/orchestration/runs/{uuid}", local=lambda s: runs.get_run(s, uuid)))


@run_app.command("list")
def list_(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose runs to list."),
    batch_uuid: str = typer.Option(None, "--batch-uuid"),
    release_uuid: str = typer.Option(None, "--release-uuid"),
    statuses: str = typer.Option(None, "--statuses", help="Comma-separated statuses."),
    record_id: str = typer.Option(None, "--record-id"),
    record_title: str = typer.Option(None, "--record-title", help="Case-insensitive substring."),
    is_finished: bool = typer.Option(False, "--is-finished", help="Terminal runs only."),
    created_after: str = typer.Option(None, "--created-after", help="Inclusive date or datetime (UTC)."),
    created_before: str = typer.Option(None, "--created-before", help="Exclusive date or datetime (UTC)."),
    limit: int = typer.Option(50, "--limit", help="At most 1000."),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """List a workflow's runs, newest first, with the total count."""
    from lading.cli.orchestration._remote import body_of

    filters = scope(statuses=statuses, batch_uuid=batch_uuid, release_uuid=release_uuid, record_id=record_id,
                    record_title=record_title, is_finished=is_finished, created_after=created_after,
                    created_before=created_before)
    body = body_of({"workflow_uuid": workflow_uuid, **filters, "limit": limit, "offset": offset})
    emit(answer("POST", "/orchestration/runs/list", body=body,
                local=lambda s: runs.list_runs(s, workflow_uuid=workflow_uuid, limit=limit, offset=offset,
                                               **filters)))


@run_app.command("count")
def count(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid"),
    statuses: str = typer.Option(None, "--statuses", help="Comma-separated statuses."),
    batch_uuid: str = typer.Option(None, "--batch-uuid"),
    release_uuid: str = typer.Option(None, "--release-uuid"),
    is_finished: bool = typer.Option(False, "--is-finished"),
    created_after: str = typer.Option(None, "--created-after"),
    created_before: str = typer.Option(None, "--created-before"),
    record_id: str = typer.Option(None, "--record-id"),
    record_title: str = typer.Option(None, "--record-title"),
) -> None:
    """Count a workflow's runs matching the filters."""
    from lading.cli.orchestration._remote import body_of

    filters = scope(statuses=statuses, batch_uuid=batch_uuid, release_uuid=release_uuid, is_finished=is_finished,
                    created_after=created_after, created_before=created_before, record_id=record_id,
                    record_title=record_title)
    emit(answer("POST", "/orchestration/runs/count", body=body_of({"workflow_uuid": workflow_uuid, **filters}),
                local=lambda s: runs.count_runs(s, workflow_uuid=workflow_uuid, **filters)))


@run_app.command("cancel")
def cancel(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid"),
    uuids: str = typer.Option(..., "--uuids", help="Comma-separated run uuids."),
) -> None:
    """Cancel runs; running ones stop at their next node boundary."""
    listed = split_list(uuids) or []
    emit(answer("POST", "/orchestration/runs/cancel", body={"workflowUuid": workflow_uuid, "uuids": listed},
                local=lambda s: runs.cancel_runs(s, workflow_uuid=workflow_uuid, uuids=listed)))


@run_app.command("download")
@shared_flags("filters", RUN_FILTERS)
def download(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose runs to export."), *,
    filters: dict[str, Any],
) -> None:
    """Stream every matching run (run get + executions + runContext), one JSON line per run, oldest first."""
    from lading.cli.common import local_session
    from lading.cli.remote import target

    parsed = scope(**filters)
    remote = target()
    if remote is None:
        runs.download_runs(local_session(), sys.stdout, workflow_uuid=workflow_uuid, **parsed)
        return
    from lading.cli.orchestration._remote import body_of, export_chunks, lines_of

    # The route's file is a JSON array with one run per line: its lines are this command's lines.
    chunks = export_chunks(remote, "/orchestration/runs/download", body_of({"workflow_uuid": workflow_uuid, **parsed}))
    for line in runs.run_lines(lines_of(chunks)):
        sys.stdout.write(line + "\n")
    sys.stdout.flush()


@run_app.command("download-outputs")
@shared_flags("filters", RUN_FILTERS, "batch_uuid", "release_uuid", "statuses", "is_finished", "created_after",
              "created_before", "record_id", "record_title")
def download_outputs(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow whose runs to export."),
    output_node_slug: str = typer.Option(..., "--output-node-slug", help="Node whose output to export."),
    fmt: str = typer.Option("csv", "--format", help=FORMAT_HELP), *,
    filters: dict[str, Any],
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
    from lading.cli.orchestration._remote import body_of

    fields = dict(parent_batch_uuid=parent_batch_uuid, parent_uuid=parent_uuid, parent_node_uuid=parent_node_uuid,
                  is_group_parent=is_group_parent, record_title_or_id=record_title_or_id,
                  executions_filter=parse_json_flag("--executions-filter", executions_filter), **scope(**filters))
    body = body_of({"workflow_uuid": workflow_uuid, "output_node_slug": output_node_slug, "format": fmt, **fields})
    emit(answer("POST", "/orchestration/runs/download-outputs", body=body,
                local=lambda s: runs.download_run_outputs(s, workflow_uuid=workflow_uuid,
                                                          output_node_slug=output_node_slug, fmt=fmt, **fields)))


@run_app.command("get-metrics")
@shared_flags("window", RUN_FILTERS, "release_uuid", "batch_uuid", "created_after", "created_before")
def get_metrics(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid", help="Workflow to measure."), *,
    window: dict[str, Any],
) -> None:
    """Per node: executions by status and provider credits over every run in scope."""
    from lading.cli.orchestration._remote import body_of

    parsed = scope(**window)
    emit(answer("POST", "/orchestration/runs/metrics", body=body_of({"workflow_uuid": workflow_uuid, **parsed}),
                local=lambda s: runs.run_metrics(s, workflow_uuid=workflow_uuid, **parsed)))
