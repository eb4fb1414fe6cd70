"""`/storage/datasets…`: list, get (`dataset.all`, `dataset.get`, api.md §3) and the Lading extensions
create (§12) and remove, which `storage dataset create|remove` send in remote mode."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Router, caller
from lading.api._schemas import Removed, answers
from lading.api.storage import _schemas as schemas
from lading.services.session import Session
from lading.services.storage import datasets

router = Router(prefix="/storage/datasets", tags=["storage"])
Caller = Annotated[Session, Depends(caller)]


class DatasetCreate(Body):
    slug: str
    name: str | None = None


@router.get("/list", summary="dataset.all: every dataset of the workspace (`default` always exists)",
            **answers(schemas.DatasetList))
def list_datasets(session: Caller) -> dict[str, Any]:
    return datasets.list_datasets(session)


@router.post("", summary="dataset create (Lading extension): a native dataset", **answers(schemas.DatasetAnswer))
def create_dataset(body: DatasetCreate, session: Caller) -> dict[str, Any]:
    return datasets.create_dataset(session, slug=body.slug, name=body.name)


@router.get("/{uuid}", summary="dataset.get", **answers(schemas.DatasetAnswer))
def get_dataset(uuid: str, session: Caller) -> dict[str, Any]:
    return datasets.get_dataset(session, uuid)


@router.delete("/{uuid}", summary="dataset remove (Lading extension): an empty native dataset", **answers(Removed))
def remove_dataset(uuid: str, session: Caller) -> dict[str, Any]:
    return datasets.remove_dataset(session, uuid)
