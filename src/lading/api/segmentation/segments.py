"""`/segmentation/segments…`: list, get, create, update, remove, fetch, download
(`segmentation segment …`, api.md §4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import Request

from lading.api._http import Body, Router, caller
from lading.api._links import signed_urls
from lading.api._schemas import Removed, answers
from lading.api.segmentation import _schemas as schemas
from lading.services.segmentation import segments
from lading.services.session import Session

router = Router(prefix="/segmentation/segments", tags=["segmentation"])
Caller = Annotated[Session, Depends(caller)]


# Filters and sorts are checked by the service against the model (D §8, §9), as for the CLI's JSON
# flags, so both faces refuse a malformed one with the same `invalidFilter` naming the bad part.
class SegmentCreate(Body):
    name: str
    model_uuid: str
    filter: Any
    sort: Any = None
    limit: int | None = None
    tracking_column_slugs: list[str] | None = None
    column_slugs: list[str] | None = None
    slug: str | None = None


class SegmentUpdate(Body):
    name: str | None = None
    filter: Any = None
    sort: Any = None
    limit: int | None = None
    tracking_column_slugs: list[str] | None = None
    column_slugs: list[str] | None = None


class SegmentFetch(Body):
    model_uuid: str
    filter: Any
    sort: Any = None
    limit: int | None = None
    fetching_limit: int = 100
    fetching_offset: int = 0
    enrich: bool = False
    sync: bool = False


class SegmentDownload(Body):
    model_uuid: str
    filter: Any
    sort: Any = None
    limit: int | None = None
    format: str = "csv"


@router.get("/list", summary="segment.all", **answers(schemas.SegmentList))
def list_segments(session: Caller) -> dict[str, Any]:
    return segments.list_segments(session)


@router.get("/{uuid}", summary="segment.get", **answers(schemas.SegmentAnswer))
def get_segment(uuid: str, session: Caller) -> dict[str, Any]:
    return segments.get_segment(session, uuid)


@router.post("", summary="segment.create (evaluated at once)", **answers(schemas.SegmentAnswer))
def create_segment(body: SegmentCreate, session: Caller) -> dict[str, Any]:
    return segments.create_segment(session, **body.given())


@router.put("/{uuid}", summary="segment.update (re-evaluated at once)", **answers(schemas.SegmentAnswer))
def update_segment(uuid: str, body: SegmentUpdate, session: Caller) -> dict[str, Any]:
    return segments.update_segment(session, uuid=uuid, **body.given())


@router.delete("/{uuid}", summary="segment.remove (body `{}`)", **answers(Removed))
def remove_segment(uuid: str, session: Caller) -> dict[str, Any]:
    return segments.remove_segment(session, uuid)


@router.post("/fetch", summary="segment.fetch: one page of an inline filter's records and their count",
             **answers(schemas.SegmentFetch))
def fetch_segment(body: SegmentFetch, session: Caller) -> dict[str, Any]:
    return segments.fetch(session, **body.given())


@router.post("/download", summary="segment.download: an inline filter's records as signed links",
             **answers(schemas.Links))
def download_segment(body: SegmentDownload, request: Request, session: Caller) -> dict[str, Any]:
    fields = body.given()
    fields["fmt"] = fields.pop("format", "csv")
    return signed_urls(request, segments.download(session, **fields))
