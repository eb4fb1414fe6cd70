"""`/segmentation/records/fetch`: a model's records by id (`segmentation record fetch`, api.md §4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import answers
from lading.api.segmentation import _schemas as schemas
from lading.services.segmentation import records
from lading.services.session import Session

router = Router(prefix="/segmentation/records", tags=["segmentation"])
Caller = Annotated[Session, Depends(caller)]


class RecordFetch(Body):
    model_uuid: str
    ids: list[str]
    # The client's cache hint: Lading reads the store itself on every fetch, so there is no cache to reset.
    reset_cache: bool = False


@router.post("/fetch", summary="record.fetch: records by id (unknown ids are absent)", **answers(schemas.Records))
def fetch_records(body: RecordFetch, session: Caller) -> dict[str, Any]:
    return records.fetch_records(session, model_uuid=body.model_uuid, ids=body.ids)
