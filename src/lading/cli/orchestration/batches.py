"""`orchestration batch …`: create, get, list, cancel, download (the outputs file on stdout)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from lading.cli.common import help_settings, session, shared_flags
from lading.cli.orchestration._options import BATCH_DELIVERY, FORMAT_HELP, BatchDelivery
from lading.cli.output import emit, parse_json_flag, split_list

if TYPE_CHECKING:
    from lading.services.session import Session

batch_app = typer.Typer(help="Many records through one workflow.", no_args_is_help=True,
                        context_settings=help_settings())


@batch_app.command("create")
@shared_flags("delivery", BATCH_DELIVERY, build=BatchDelivery)
def create(
    workflow_uuid: str = typer.Option(None, "--workflow-uuid", help="Tool or play workflow (or none with --nodes)."),
    data: str = typer.Option(..., "--data", help='Tools: {"kind":"records","records":[…]} | {"kind":"file",'
                                                 '"s3Filename":…} | {"kind":"recordIds","recordIds":[…]}. Plays: '
                                                 '{"kind":"filter","modelUuid":…,"filter":…,"limit":n} | '
                                                 '{"kind":"recordIds","modelUuid":…,"ids":[…]} | '
                                                 '{"kind":"segment","segmentUuid":…} | '
                                                 '{"kind":"change","changeUuid":…,"changeKinds":[…]}'),
    nodes: str = typer.Option(None, "--nodes", help="Ad-hoc node graph (JSON array)."),
    release_uuid: str = typer.Option(None, "--release-uuid"), *,
    delivery: BatchDelivery,
) -> None:
    """Run a workflow over many records; the source is streamed into runs in chunks."""
    from lading.services.orchestration import batches

    sess = session()
    result = batches.create_batch(sess, workflow_uuid=workflow_uuid, data=parse_json_flag("--data", data),
                                  nodes=parse_json_flag("--nodes", nodes), release_uuid=release_uuid,
                                  webhook_url=delivery.webhook_url, webhook_secret=delivery.webhook_secret)
    after_create(sess, result["batch"]["uuid"], result, delivery.wait)


def after_create(sess: Session, batch_uuid: str, result: dict, wait: bool) -> None:
    """Hand a new batch to the worker (or wait for it, showing progress) and print it (also `action execute-batch`)."""
    from lading.cli.progress import BatchProgress
    from lading.services.orchestration import batches
    from lading.worker import finish_batch

    if not wait:
        finish_batch(sess, batch_uuid, wait=False)
        emit(result)
        return
    progress = BatchProgress(lambda: batches.get_batch(sess, batch_uuid)["batch"])
    try:
        finish_batch(sess, batch_uuid, wait=True, on_progress=progress)
    finally:
        progress.close()
    emit(batches.get_batch(sess, batch_uuid))


@batch_app.command("get")
def get(uuid: str = typer.Argument(...)) -> None:
    """A batch with its live counters."""
    from lading.services.orchestration import batches

    emit(batches.get_batch(session(), uuid))


@batch_app.command("list")
def list_(
    workflow_uuids: str = typer.Option(None, "--workflow-uuids", help="Comma-separated workflow uuids."),
    statuses: str = typer.Option(None, "--statuses"),
    limit: int = typer.Option(50, "--limit"),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """List batches, newest first."""
    from lading.services.orchestration import batches

    emit(batches.list_batches(session(), workflow_uuids=split_list(workflow_uuids), statuses=split_list(statuses),
                              limit=limit, offset=offset))


@batch_app.command("cancel")
def cancel(uuid: str = typer.Argument(...)) -> None:
    """Drop unstarted runs and cancel running ones at their next node boundary."""
    from lading.services.orchestration import batches

    emit(batches.cancel_batch(session(), uuid))


@batch_app.command("download")
def download(
    uuid: str = typer.Option(..., "--uuid", help="Batch uuid."),
    output_node_slug: str = typer.Option(..., "--output-node-slug",
                                         help="Node whose output to export (see release get → nodes[].slug)."),
    fmt: str = typer.Option("csv", "--format", help=FORMAT_HELP),
) -> None:
    """Write the batch's runs (input and one node's output) to stdout as CSV or a JSON array."""
    from lading.services.orchestration import batches

    batches.download_batch(session(), sys.stdout, batch_uuid=uuid, output_node_slug=output_node_slug, fmt=fmt)
