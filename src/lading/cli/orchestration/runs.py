"""`orchestration run …`."""

from __future__ import annotations

import typer

from lading.cli.common import help_settings, parse_date_option, session
from lading.cli.output import emit, parse_json_flag, split_list

run_app = typer.Typer(help="Create, inspect, list, count and cancel runs.", no_args_is_help=True,
                      context_settings=help_settings())


@run_app.command("create")
def create(
    workflow_uuid: str = typer.Option(None, "--workflow-uuid", help="Tool workflow to run."),
    data: str = typer.Option(None, "--data", help="Input object (JSON, @file or -). Default {}."),
    nodes: str = typer.Option(None, "--nodes", help="Ad-hoc node graph (JSON array), replacing the workflow's."),
    release_uuid: str = typer.Option(None, "--release-uuid", help="Pin a release of the workflow."),
    wait: bool = typer.Option(False, "--wait-until-finished", help="Block until the run is terminal."),
    polling_interval: int = typer.Option(5000, "--polling-interval", help="Milliseconds between polls."),
) -> None:
    """Run one input through a tool workflow or an ad-hoc node graph."""
    from lading.services.orchestration import runs
    from lading.worker import finish_run

    sess = session()
    result = runs.create_run(sess, workflow_uuid=workflow_uuid, data=parse_json_flag("--data", data),
                             nodes=parse_json_flag("--nodes", nodes), release_uuid=release_uuid)
    run_uuid = result["run"]["uuid"]
    finish_run(sess, run_uuid, wait=wait)
    emit(runs.get_run(sess, run_uuid) if wait else result)


@run_app.command("get")
def get(uuid: str = typer.Argument(..., help="Run uuid.")) -> None:
    """A run with its executions, runContext and runComputedConfigs."""
    from lading.services.orchestration import runs

    emit(runs.get_run(session(), uuid))


def run_filters(batch_uuid: str | None, release_uuid: str | None, is_finished: bool, created_after: str | None,
                created_before: str | None, record_id: str | None = None,
                record_title: str | None = None) -> dict[str, object]:
    """The filter options that `run list`, `run count` and the run exports share, as the services take them."""
    return {
        "batch_uuid": batch_uuid, "release_uuid": release_uuid, "record_id": record_id,
        "record_title": record_title, "is_finished": True if is_finished else None,
        "created_after": parse_date_option("--created-after", created_after),
        "created_before": parse_date_option("--created-before", created_before),
    }


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
    """List a workflow's runs, newest first."""
    from lading.services.orchestration import runs

    emit(runs.list_runs(session(), workflow_uuid=workflow_uuid, limit=limit, offset=offset,
                        statuses=split_list(statuses),
                        **run_filters(batch_uuid, release_uuid, is_finished, created_after, created_before, record_id,
                                       record_title)))


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
    from lading.services.orchestration import runs

    emit(runs.count_runs(session(), workflow_uuid=workflow_uuid, statuses=split_list(statuses),
                         **run_filters(batch_uuid, release_uuid, is_finished, created_after, created_before, record_id,
                                        record_title)))


@run_app.command("cancel")
def cancel(
    workflow_uuid: str = typer.Option(..., "--workflow-uuid"),
    uuids: str = typer.Option(..., "--uuids", help="Comma-separated run uuids."),
) -> None:
    """Cancel runs; running ones stop at their next node boundary."""
    from lading.services.orchestration import runs

    emit(runs.cancel_runs(session(), workflow_uuid=workflow_uuid, uuids=split_list(uuids) or []))
