"""`orchestration batch …`: create, get, list, cancel, download (the outputs file on stdout)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from lading.cli._lazy import lazy_module
from lading.cli.common import answer, help_settings, shared_flags
from lading.cli.orchestration._options import (
    BATCH_DELIVERY,
    COST_CONTROL,
    FORMAT_HELP,
    BatchDelivery,
    CostControl,
)
from lading.cli.output import emit, parse_json_flag, split_list

if TYPE_CHECKING:
    from lading.services.orchestration import batches
else:  # imported when a command answers locally: remote mode never loads the store
    batches = lazy_module("lading.services.orchestration.batches")

if TYPE_CHECKING:
    from lading.cli.remote import Target
    from lading.services.session import Session

batch_app = typer.Typer(help="Many records through one workflow.", no_args_is_help=True,
                        context_settings=help_settings())


@batch_app.command("create")
@shared_flags("delivery", BATCH_DELIVERY, build=BatchDelivery)
@shared_flags("cost", COST_CONTROL, build=CostControl)
def create(
    workflow_uuid: str = typer.Option(None, "--workflow-uuid", help="Tool or play workflow (or none with --nodes)."),
    data: str = typer.Option(..., "--data", help='Tools: {"kind":"records","records":[…]} | {"kind":"file",'
                                                 '"s3Filename":…} | {"kind":"recordIds","recordIds":[…]}. Plays: '
                                                 '{"kind":"filter","modelUuid":…,"filter":…,"limit":n} | '
                                                 '{"kind":"recordIds","modelUuid":…,"ids":[…]} | '
                                                 '{"kind":"segment","segmentUuid":…} | '
                                                 '{"kind":"change","changeUuid":…,"changeKinds":[…]}. '
                                                 "A play's own segment (play.segmentUuid) enrolls its current "
                                                 "members: the way to run a play by hand; another play's segment "
                                                 "is refused (segmentLinkedToPlay). A filter is the full form "
                                                 '{"conjonction":"and","groups":[…]} or the simple form '
                                                 '{"field":"country","operator":"equals","value":"US"} '
                                                 "(or a list of those, meaning AND; operators equals, notEquals, "
                                                 "contains, startsWith, endsWith, greaterThan, lessThan, >=, <=, "
                                                 "between, in, notIn, isEmpty, isNotEmpty, isNull, isTrue…)."),
    nodes: str = typer.Option(None, "--nodes", help="Ad-hoc node graph (JSON array); with a play's "
                                              "workflow its records run through this graph instead of the "
                                              "deployed release."),
    release_uuid: str = typer.Option(None, "--release-uuid"), *,
    delivery: BatchDelivery,
    cost: CostControl,
) -> None:
    """Run a workflow over many records; the source is streamed into runs in chunks. With --dry-run,
    project what the batch would cost from a sample, creating nothing."""
    from lading.cli.common import local_session
    from lading.cli.remote import target

    parsed_data, parsed_nodes = parse_json_flag("--data", data), parse_json_flag("--nodes", nodes)
    if cost.dry_run:
        body = {"workflowUuid": workflow_uuid, "releaseUuid": release_uuid, "nodes": parsed_nodes,
                "data": parsed_data, "sampleSize": cost.sample_size, "creditCap": cost.credit_cap}
        remote = target()
        if remote is not None:
            given = {k: v for k, v in body.items() if v is not None}
            emit(remote_create(remote, given, "/orchestration/batches/dry-run"))
            return
        sess = local_session()
        emit(batches.dry_run_batch(sess, drive=drive_here(sess), sample_size=cost.sample_size,
                                   workflow_uuid=workflow_uuid, data=parsed_data, nodes=parsed_nodes,
                                   release_uuid=release_uuid, credit_cap=cost.credit_cap))
        return
    check_sample_size_alone(cost)
    remote = target()
    if remote is not None:
        body = {"workflowUuid": workflow_uuid, "releaseUuid": release_uuid, "nodes": parsed_nodes, "data": parsed_data,
                "webhookUrl": delivery.webhook_url, "webhookSecret": delivery.webhook_secret,
                "creditCap": cost.credit_cap}
        result = remote_create(remote, {k: v for k, v in body.items() if v is not None})
        remote_after_create(remote, result, delivery.wait, delivery.polling_interval)
        return
    sess = local_session()
    result = batches.create_batch(sess, workflow_uuid=workflow_uuid, data=parsed_data, nodes=parsed_nodes,
                                  release_uuid=release_uuid, webhook_url=delivery.webhook_url,
                                  webhook_secret=delivery.webhook_secret, credit_cap=cost.credit_cap)
    after_create(sess, result["batch"]["uuid"], result, delivery.wait)


def drive_here(sess: Session) -> Callable[[str], None]:
    """A dry run's wait: its sample batch fed and driven in this process until terminal."""
    def drive(batch_uuid: str) -> None:
        from lading.worker import finish_batch

        finish_batch(sess, batch_uuid, wait=True)

    return drive


def check_sample_size_alone(cost: CostControl) -> None:
    if cost.sample_size is not None:
        from lading.domain.errors import ValidationError

        raise ValidationError("--sample-size goes with --dry-run", reason="invalidSampleSize")


def remote_create(remote: Target, body: dict[str, Any], path: str = "/orchestration/batches") -> dict[str, Any]:
    """`POST /orchestration/batches` (or its dry run); a data-source failure (answered as `dataError`
    over HTTP) is printed with its own reason, as the embedded command prints it."""
    from lading.cli.remote import RemoteError

    try:
        return dict(remote.call("POST", path, body=body))
    except RemoteError as exc:
        inner = exc.document.get("dataError")
        if exc.document.get("reason") == "dataError" and isinstance(inner, dict) and inner.get("reason"):
            raise RemoteError(exc.status_code, {**exc.document, "reason": inner["reason"]}) from None
        raise


def remote_after_create(remote: Target, result: dict[str, Any], wait: bool, polling_interval: int) -> None:
    """Print a batch created on the server, or wait for it (polling `GET /orchestration/batches/:uuid`,
    with the progress bar on stderr) and print its final form: what `after_create` prints embedded."""
    if not wait:
        emit(result)
        return
    from lading.cli.orchestration._waiting import wait_for_batch

    emit(wait_for_batch(remote, result["batch"]["uuid"], polling_interval))


def after_create(sess: Session, batch_uuid: str, result: dict, wait: bool) -> None:
    """Hand a new batch to the worker (or wait for it, showing progress) and print it (also `action execute-batch`)."""
    from lading.cli.orchestration._waiting import finish_batch_here

    emit(finish_batch_here(sess, batch_uuid, result, wait))


@batch_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """A batch with its live counters."""
    emit(answer("GET", f"/orchestration/batches/{uuid}", local=lambda s: batches.get_batch(s, uuid)))


@batch_app.command("list")
def list_(
    workflow_uuids: str = typer.Option(None, "--workflow-uuids", help="Comma-separated workflow uuids."),
    statuses: str = typer.Option(None, "--statuses"),
    limit: int = typer.Option(50, "--limit"),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """List batches, newest first."""
    wanted, statuses_ = split_list(workflow_uuids), split_list(statuses)
    query = {"workflowUuids": wanted, "statuses": statuses_, "limit": limit, "offset": offset}
    emit(answer("GET", "/orchestration/batches/list", query=query,
                local=lambda s: batches.list_batches(s, workflow_uuids=wanted, statuses=statuses_, limit=limit,
                                                     offset=offset)))


@batch_app.command("cancel")
def cancel(uuid: str = typer.Argument(...)) -> None:
    """Drop unstarted runs and cancel running ones at their next node boundary."""
    emit(answer("POST", f"/orchestration/batches/{uuid}/cancel", local=lambda s: batches.cancel_batch(s, uuid)))


@batch_app.command("download")
def download(
    uuid: str = typer.Option(..., "--uuid", help="Batch uuid."),
    output_node_slug: str = typer.Option(..., "--output-node-slug",
                                         help="Node whose output to export (see release get → nodes[].slug)."),
    fmt: str = typer.Option("csv", "--format", help=FORMAT_HELP),
) -> None:
    """Write the batch's runs (input and one node's output) to stdout as CSV or a JSON array."""
    from lading.cli.common import local_session
    from lading.cli.remote import target

    remote = target()
    if remote is None:
        batches.download_batch(local_session(), sys.stdout, batch_uuid=uuid, output_node_slug=output_node_slug,
                               fmt=fmt)
        return
    from lading.cli.orchestration._remote import copy_to_stdout, export_chunks

    copy_to_stdout(export_chunks(remote, f"/orchestration/batches/{uuid}/download",
                                 {"outputNodeSlug": output_node_slug, "format": fmt}))
