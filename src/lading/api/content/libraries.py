"""`/content/libraries…`: named sets of workspace content files (`content library …`).

`fileUuids` is a Lading extension of the create and update bodies (the client sends none): it is how
a native library lists its files, and what the remote CLI's `--file-uuids` sends.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import Removed, answers
from lading.api.content import _schemas as schemas
from lading.services.content import libraries
from lading.services.session import Session

router = Router(prefix="/content/libraries", tags=["content"])
Caller = Annotated[Session, Depends(caller)]


class LibraryListQuery(Query):
    connector_uuid: str | None = None
    kind: str | None = None


class LibraryCreate(Body):
    name: str
    extractor_slug: str | None = None
    config: Any = None
    connector_uuid: str | None = None
    folder_uuid: str | None = None
    file_uuids: Any = None


class LibraryUpdate(Body):
    name: str | None = None
    config: Any = None
    folder_uuid: str | None = None
    file_uuids: Any = None


@router.get("/list", summary="library.list", openapi_extra=query_parameters(LibraryListQuery),
            **answers(schemas.LibraryList))
def list_libraries(session: Caller,
                   fields: Annotated[LibraryListQuery, Depends(query(LibraryListQuery))]) -> dict[str, Any]:
    return libraries.list_libraries(session, **fields.given())


@router.post("/create", summary="library.create (a connector library's first sync runs before the answer)",
             **answers(schemas.LibraryAnswer))
def create_library(body: LibraryCreate, session: Caller) -> dict[str, Any]:
    return libraries.create(session, **body.given())


@router.post("/{uuid}/sync", summary="Lading addition: sync a connector library now and wait for the sync",
             **answers(schemas.LibraryAnswer))
def sync_library(uuid: str, session: Caller) -> dict[str, Any]:
    return libraries.sync(session, uuid)


@router.get("/{uuid}", summary="library.get", **answers(schemas.LibraryAnswer))
def get_library(uuid: str, session: Caller) -> dict[str, Any]:
    return libraries.get(session, uuid)


@router.patch("/{uuid}", summary="library.update (`fileUuids` replaces the list)", **answers(schemas.LibraryAnswer))
def update_library(uuid: str, body: LibraryUpdate, session: Caller) -> dict[str, Any]:
    return libraries.update(session, uuid, **body.given())


@router.delete("/{uuid}", summary="library.remove (native: 409 libraryHasFiles while it lists files; "
               "connector: with its files)", **answers(Removed))
def remove_library(uuid: str, session: Caller) -> dict[str, Any]:
    return libraries.remove(session, uuid)
