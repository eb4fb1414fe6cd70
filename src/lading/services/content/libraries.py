"""`content library list|get|create|update|remove`: named sets of workspace content files.

Libraries group workspace files (`kind native`); libraries synced by an unstructured-data extractor
(`kind connector`) are not available and are refused with a message saying so.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from lading.domain.errors import ConflictError, ValidationError, shown
from lading.services import inputs
from lading.services.content import shapes
from lading.services.content._keys import KINDS, require
from lading.services.content.files import require_file
from lading.services.session import Session
from lading.services.workspace.folders import require_folder
from lading.store.clock import iso, utcnow
from lading.store.repositories import content as repo

_UNSET: Any = object()
LIBRARY_KINDS = KINDS


def present_library(row: Any) -> shapes.Library:
    """A Library (spec §2.7)."""
    return shapes.Library(uuid=row.uuid, workspace_uuid=row.workspace_uuid, name=row.name, kind=row.kind,
                          connector_uuid=row.connector_uuid, extractor=row.extractor_slug,
                          extractor_slug=row.extractor_slug, config=row.config or {},
                          file_uuids=list(row.file_uuids or []), folder_uuid=row.folder_uuid,
                          synced_at=iso(row.synced_at), created_at=iso(row.created_at), updated_at=iso(row.updated_at),
                          last_synced_at=iso(row.synced_at))


def require_library(session: Session, conn: Any, uuid: str) -> Any:
    return require(repo.get_library, conn, session.workspace_uuid, "Library", uuid)


def _refuse_connector_library() -> ValidationError:
    return ValidationError("connector libraries (synced by an unstructured-data extractor) are not available in "
                           "this installation yet; create a native library of workspace files with --file-uuids",
                           reason="extractorNotFound")


def _file_uuids(session: Session, conn: Any, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("--file-uuids must be a comma-separated list of file uuids", reason="invalidData")
    out: list[str] = []
    for uuid in value:
        row = require_file(session, conn, uuid.strip())
        if row.uuid not in out:
            out.append(row.uuid)
    return out


def list_libraries(session: Session, *, kind: str | None = None, connector_uuid: str | None = None) -> dict[str, Any]:
    if kind is not None and kind not in LIBRARY_KINDS:
        raise ValidationError(f"--kind must be native or connector (got {shown(kind)})", reason="invalidData")
    with session.db.read() as conn:
        rows = repo.list_libraries(conn, session.workspace_uuid, kind=kind,
                                   connector_uuid=connector_uuid.lower() if connector_uuid else None)
    return {"libraries": [present_library(r).dump() for r in rows]}


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"library": present_library(require_library(session, conn, uuid)).dump()}


def create(session: Session, *, name: str, connector_uuid: str | None = None,
           extractor_slug: str | None = None, folder_uuid: str | None = None, config: Any = None,
                   file_uuids: Any = None) -> dict[str, Any]:
    if connector_uuid or extractor_slug:
        raise _refuse_connector_library()
    values = {"name": inputs.object_name(name), "folder_uuid": inputs.folder_uuid(folder_uuid),
              "config": inputs.json_object(config, "--config")}
    ws = session.workspace_uuid
    uuid = str(uuidlib.uuid4())
    now = utcnow()
    with session.db.write() as conn:
        values["folder_uuid"] = require_folder(conn, ws, values["folder_uuid"], "file")
        repo.insert_library(conn, ws, {**values, "uuid": uuid, "kind": "native", "connector_uuid": None,
                                       "extractor_slug": None, "file_uuids": _file_uuids(session, conn, file_uuids),
                                       "synced_at": None, "created_at": now, "updated_at": now})
        return {"library": present_library(repo.get_library(conn, ws, uuid)).dump()}


def update(session: Session, uuid: str, *, name: str | None = None, folder_uuid: Any = _UNSET,
           config: Any = None, file_uuids: Any = None) -> dict[str, Any]:
    """Only the given fields change; `--file-uuids` replaces the whole list."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = inputs.object_name(name)
    if folder_uuid is not _UNSET:
        values["folder_uuid"] = inputs.folder_uuid(folder_uuid)
    if config is not None:
        values["config"] = inputs.json_object(config, "--config")
    ws = session.workspace_uuid
    with session.db.write() as conn:
        row = require_library(session, conn, uuid)
        if "folder_uuid" in values:
            values["folder_uuid"] = require_folder(conn, ws, values["folder_uuid"], "file")
        if file_uuids is not None:
            values["file_uuids"] = _file_uuids(session, conn, file_uuids)
        if values:
            repo.update_library(conn, ws, row.uuid, {**values, "updated_at": utcnow()})
        return {"library": present_library(repo.get_library(conn, ws, row.uuid)).dump()}


def remove(session: Session, uuid: str) -> dict[str, Any]:
    """A library that lists no file (409 `libraryHasFiles` otherwise, api.md §7): emptying it first
    (`update --file-uuids ""`) makes dropping what agents search through it a deliberate step. Files
    are never removed with a library."""
    with session.db.write() as conn:
        row = require_library(session, conn, uuid)
        if row.file_uuids:
            raise ConflictError(f"the library lists {len(row.file_uuids)} file(s); empty it first "
                                f"(content library update --uuid {row.uuid} --file-uuids \"\")",
                                reason="libraryHasFiles")
        repo.delete_library(conn, session.workspace_uuid, row.uuid)
    return shapes.Removed(uuid=row.uuid, removed=True).dump()
