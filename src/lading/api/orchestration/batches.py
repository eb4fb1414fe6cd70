"""`/orchestration/batches…`: create, preview, list, get, cancel, download (`orchestration batch …`,
api.md §2.5)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import Request

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._links import linked
from lading.api._schemas import Link, answers
from lading.api.orchestration import _schemas as schemas
from lading.domain.errors import LadingError
from lading.services.orchestration import batches
from lading.services.session import Session

router = Router(prefix="/orchestration/batches", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


class BatchCreate(Body):
    workflow_uuid: str | None = None
    release_uuid: str | None = None
    nodes: list[Any] | None = None
    data: Any
    # Lading extensions (`batch create --webhook-url/--webhook-secret`): the final batch is POSTed there.
    webhook_url: str | None = None
    webhook_secret: str | None = None
    # Lading extension (`batch create --credit-cap`): the most provider credits the batch may spend.
    credit_cap: Any = None


class BatchDryRun(Body):
    workflow_uuid: str | None = None
    release_uuid: str | None = None
    nodes: list[Any] | None = None
    data: Any
    sample_size: Any = None
    credit_cap: Any = None


class BatchPreview(Body):
    workflow_uuid: str
    data: Any


class BatchList(Query):
    workflow_uuids: list[str] | None = None
    release_uuid: str | None = None
    parent_batch_uuid: str | None = None
    parent_run_uuid: str | None = None
    parent_node_uuid: str | None = None
    statuses: list[str] | None = None
    has_runs: bool | None = None
    is_skipped: bool | None = None
    is_finished: bool | None = None
    included_data_kinds: list[str] | None = None
    excluded_data_kinds: list[str] | None = None
    limit: int = 50
    offset: int = 0


class BatchDownload(Body):
    output_node_slug: str
    format: str = "csv"


class DataError(LadingError):
    """A data-source failure as the Cargo client reads it: reason `dataError`, the source's own code
    in `dataError.reason` (api.md §0.3); the message is the service's, unchanged."""

    def __init__(self, cause: LadingError) -> None:
        super().__init__(cause.message, reason="dataError", status_code=cause.status_code)
        self.cause = cause

    def to_document(self) -> dict[str, Any]:
        return {**self.cause.to_document(), "reason": "dataError"}


@router.post("", summary="batch.create: answers the pending batch at once; a worker runs it",
             **answers(schemas.BatchRefAnswer))
def create_batch(body: BatchCreate, session: Caller) -> dict[str, Any]:
    from lading.worker import finish_batch

    try:
        result = batches.create_batch(session, workflow_uuid=body.workflow_uuid, data=body.data, nodes=body.nodes,
                                      release_uuid=body.release_uuid, webhook_url=body.webhook_url,
                                      webhook_secret=body.webhook_secret, credit_cap=body.credit_cap)
    except LadingError as exc:
        if "dataError" in exc.extra:
            raise DataError(exc) from None
        raise
    finish_batch(session, result["batch"]["uuid"], wait=False)
    return result


def drive_here(session: Session) -> Callable[[str], None]:
    """A dry run's wait: its sample batch driven by this request until terminal (the server's own
    worker may help)."""
    def drive(batch_uuid: str) -> None:
        from lading.worker import finish_batch

        finish_batch(session, batch_uuid, wait=True)

    return drive


@router.post("/dry-run", summary="batch create --dry-run (Lading): the batch's projected credits, executions and "
             "duration from a sample of its source, per node and per provider; creates nothing",
             **answers(schemas.DryRunAnswer))
def dry_run_batch(body: BatchDryRun, session: Caller) -> dict[str, Any]:
    try:
        return batches.dry_run_batch(session, drive=drive_here(session), sample_size=body.sample_size,
                                     workflow_uuid=body.workflow_uuid, data=body.data, nodes=body.nodes,
                                     release_uuid=body.release_uuid, credit_cap=body.credit_cap)
    except LadingError as exc:
        if "dataError" in exc.extra:
            raise DataError(exc) from None
        raise


@router.post("/preview", summary="batch.preview: the first 100 rows of a batch source, its columns and count",
             **answers(schemas.PreviewAnswer))
def preview_batch(body: BatchPreview, session: Caller) -> dict[str, Any]:
    return batches.preview_batch(session, workflow_uuid=body.workflow_uuid, data=body.data)


@router.get("/list", summary="batch.list: newest first", openapi_extra=query_parameters(BatchList),
            **answers(schemas.BatchListAnswer))
def list_batches(session: Caller, fields: Annotated[BatchList, Depends(query(BatchList))]) -> dict[str, Any]:
    return batches.list_batches(session, **fields.given())


@router.get("/{uuid}", summary="batch.get: the full batch with its live counters", **answers(schemas.BatchAnswer))
def get_batch(uuid: str, session: Caller) -> dict[str, Any]:
    return batches.get_batch(session, uuid)


@router.post("/{uuid}/cancel", summary="batch.cancel: answers the batch (409 batchAlreadyFinished once done)",
             **answers(schemas.BatchAnswer))
def cancel_batch(uuid: str, session: Caller) -> dict[str, Any]:
    return batches.cancel_batch(session, uuid)


@router.post("/{uuid}/download", summary="batch.download: the batch's outputs file, as a signed link", **answers(Link))
def download_batch(uuid: str, body: BatchDownload, request: Request, session: Caller) -> dict[str, Any]:
    return linked(request, batches.export_batch(session, batch_uuid=uuid, output_node_slug=body.output_node_slug,
                                                fmt=body.format))
