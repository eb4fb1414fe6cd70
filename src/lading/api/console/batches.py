"""Batches: the list (status and workflow filters, newest first, keyset pages), a batch's live page
(progress, runs per second, failed count, polled from `progress.json` by `static/batches.js` until the
batch is final), "re-run the failed records" (the seed's partial-failure procedure in one POST) and the
download buttons for its outputs (export files served through the signed `/v1/exports` route)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from lading.api.console._auth import PageRoute, check_csrf, current, form, log, signed_in
from lading.api.console._render import render
from lading.domain.errors import LadingError, ValidationError
from lading.services.access import require
from lading.services.session import Session

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# The JSON route a live page polls: answers JSON (never a sign-in redirect or an HTML error page).
live = APIRouter(route_class=APIRoute, include_in_schema=False)
SignedIn = Annotated[Session, Depends(current)]

PAGE_SIZE = 50
FAILED_SHOWN = 20
FORMATS = ("csv", "json")


def _workflows(session: Session) -> list[dict[str, str]]:
    """The workflow filter's choices: each tool and each play (label, group, workflow uuid, uuid)."""
    from lading.services.orchestration import plays, tools

    choices = [{"label": t["name"], "group": "Tools", "workflowUuid": t["workflowUuid"], "uuid": t["uuid"]}
               for t in tools.list_tools(session)["tools"]]
    try:
        choices += [{"label": p["name"], "group": "Plays", "workflowUuid": p["workflowUuid"], "uuid": p["uuid"]}
                    for p in plays.list_plays(session)["plays"]]
    except LadingError:  # a token without play rights still filters by tool
        pass
    return choices


@router.get("/batches")
def batches_page(request: Request, session: SignedIn) -> Response:
    from lading.api.console import queries
    from lading.services.orchestration import batches

    require(session.access, "orchestration:read")
    status = request.query_params.get("status", "").strip()
    workflow = request.query_params.get("workflow", "").strip()
    before = request.query_params.get("before") or None
    if status and status not in batches.BATCH_STATUSES:
        raise ValidationError(f"unknown batch status: {status}", reason="invalidData")
    if workflow and not queries.is_uuid(workflow):
        raise ValidationError("the tool or play filter is not a workflow uuid", reason="invalidData")
    page = queries.batches_page(session, statuses=[status] if status else None, workflow_uuid=workflow or None,
                                limit=PAGE_SIZE, before=before)
    choices = _workflows(session)
    plays = {c["workflowUuid"]: c for c in choices if c["group"] == "Plays"}
    for row in page["batches"]:  # a play's batches are named by their play (tools are named by the read)
        play = plays.get(row["workflowUuid"] or "")
        row["playUuid"], row["playName"] = (play["uuid"], play["label"]) if play else (None, None)
    kept = {k: v for k, v in (("status", status), ("workflow", workflow)) if v}
    next_url = f"/batches?{urlencode({**kept, 'before': page['next']})}" if page["next"] else None
    first_url = f"/batches?{urlencode(kept)}" if before else None
    return render(request, "batches.html", session=session, title="Batches", batches=page["batches"],
                  statuses=batches.BATCH_STATUSES, status=status, workflow=workflow, workflows=choices,
                  next_url=next_url, first_url=first_url)


def _output_slugs(session: Session, release_uuid: str | None) -> list[str]:
    """The node slugs of the batch's release an outputs file can be made of (`end` first)."""
    from lading.services.orchestration import releases

    if not release_uuid:
        return []
    try:
        nodes = releases.get_release(session, release_uuid)["release"].get("nodes") or []
    except LadingError:
        return []
    slugs = [str(n["slug"]) for n in nodes if isinstance(n, dict) and n.get("slug") and n.get("slug") != "start"]
    return sorted(slugs, key=lambda s: (s != "end", slugs.index(s)))


def _batch_page(request: Request, session: Session, uuid: str, *, error: str | None = None,
                status_code: int = 200) -> Response:
    from lading.services.orchestration import batches, plays, runs, tools

    require(session.access, "orchestration:read")
    overview = batches.batch_overview(session, uuid)
    batch, progress = overview["batch"], overview["progress"]
    workflow_uuid = batch.get("workflowUuid")
    tool = tools.tool_of_workflow(session, workflow_uuid) if workflow_uuid else None
    play = None
    if tool is None and workflow_uuid:
        play = next((p for p in plays.list_plays(session)["plays"] if p["workflowUuid"] == workflow_uuid), None)
    failed = runs.browse_runs(session, batch_uuid=uuid, statuses=["error"], limit=FAILED_SHOWN)["runs"] \
        if progress["failedRunsCount"] else []
    return render(request, "batch.html", session=session, status_code=status_code, title="Batch", batch=batch,
                  progress=progress, tool=tool, play=play, failed=failed, slugs=_output_slugs(session,
                                                                                          batch.get("releaseUuid")),
                  formats=FORMATS, error=error)


@router.get("/batches/{uuid}")
def batch_page(request: Request, uuid: str, session: SignedIn) -> Response:
    return _batch_page(request, session, uuid)


@live.get("/batches/{uuid}/progress.json")
def batch_progress(request: Request, uuid: str) -> Response:
    """The batch's progress for its live page (session cookie; same-origin reads only)."""
    from lading.services.orchestration import batches

    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    try:
        session = signed_in(request)
        if session is None:
            return JSONResponse({"error": "signInRequired"}, status_code=401, headers=headers)
        require(session.access, "orchestration:read")
        return JSONResponse(batches.batch_progress(session, uuid)["progress"], headers=headers)
    except LadingError as exc:
        return JSONResponse({"error": exc.reason or "refused", "message": exc.message}, status_code=exc.status_code,
                            headers=headers)
    except Exception as exc:  # the store's own refusals (busy, unreachable) keep their status; never a trace
        from lading.store.database import refusal_of

        refusal = refusal_of(exc)
        if not isinstance(refusal, LadingError):
            log.exception("batch progress failed: %s", request.url.path)
            return JSONResponse({"error": "internal", "message": "the progress could not be read"}, status_code=500,
                                headers=headers)
        return JSONResponse({"error": refusal.reason or "refused", "message": refusal.message},
                            status_code=refusal.status_code, headers=headers)


@router.post("/batches/{uuid}/rerun-failed")
async def rerun_failed(request: Request, uuid: str, session: SignedIn) -> Response:
    """Re-run only the batch's failed records in a new batch, then open it."""
    from anyio import to_thread

    from lading.services.orchestration import batches

    fields = await form(request)
    check_csrf(request, fields)

    def act() -> str:
        from lading.worker import finish_batch

        require(session.access, "orchestration:write")
        created = str(batches.rerun_failed(session, uuid)["batch"]["uuid"])
        finish_batch(session, created, wait=False)  # as `POST /v1/orchestration/batches` does
        return created

    try:
        new_uuid = await to_thread.run_sync(act)
    except LadingError as exc:
        if exc.status_code == 404 and exc.reason in ("batchNotFound", "notFound", None):
            raise
        message, status = exc.message, exc.status_code
        return await to_thread.run_sync(lambda: _batch_page(request, session, uuid, error=message,
                                                            status_code=status))
    return RedirectResponse(f"/batches/{new_uuid}", status_code=303)


@router.post("/batches/{uuid}/download")
async def download(request: Request, uuid: str, session: SignedIn) -> Response:
    """Make the batch's outputs file (`batch download`) or its failed runs' file (`run download
    --batch-uuid --statuses error`) and send the browser to its signed export link."""
    from anyio import to_thread

    from lading.api._links import signed

    fields = await form(request)
    check_csrf(request, fields)
    what = fields.get("what", "outputs")
    slug = fields.get("node", "").strip() or "end"
    fmt = fields.get("format", "csv")

    def act() -> str:
        from lading.services.orchestration import batches, runs

        require(session.access, "orchestration:read")
        if what == "failed":
            batch = batches.get_batch(session, uuid)["batch"]
            return runs.export_runs(session, workflow_uuid=batch["workflowUuid"], batch_uuid=uuid,
                                    statuses=["error"])["url"]
        return batches.export_batch(session, batch_uuid=uuid, output_node_slug=slug, fmt=fmt)["url"]

    try:
        url = await to_thread.run_sync(act)
    except LadingError as exc:
        if exc.status_code == 404 and exc.reason in ("batchNotFound", "notFound", None):
            raise
        message, status = exc.message, exc.status_code
        return await to_thread.run_sync(lambda: _batch_page(request, session, uuid, error=message,
                                                            status_code=status))
    return RedirectResponse(signed(request, url), status_code=303, headers={"Cache-Control": "no-store"})

