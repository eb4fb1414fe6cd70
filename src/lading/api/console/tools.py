"""Tools: the list (search, folder filter) and a tool's page (deployed release, diagram, releases,
triggers, recent runs, and a form running it on one record)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lading.api.console._auth import PageRoute, check_csrf, current, form
from lading.api.console._render import render
from lading.domain.errors import LadingError
from lading.services.access import require
from lading.services.session import Session

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SignedIn = Annotated[Session, Depends(current)]


def _matches(tool: dict[str, Any], words: str) -> bool:
    text = f"{tool.get('name') or ''} {tool.get('description') or ''}".lower()
    return all(word in text for word in words.lower().split())


@router.get("/tools")
def tools_page(request: Request, session: SignedIn) -> Response:
    from lading.services.orchestration import tools
    from lading.services.workspace import folders

    require(session.access, "orchestration:read")
    search = request.query_params.get("q", "").strip()
    folder = request.query_params.get("folder", "").strip() or None
    listed = tools.list_tools(session, folder_uuid=folder)["tools"]
    shown = [t for t in listed if _matches(t, search)] if search else listed
    try:
        tool_folders = folders.list_folders(session, kind="tool")["folders"]
    except LadingError:  # a token without folder rights still lists its tools
        tool_folders = []
    return render(request, "tools.html", session=session, title="Tools", tools=shown, search=search, folder=folder,
                  folders=tool_folders)


def diagram_of(session: Session, nodes: list[dict[str, Any]]) -> str:
    """The deployed graph as an SVG drawn from the same diagram model as `node diagram`, its agent steps
    named by their agents."""
    from lading.api.console import svg
    from lading.services.orchestration.nodes import agent_names

    return svg.diagram_svg(nodes, agent_names=agent_names(session, nodes))


def _tool_page(request: Request, session: Session, uuid: str, *, data_text: str = "{}", error: str | None = None,
               status_code: int = 200) -> Response:
    from lading.services.orchestration import releases, runs, tools

    require(session.access, "orchestration:read")
    tool = tools.get_tool(session, uuid)["tool"]
    workflow_uuid = tool["workflowUuid"]
    try:
        deployed: dict[str, Any] | None = releases.get_deployed(session, workflow_uuid=workflow_uuid)["release"]
    except LadingError:
        deployed = None
    diagram = diagram_of(session, deployed["nodes"]) if deployed else None
    listed = releases.list_releases(session, workflow_uuid=workflow_uuid, limit=20)["releases"]
    recent = runs.browse_runs(session, workflow_uuid=workflow_uuid, limit=10)["runs"]
    return render(request, "tool.html", session=session, status_code=status_code, title=tool["name"], tool=tool,
                  deployed=deployed, diagram=diagram, releases=listed, runs=recent, data_text=data_text, error=error)


@router.get("/tools/{uuid}")
def tool_page(request: Request, uuid: str, session: SignedIn) -> Response:
    return _tool_page(request, session, uuid)


@router.post("/tools/{uuid}/run")
async def run_tool(request: Request, uuid: str, session: SignedIn) -> Response:
    """Run the tool's deployed release on one record (`orchestration run create`), then open the run."""
    from anyio import to_thread

    fields = await form(request)
    check_csrf(request, fields)
    text = fields.get("data", "").strip() or "{}"
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        problem = f"The record is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        return await to_thread.run_sync(lambda: _tool_page(request, session, uuid, data_text=text, status_code=400,
                                                           error=problem))
    try:
        run_uuid = await to_thread.run_sync(_create_run, session, uuid, data)
    except LadingError as exc:
        if exc.status_code == 404 and exc.reason != "noDeployedRelease":
            raise
        message, status = exc.message, exc.status_code
        return await to_thread.run_sync(lambda: _tool_page(request, session, uuid, data_text=text,
                                                           status_code=status, error=message))
    return RedirectResponse(f"/runs/{run_uuid}", status_code=303)


def _create_run(session: Session, tool_uuid: str, data: Any) -> str:
    from lading.services.orchestration import runs, tools
    from lading.worker import finish_run

    require(session.access, "orchestration:write")
    tool = tools.get_tool(session, tool_uuid)["tool"]
    created = runs.create_run(session, workflow_uuid=tool["workflowUuid"], data=data)
    run_uuid = str(created["run"]["uuid"])
    finish_run(session, run_uuid, wait=False)
    return run_uuid
