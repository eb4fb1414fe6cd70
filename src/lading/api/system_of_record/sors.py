"""`/storage/systemOfRecord/sors…`: the workspace's one system of record (`system-of-record sor list`,
data spec §6.3). A Lading addition (api.md §14 keeps the client's own domain 501)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Router, caller
from lading.api._schemas import answers
from lading.api.system_of_record import _schemas as schemas
from lading.services.session import Session
from lading.services.system_of_record import sors

router = Router(prefix="/storage/systemOfRecord/sors", tags=["storage"])
Caller = Annotated[Session, Depends(caller)]


@router.get("/list", summary="sor list: {sors: [the workspace's storage]}", **answers(schemas.SorList))
def list_sors(session: Caller) -> dict[str, Any]:
    return sors.list_sors(session)
