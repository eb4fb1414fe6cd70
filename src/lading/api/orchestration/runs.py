"""`/orchestration/runs…`: create, get, list, count, download, download-outputs, metrics, cancel
(`orchestration run …`, api.md §2.4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import Request

from lading.api._http import Body, Router, caller
from lading.api._links import linked
from lading.api._schemas import Count, Link, answers
from lading.api.orchestration import _schemas as schemas
from lading.api.orchestration._filters import RunFilter, parse_instant, required, service_filters
from lading.services.orchestration import runs
from lading.services.session import Session

router = Router(prefix="/orchestration/runs", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


class RunCreate(Body):
    workflow_uuid: str | None = None
    release_uuid: str | None = None
    nodes: list[Any] | None = None
    data: Any


class RunList(RunFilter):
    user_uuid: str | None = None
    limit: int = 50
    offset: int = 0


class RunCount(RunFilter):
    user_uuid: str | None = None


class RunDownload(RunFilter):
    uuids: list[str] | None = None


class RunDownloadOutputs(RunFilter):
    output_node_slug: str
    format: str = "csv"
    limit: int | None = None
    offset: int | None = None


class RunMetrics(Body):
    workflow_uuid: str
    release_uuid: str | None = None
    batch_uuid: str | None = None
    created_after: str | None = None
    created_before: str | None = None


class RunCancel(RunFilter):
    uuids: list[str] | None = None


@router.post("", summary="run.create: answers the pending run at once; a worker runs it", **answers(schemas.RunAnswer))
def create_run(body: RunCreate, session: Caller) -> dict[str, Any]:
    from lading.worker import finish_run

    result = runs.create_run(session, workflow_uuid=body.workflow_uuid, data=body.data, nodes=body.nodes,
                             release_uuid=body.release_uuid)
    finish_run(session, result["run"]["uuid"], wait=False)
    return result


@router.post("/list", summary="run.list: RunFilter (workflowUuid optional: workspace-wide), newest first",
             **answers(schemas.RunPage))
def list_runs(body: RunList, session: Caller) -> dict[str, Any]:
    # Runs record no creating user yet, so `userUuid` narrows nothing.
    filters = service_filters(body, leave=("user_uuid", "limit", "offset", "workflow_uuid"))
    return runs.list_runs(session, workflow_uuid=body.workflow_uuid, limit=body.limit, offset=body.offset,
                          **filters)


@router.post("/count", summary="run.count: RunFilter (workflowUuid optional)", **answers(Count))
def count_runs(body: RunCount, session: Caller) -> dict[str, Any]:
    filters = service_filters(body, leave=("user_uuid", "workflow_uuid"))
    return runs.count_runs(session, workflow_uuid=body.workflow_uuid, **filters)


@router.post("/download", summary="run.download: a JSON array of full run documents, as a signed link", **answers(Link))
def download_runs(body: RunDownload, request: Request, session: Caller) -> dict[str, Any]:
    workflow_uuid = required(body.workflow_uuid, "workflowUuid")
    filters = service_filters(body, leave=("workflow_uuid",))
    return linked(request, runs.export_runs(session, workflow_uuid=workflow_uuid, **filters))


@router.post("/download-outputs", summary="run.downloadOutputs: one node's output per run, as a signed link",
             **answers(Link))
def download_outputs(body: RunDownloadOutputs, request: Request, session: Caller) -> dict[str, Any]:
    workflow_uuid = required(body.workflow_uuid, "workflowUuid")
    filters = service_filters(body, leave=("workflow_uuid", "output_node_slug", "format", "limit", "offset"))
    return linked(request, runs.download_run_outputs(session, workflow_uuid=workflow_uuid,
                                                     output_node_slug=body.output_node_slug, fmt=body.format,
                                                     **filters))


@router.post("/metrics", summary="run.getMetrics: per node, executions by status and credits",
             **answers(schemas.RunMetricsAnswer))
def run_metrics(body: RunMetrics, session: Caller) -> dict[str, Any]:
    return runs.run_metrics(session, workflow_uuid=body.workflow_uuid, release_uuid=body.release_uuid,
                            batch_uuid=body.batch_uuid, created_after=parse_instant("createdAfter", body.created_after),
                            created_before=parse_instant("createdBefore", body.created_before))


@router.post("/cancel", summary="run.cancel: the listed runs, or every run the filter selects",
             **answers(schemas.RunsAnswer))
def cancel_runs(body: RunCancel, session: Caller) -> dict[str, Any]:
    workflow_uuid = required(body.workflow_uuid, "workflowUuid")
    filters = service_filters(body, leave=("workflow_uuid",))
    return runs.cancel_runs(session, workflow_uuid=workflow_uuid, **filters)


@router.get("/{uuid}", summary="run.get: the run, its runContext and runComputedConfigs",
            **answers(schemas.RunDetailAnswer))
def get_run(uuid: str, session: Caller) -> dict[str, Any]:
    return runs.get_run(session, uuid)
