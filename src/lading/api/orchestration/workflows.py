"""`/orchestration/workflows…`: the containers behind tools and plays (`orchestration workflow …`,
api.md §2.2 and §12)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.orchestration import _schemas as schemas
from lading.services.orchestration import workflows
from lading.services.session import Session

router = Router(prefix="/orchestration/workflows", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


class WorkflowList(Query):
    folder_uuid: str | None = None
    limit: int | None = None
    offset: int = 0


@router.get("/list", summary="workflow.all (every workflow unless `limit` is given)",
            openapi_extra=query_parameters(WorkflowList), **answers(schemas.WorkflowListAnswer))
def list_workflows(session: Caller, params: Annotated[WorkflowList, Depends(query(WorkflowList))]) -> dict[str, Any]:
    return workflows.list_workflows(session, folder_uuid=params.folder_uuid, limit=params.limit,
                                    offset=params.offset)


@router.get("/{uuid}", summary="workflow get (Lading): the workflow with its deployed nodes summarised",
            **answers(schemas.WorkflowAnswer))
def get_workflow(uuid: str, session: Caller) -> dict[str, Any]:
    return workflows.get_workflow(session, uuid)
