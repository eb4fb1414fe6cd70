"""`/orchestration/records…`: list, count, download, download-outputs, metrics, cancel
(`orchestration record …`, api.md §2.6). A record is the latest run of one record id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import Request

from lading.api._http import Body, Router, caller
from lading.api._links import linked
from lading.api._schemas import Count, Link, answers
from lading.api.orchestration import _schemas as schemas
from lading.api.orchestration._filters import RecordFilter, parse_instant, required, service_filters
from lading.services.orchestration import records
from lading.services.session import Session

router = Router(prefix="/orchestration/records", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]
# Fields no service reads: records carry no creating user yet, so `userUuid` narrows nothing.
_IGNORED = ("user_uuid",)


class RecordList(RecordFilter):
    limit: int = 50
    offset: int = 0


class RecordDownload(RecordFilter):
    run_uuids: list[str] | None = None


class RecordDownloadOutputs(RecordDownload):
    output_node_slug: str
    format: str = "csv"
    limit: int | None = None
    offset: int = 0


class RecordMetrics(Body):
    workflow_uuid: str
    release_uuid: str | None = None
    batch_uuid: str | None = None
    created_after: str | None = None
    created_before: str | None = None


@router.post("/list", summary="record.list: RecordFilter, newest first, with the total count",
             **answers(schemas.RecordPage))
def list_records(body: RecordList, session: Caller) -> dict[str, Any]:
    filters = service_filters(body, leave=(*_IGNORED, "workflow_uuid", "limit", "offset"))
    return records.list_records(session, workflow_uuid=body.workflow_uuid, limit=body.limit, offset=body.offset,
                                **filters)


@router.post("/count", summary="record.count: RecordFilter", **answers(Count))
def count_records(body: RecordFilter, session: Caller) -> dict[str, Any]:
    filters = service_filters(body, leave=(*_IGNORED, "workflow_uuid"))
    return records.count_records(session, workflow_uuid=body.workflow_uuid, **filters)


@router.post("/download", summary="record.download: the record list as CSV, as a signed link", **answers(Link))
def download_records(body: RecordDownload, request: Request, session: Caller) -> dict[str, Any]:
    workflow_uuid = required(body.workflow_uuid, "workflowUuid")
    filters = service_filters(body, leave=(*_IGNORED, "workflow_uuid"))
    return linked(request, records.download_records(session, workflow_uuid=workflow_uuid, **filters))


@router.post("/download-outputs", summary="record.downloadOutputs: one node's output per record, as a signed link",
             **answers(Link))
def download_outputs(body: RecordDownloadOutputs, request: Request, session: Caller) -> dict[str, Any]:
    workflow_uuid = required(body.workflow_uuid, "workflowUuid")
    filters = service_filters(body, leave=(*_IGNORED, "workflow_uuid", "output_node_slug", "format"))
    return linked(request, records.download_record_outputs(session, workflow_uuid=workflow_uuid,
                                                           output_node_slug=body.output_node_slug,
                                                           fmt=body.format, **filters))


@router.post("/metrics", summary="record.getMetrics: per node, over each record's latest run",
             **answers(schemas.RecordMetricsAnswer))
def record_metrics(body: RecordMetrics, session: Caller) -> dict[str, Any]:
    return records.record_metrics(session, workflow_uuid=body.workflow_uuid, release_uuid=body.release_uuid,
                                  batch_uuid=body.batch_uuid,
                                  created_after=parse_instant("createdAfter", body.created_after),
                                  created_before=parse_instant("createdBefore", body.created_before))


@router.post("/cancel", summary="record.cancel: the listed ids, or every record the filter selects (≤ 2,000)",
             **answers(schemas.RecordsAnswer))
def cancel_records(body: RecordFilter, session: Caller) -> dict[str, Any]:
    workflow_uuid = required(body.workflow_uuid, "workflowUuid")
    filters = service_filters(body, leave=(*_IGNORED, "workflow_uuid"))
    return records.cancel_records(session, workflow_uuid=workflow_uuid, **filters)
