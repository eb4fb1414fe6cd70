"""`/segmentation/changes…`: list, get, fetch, download (`segmentation change …`, api.md §4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import Request

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._links import signed_urls
from lading.api._schemas import answers
from lading.api.segmentation import _schemas as schemas
from lading.services.segmentation import changes
from lading.services.session import Session

router = Router(prefix="/segmentation/changes", tags=["segmentation"])
Caller = Annotated[Session, Depends(caller)]


class ChangeList(Query):
    segment_uuid: str | None = None
    not_empty: bool = False
    has_records: str | None = None
    limit: int = 100
    offset: int = 0


class ChangeFetch(Body):
    kinds: list[str]
    limit: int = 100
    offset: int = 0


class ChangeDownload(Body):
    kinds: list[str]
    format: str = "csv"


@router.get("/list", summary="change.all: one segment's changes, or the workspace's without segmentUuid",
            openapi_extra=query_parameters(ChangeList), **answers(schemas.ChangeList))
def list_changes(session: Caller, params: Annotated[ChangeList, Depends(query(ChangeList))]) -> dict[str, Any]:
    return changes.list_changes(session, segment_uuid=params.segment_uuid, limit=params.limit, offset=params.offset,
                                not_empty=params.not_empty, has_records=params.has_records, workspace_wide=True)


@router.get("/{uuid}", summary="change.get", **answers(schemas.ChangeAnswer))
def get_change(uuid: str, session: Caller) -> dict[str, Any]:
    return changes.get_change(session, uuid)


@router.post("/{uuid}/fetch", summary="change.fetch: the change's records of those kinds, and their count",
             **answers(schemas.ChangeFetch))
def fetch_change(uuid: str, body: ChangeFetch, session: Caller) -> dict[str, Any]:
    return changes.fetch_change(session, uuid=uuid, kinds=body.kinds, limit=body.limit, offset=body.offset)


@router.post("/{uuid}/download", summary="change.download: the change's records of those kinds as signed links",
             **answers(schemas.Links))
def download_change(uuid: str, body: ChangeDownload, request: Request, session: Caller) -> dict[str, Any]:
    return signed_urls(request, changes.download_change(session, uuid=uuid, kinds=body.kinds, fmt=body.format))
