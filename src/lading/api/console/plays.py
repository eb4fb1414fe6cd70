"""Plays: the list (model, segment, enabled, change kinds, last batch) and a play's page (its segment and
how many records it holds, its batches, and "run by hand": a batch over the play's own segment, what
`orchestration batch create --workflow-uuid <play.workflowUuid> --data '{"kind":"segment",…}'` does)."""

from __future__ import annotations

from typing import Annotated, Any

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

BATCHES_SHOWN = 10


def _model_names(session: Session) -> dict[str, str]:
    """model uuid → name (empty when the token may not read storage: the page then shows uuids)."""
    from lading.services.storage import models

    try:
        return {m["uuid"]: m["name"] for m in models.list_models(session)["models"]}
    except LadingError:
        return {}


def _last_batch(session: Session, workflow_uuid: str) -> dict[str, Any] | None:
    from lading.api.console import queries

    listed = queries.batches_page(session, workflow_uuid=workflow_uuid, limit=1)["batches"]
    return listed[0] if listed else None


@router.get("/plays")
def plays_page(request: Request, session: SignedIn) -> Response:
    from lading.services.orchestration import plays

    require(session.access, "orchestration:read")
    listed = plays.list_plays(session)["plays"]
    names = _model_names(session)
    rows = [{**p, "modelName": names.get(p["modelUuid"]), "lastBatch": _last_batch(session, p["workflowUuid"])}
            for p in listed]
    return render(request, "plays.html", session=session, title="Plays", plays=rows)


def _play_page(request: Request, session: Session, uuid: str, *, error: str | None = None,
               status_code: int = 200) -> Response:
    from lading.api.console import queries
    from lading.services.orchestration import plays, releases
    from lading.services.segmentation import segments

    require(session.access, "orchestration:read")
    play = plays.get_play(session, uuid)["play"]
    try:  # the count of the last sync (a page never waits for a segment sync)
        segment: dict[str, Any] | None = segments.get_segment(session, play["segmentUuid"], sync_due=False)["segment"]
    except LadingError:
        segment = None
    try:
        deployed: dict[str, Any] | None = releases.get_deployed(session, workflow_uuid=play["workflowUuid"])["release"]
    except LadingError:
        deployed = None
    recent = queries.batches_page(session, workflow_uuid=play["workflowUuid"], limit=BATCHES_SHOWN)["batches"]
    return render(request, "play.html", session=session, status_code=status_code, title=play["name"], play=play,
                  model_name=_model_names(session).get(play["modelUuid"]), segment=segment, deployed=deployed,
                  batches=recent, error=error)


@router.get("/plays/{uuid}")
def play_page(request: Request, uuid: str, session: SignedIn) -> Response:
    return _play_page(request, session, uuid)


@router.post("/plays/{uuid}/run")
async def run_play(request: Request, uuid: str, session: SignedIn) -> Response:
    """Run the play by hand over its own segment's records, then open the new batch."""
    from anyio import to_thread

    fields = await form(request)
    check_csrf(request, fields)

    def act() -> str:
        from lading.services.orchestration import batches, plays
        from lading.worker import finish_batch

        require(session.access, "orchestration:write")
        play = plays.get_play(session, uuid)["play"]
        created = batches.create_batch(session, workflow_uuid=play["workflowUuid"],
                                       data={"kind": "segment", "segmentUuid": play["segmentUuid"]})
        batch_uuid = str(created["batch"]["uuid"])
        finish_batch(session, batch_uuid, wait=False)
        return batch_uuid

    try:
        batch_uuid = await to_thread.run_sync(act)
    except LadingError as exc:
        if exc.reason == "playNotFound":
            raise
        message, status = exc.message, exc.status_code
        return await to_thread.run_sync(lambda: _play_page(request, session, uuid, error=message,
                                                           status_code=status))
    return RedirectResponse(f"/batches/{batch_uuid}", status_code=303)
