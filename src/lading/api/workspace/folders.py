"""`/workspaceManagement/folders…`: folders of tools, plays, agents, files… (`workspaceManagement folder …`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import Removed, answers
from lading.api.workspace import _schemas as schemas
from lading.services.session import Session
from lading.services.workspace import folders

router = Router(prefix="/workspaceManagement/folders", tags=["workspaceManagement"])
Caller = Annotated[Session, Depends(caller)]


class FolderList(Query):
    kind: str | None = None


class FolderCreate(Body):
    name: str
    emoji_slug: str | None
    kind: str
    parent_uuid: str | None = None


class FolderUpdate(Body):
    name: str | None = None
    emoji_slug: str | None = None
    order: int | None = None
    parent_uuid: str | None = None


@router.get("/list", summary="folder.all (Lading: `kind` narrows the list)", openapi_extra=query_parameters(FolderList),
            **answers(schemas.FolderList))
def list_folders(session: Caller, params: Annotated[FolderList, Depends(query(FolderList))]) -> dict[str, Any]:
    return folders.list_folders(session, kind=params.kind)


@router.get("/{uuid}", summary="folder.get", **answers(schemas.FolderAnswer))
def get_folder(uuid: str, session: Caller) -> dict[str, Any]:
    return folders.get_folder(session, uuid)


@router.post("", summary="folder.create", **answers(schemas.FolderAnswer))
def create_folder(body: FolderCreate, session: Caller) -> dict[str, Any]:
    return folders.create_folder(session, **body.given())


@router.put("/{uuid}", summary="folder.update (`parentUuid: null` moves it to the root)",
            **answers(schemas.FolderAnswer))
def update_folder(uuid: str, body: FolderUpdate, session: Caller) -> dict[str, Any]:
    changes = body.given()
    if changes.get("order", 0) is None:
        changes.pop("order")
    return folders.update_folder(session, uuid, **changes)


@router.delete("/{uuid}", summary="folder.remove (only an empty folder)", **answers(Removed))
def remove_folder(uuid: str, session: Caller) -> dict[str, Any]:
    return folders.remove_folder(session, uuid)
