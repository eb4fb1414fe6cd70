"""`/storage/runs…`: create (= `storage model refresh`), list, cancel — the extractor syncs of models
(api.md §3), and `get` (a Lading addition). Native models have no sync, so create is refused as `model
refresh` refuses it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.storage import _schemas as schemas
from lading.services.session import Session
from lading.services.storage import models, runs

router = Router(prefix="/storage/runs", tags=["storage"])
Caller = Annotated[Session, Depends(caller)]


class RunCreate(Body):
    model_uuid: str
    is_reset: bool = False
    is_force: bool = False


class RunList(Query):
    model_uuid: str | None = None
    statuses: list[str] | None = None
    limit: int = 50
    offset: int = 0


@router.post("", summary="run.create: start the model's extractor sync (as `storage model refresh`)",
             **answers(schemas.StorageRunAnswer))
def create_run(body: RunCreate, session: Caller) -> dict[str, Any]:
    refreshed = models.refresh_model(session, body.model_uuid)  # waits for the sync (see models.refresh_model)
    return {"run": refreshed["model"]["lastRun"]}


@router.get("/list", summary="run.list: the models' sync history, newest first",
            openapi_extra=query_parameters(RunList), **answers(schemas.StorageRunList))
def list_runs(session: Caller, fields: Annotated[RunList, Depends(query(RunList))]) -> dict[str, Any]:
    return runs.list_runs(session, model_uuid=fields.model_uuid, statuses=fields.statuses, limit=fields.limit,
                          offset=fields.offset)


@router.get("/{uuid}", summary="run.get (Lading): one sync with its counts and cursors",
            **answers(schemas.StorageRunAnswer))
def get_run(uuid: str, session: Caller) -> dict[str, Any]:
    return runs.get_run(session, uuid)


@router.post("/{uuid}/cancel", summary="run.cancel: stop a sync still running", **answers(schemas.StorageRunAnswer))
def cancel_run(uuid: str, session: Caller) -> dict[str, Any]:
    return runs.cancel_run(session, uuid)
