"""Runs: the filtered list (status, tool, batch, release, record title, date range; keyset pages) and a
run's page (its executions in order, each node's context and computed config)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from lading.api.console._auth import PageRoute, current
from lading.api.console._render import render
from lading.domain.errors import ValidationError
from lading.domain.nodes import RUN_STATUSES, TERMINAL_STATUSES
from lading.services.access import require
from lading.services.session import Session

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SignedIn = Annotated[Session, Depends(current)]

PAGE_SIZE = 50
# The filters of the run list: query parameter → what the form labels it.
FILTERS = ("status", "tool", "batch", "release", "title", "from", "to")


def _day(text: str, label: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(f"{label} must be a date like 2026-12-04", reason="invalidData") from exc


def _service_filters(session: Session, given: dict[str, str]) -> dict[str, Any]:
    """The run list's query parameters as `browse_runs` filters (dates are whole UTC days, `to`
    included)."""
    from lading.services.orchestration import tools

    filters: dict[str, Any] = {}
    if given.get("status"):
        if given["status"] not in RUN_STATUSES:
            raise ValidationError(f"unknown run status: {given['status']}", reason="invalidData")
        filters["statuses"] = [given["status"]]
    if given.get("tool"):
        filters["workflow_uuid"] = tools.get_tool(session, given["tool"])["tool"]["workflowUuid"]
    if given.get("batch"):
        filters["batch_uuid"] = given["batch"]
    if given.get("release"):
        filters["release_uuid"] = given["release"]
    if given.get("title"):
        filters["record_title"] = given["title"]
    start, end = _day(given.get("from", ""), "From"), _day(given.get("to", ""), "To")
    if start is not None:
        filters["created_after"] = datetime.combine(start, time())
    if end is not None:
        filters["created_before"] = datetime.combine(end + timedelta(days=1), time())
    return filters


@router.get("/runs")
def runs_page(request: Request, session: SignedIn) -> Response:
    from lading.services.orchestration import runs, tools

    require(session.access, "orchestration:read")
    given = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    before = request.query_params.get("before") or None
    page = runs.browse_runs(session, limit=PAGE_SIZE, before=before, **_service_filters(session, given))
    kept = {k: v for k, v in given.items() if v}
    next_url = f"/runs?{urlencode({**kept, 'before': page['next']})}" if page["next"] else None
    first_url = f"/runs?{urlencode(kept)}" if before else None
    listed_tools = tools.list_tools(session)["tools"]
    return render(request, "runs.html", session=session, title="Runs", runs=page["runs"], filters=given,
                  statuses=RUN_STATUSES, tools=listed_tools, next_url=next_url, first_url=first_url)


def _executions(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's executions in order, each with its node's context and computed config (by slug)."""
    context = document.get("runContext") or {}
    configs = document.get("runComputedConfigs") or {}
    out = []
    for execution in document["run"].get("executions") or []:
        slug = execution.get("nodeSlug")
        out.append({**execution, "context": context.get(slug), "hasContext": slug in context,
                    "config": configs.get(slug), "hasConfig": slug in configs})
    return out


@router.get("/runs/{uuid}")
def run_page(request: Request, uuid: str, session: SignedIn) -> Response:
    from lading.services.orchestration import runs, tools

    require(session.access, "orchestration:read")
    document = runs.get_run(session, uuid)
    run = document["run"]
    tool = tools.tool_of_workflow(session, run["workflowUuid"]) if run.get("workflowUuid") else None
    return render(request, "run.html", session=session, title="Run", run=run, tool=tool,
                  executions=_executions(document), live=run["status"] not in TERMINAL_STATUSES)
