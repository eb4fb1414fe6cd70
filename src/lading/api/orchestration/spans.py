"""`/orchestration/spans/list|count`: node executions as spans (api.md §2.7; analytics §6.3)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import Count, answers
from lading.api.orchestration import _schemas as schemas
from lading.api.orchestration._filters import parse_instant, service_filters
from lading.services.orchestration import spans
from lading.services.session import Session

router = Router(prefix="/orchestration/spans", tags=["orchestration"])
Caller = Annotated[Session, Depends(caller)]


class SpanFilter(Body):
    execution_started_after: str
    execution_started_before: str | None = None
    workflow_uuid: str | None = None
    user_uuid: str | None = None
    batch_uuid: str | None = None
    trace_uuid: str | None = None
    run_uuid: str | None = None
    record_id: str | None = None
    record_title: str | None = None
    record_title_or_id: str | None = None
    parent_run_uuid: str | None = None
    parent_node_uuid: str | None = None
    parent_agent_uuid: str | None = None
    node_uuid: str | None = None
    node_kind: str | None = None
    node_slug: str | None = None
    node_integration_slug: str | None = None
    node_connector_uuid: str | None = None
    node_action_slug: str | None = None
    node_tool_uuid: str | None = None
    node_agent_uuid: str | None = None
    node_release_uuid: str | None = None
    execution_title: str | None = None
    execution_title_or_error_message: str | None = None
    execution_statuses: list[str] | None = None


class SpanList(SpanFilter):
    limit: int = 50
    offset: int = 0


def _filters(body: SpanFilter) -> dict[str, Any]:
    given = service_filters(body, dates=(), leave=("execution_started_after", "execution_started_before"))
    given["execution_started_after"] = parse_instant("executionStartedAfter", body.execution_started_after)
    given["execution_started_before"] = parse_instant("executionStartedBefore", body.execution_started_before)
    return given


@router.post("/list", summary="span.list: executions newest first from executionStartedAfter, with the count",
             **answers(schemas.SpanPage))
def list_spans(body: SpanList, session: Caller) -> dict[str, Any]:
    filters = _filters(body)
    filters.pop("limit", None)
    filters.pop("offset", None)
    return spans.list_spans(session, limit=body.limit, offset=body.offset, **filters)


@router.post("/count", summary="span.count: executions from executionStartedAfter matching the filter",
             **answers(Count))
def count_spans(body: SpanFilter, session: Caller) -> dict[str, Any]:
    return spans.count_spans(session, **_filters(body))
