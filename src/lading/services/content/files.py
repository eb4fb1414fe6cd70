"""`content file …` and `content library …` (alias `ai file …`): the files agents search (spec §2.7).

A content file is uploaded once: its bytes go into the store in chunks under an opaque key (like
batch input files, so every worker on every machine reads the same bytes) and, for the searchable
types, its text is extracted and cut into passages in the same transaction — a file that cannot be
read is refused whole, nothing half-written. Libraries group workspace files (`kind native`);
libraries synced by an unstructured-data extractor (`kind connector`) are not available and are
refused with a message saying so. Folders are not stored by this installation: a folder uuid is a
label a file or library carries, and a folder "exists" while something is in it.
"""

from __future__ import annotations

import mimetypes
import uuid as uuidlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError, shown
from lading.domain.nodes import UUID_RE
from lading.services import inputs
from lading.services.session import Session
from lading.store.clock import iso, utcnow
from lading.store.repositories import content as repo

MAX_FILE_BYTES = 100 * 1024 * 1024
_UNSET: Any = object()
LIBRARY_KINDS = ("native", "connector")


# --- presenters ---------------------------------------------------------------------------------

def present_file(row: Any) -> dict[str, Any]:
    """A File (spec §2.7)."""
    return {"uuid": row.uuid, "workspaceUuid": row.workspace_uuid, "name": row.name, "s3Filename": row.s3_filename,
            "openAiFileId": None, "contentType": row.content_type, "size": int(row.size),
            "isTemporary": bool(row.is_temporary), "folderUuid": row.folder_uuid,
            "createdAt": iso(row.created_at), "updatedAt": iso(row.updated_at)}


def present_library(row: Any) -> dict[str, Any]:
    """A Library (spec §2.7)."""
    return {"uuid": row.uuid, "workspaceUuid": row.workspace_uuid, "name": row.name, "kind": row.kind,
            "connectorUuid": row.connector_uuid, "extractor": row.extractor_slug, "extractorSlug": row.extractor_slug,
            "config": row.config or {}, "fileUuids": list(row.file_uuids or []), "folderUuid": row.folder_uuid,
            "syncedAt": iso(row.synced_at), "createdAt": iso(row.created_at), "updatedAt": iso(row.updated_at)}


# --- checks -------------------------------------------------------------------------------------

def _uuid_or_none(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) and UUID_RE.match(value) else None




def _file_not_found(uuid: str) -> NotFoundError:
    return NotFoundError(f"File not found: {uuid}", reason="fileNotFound", details={"uuid": uuid})


def _library_not_found(uuid: str) -> NotFoundError:
    return NotFoundError(f"Library not found: {uuid}", reason="libraryNotFound", details={"uuid": uuid})


def require_file(session: Session, conn: Any, uuid: str) -> Any:
    key = _uuid_or_none(uuid)
    row = repo.get_file(conn, session.workspace_uuid, key) if key else None
    if row is None:
        raise _file_not_found(uuid)
    return row


def require_library(session: Session, conn: Any, uuid: str) -> Any:
    key = _uuid_or_none(uuid)
    row = repo.get_library(conn, session.workspace_uuid, key) if key else None
    if row is None:
        raise _library_not_found(uuid)
    return row


# --- files --------------------------------------------------------------------------------------

def list_files(session: Session, *, folder_uuid: str | None = None) -> dict[str, Any]:
    with session.db.read() as conn:
        rows = repo.list_files(conn, session.workspace_uuid, folder_uuid=inputs.folder_uuid(folder_uuid))
    return {"files": [present_file(r) for r in rows]}


def get_file(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"file": present_file(require_file(session, conn, uuid))}


def upload_file(session: Session, path: str, *, folder_uuid: str | None = None,
                is_temporary: bool = False) -> dict[str, Any]:
    """Store the bytes and, for PDF/CSV/text/Markdown/HTML/JSON, the passages to search — in one
    transaction, after the size cap and the extraction have passed."""
    from lading.ai.bm25 import index_terms
    from lading.ai.extraction import ExtractionError, extract_passages, searchable_kind
    from lading.store.repositories import files as blobs

    source = Path(path).expanduser()
    if not source.is_file():
        raise ValidationError(f"file not found: {path}", reason="invalidData")
    size = source.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValidationError(f"{source.name} is {size} bytes; content files are capped at 100 MiB "
                              f"({MAX_FILE_BYTES} bytes)", reason="fileTooLarge", status_code=413)
    folder = inputs.folder_uuid(folder_uuid)
    name = source.name[:255]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    kind = searchable_kind(name, content_type)
    try:
        passages = [(text, *index_terms(text)) for text in (extract_passages(source, kind) if kind else [])]
    except ExtractionError as exc:
        raise ValidationError(f"{name}: {exc}", reason="invalidData") from exc
    uuid = str(uuidlib.uuid4())
    s3_filename = f"{session.workspace_uuid}/content/{uuid}/{name[:150]}"
    now = utcnow()
    ws = session.workspace_uuid
    with session.db.write() as conn, source.open("rb") as stream:
        stored = blobs.write_file(conn, ws, s3_filename, name, content_type, stream, now)
        repo.insert_file(conn, ws, {
            "uuid": uuid, "name": name, "s3_filename": s3_filename, "content_type": content_type, "size": stored,
            "is_searchable": kind is not None, "is_temporary": is_temporary, "folder_uuid": folder,
            "created_at": now, "updated_at": now}, passages)
        return {"file": present_file(repo.get_file(conn, ws, uuid))}


def update_file(session: Session, uuid: str, *, name: str | None = None, folder_uuid: Any = _UNSET) -> dict[str, Any]:
    """Rename or move a file (`folder_uuid=None` / `"null"`: the root); the content never changes."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = inputs.object_name(name)
    if folder_uuid is not _UNSET:
        values["folder_uuid"] = inputs.folder_uuid(folder_uuid)
    ws = session.workspace_uuid
    with session.db.write() as conn:
        row = require_file(session, conn, uuid)
        if values:
            repo.update_file(conn, ws, row.uuid, {**values, "updated_at": utcnow()})
        return {"file": present_file(repo.get_file(conn, ws, row.uuid))}


def remove_file(session: Session, uuid: str) -> dict[str, Any]:
    """The file, its bytes and passages; libraries listing it drop it."""
    from lading.store.repositories import files as blobs

    ws = session.workspace_uuid
    with session.db.write() as conn:
        row = require_file(session, conn, uuid)
        for library in repo.list_libraries(conn, ws):
            if row.uuid in (library.file_uuids or []):
                repo.update_library(conn, ws, library.uuid, {
                    "file_uuids": [f for f in library.file_uuids if f != row.uuid], "updated_at": utcnow()})
        repo.delete_file(conn, ws, row.uuid)
        blobs.delete_file(conn, ws, row.s3_filename)
    return {"uuid": row.uuid, "removed": True}


# --- libraries ----------------------------------------------------------------------------------

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


def _config(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError("--config must be a JSON object", reason="invalidData")
    return value


def list_libraries(session: Session, *, kind: str | None = None, connector_uuid: str | None = None) -> dict[str, Any]:
    if kind is not None and kind not in LIBRARY_KINDS:
        raise ValidationError(f"--kind must be native or connector (got {shown(kind)})", reason="invalidData")
    with session.db.read() as conn:
        rows = repo.list_libraries(conn, session.workspace_uuid, kind=kind,
                                   connector_uuid=connector_uuid.lower() if connector_uuid else None)
    return {"libraries": [present_library(r) for r in rows]}


def get_library(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"library": present_library(require_library(session, conn, uuid))}


def create_library(session: Session, *, name: str, connector_uuid: str | None = None,
                   extractor_slug: str | None = None, folder_uuid: str | None = None, config: Any = None,
                   file_uuids: Any = None) -> dict[str, Any]:
    if connector_uuid or extractor_slug:
        raise _refuse_connector_library()
    values = {"name": inputs.object_name(name), "folder_uuid": inputs.folder_uuid(folder_uuid),
              "config": _config(config)}
    ws = session.workspace_uuid
    uuid = str(uuidlib.uuid4())
    now = utcnow()
    with session.db.write() as conn:
        repo.insert_library(conn, ws, {**values, "uuid": uuid, "kind": "native", "connector_uuid": None,
                                       "extractor_slug": None, "file_uuids": _file_uuids(session, conn, file_uuids),
                                       "synced_at": None, "created_at": now, "updated_at": now})
        return {"library": present_library(repo.get_library(conn, ws, uuid))}


def update_library(session: Session, uuid: str, *, name: str | None = None, folder_uuid: Any = _UNSET,
                   config: Any = None, file_uuids: Any = None) -> dict[str, Any]:
    """Only the given fields change; `--file-uuids` replaces the whole list."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = inputs.object_name(name)
    if folder_uuid is not _UNSET:
        values["folder_uuid"] = inputs.folder_uuid(folder_uuid)
    if config is not None:
        values["config"] = _config(config)
    ws = session.workspace_uuid
    with session.db.write() as conn:
        row = require_library(session, conn, uuid)
        if file_uuids is not None:
            values["file_uuids"] = _file_uuids(session, conn, file_uuids)
        if values:
            repo.update_library(conn, ws, row.uuid, {**values, "updated_at": utcnow()})
        return {"library": present_library(repo.get_library(conn, ws, row.uuid))}


def remove_library(session: Session, uuid: str) -> dict[str, Any]:
    """The library only: its files stay in the workspace."""
    with session.db.write() as conn:
        row = require_library(session, conn, uuid)
        repo.delete_library(conn, session.workspace_uuid, row.uuid)
    return {"uuid": row.uuid, "removed": True}


# --- what agent resources reach -----------------------------------------------------------------

def reference_exists(conn: Any, workspace_uuid: str, kind: str, uuid: str) -> bool:
    """A `file` resource item (`file`, `folder` or `library`) names something in this workspace."""
    key = _uuid_or_none(uuid)
    if key is None:
        return False
    if kind == "file":
        return repo.get_file(conn, workspace_uuid, key) is not None
    if kind == "library":
        return repo.get_library(conn, workspace_uuid, key) is not None
    return repo.folder_in_use(conn, workspace_uuid, key)


def files_of_items(conn: Any, workspace_uuid: str, items: Iterable[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """The file uuids a resource's items reach (files, every file of a folder, a library's files), and
    the items that name nothing in this workspace."""
    found: list[str] = []
    missing: list[str] = []

    def add(uuids: Sequence[str]) -> None:
        found.extend(u for u in uuids if u not in found)

    for item in items:
        kind = item.get("kind")
        key = _uuid_or_none(item.get(f"{kind}Uuid"))
        if kind == "file" and key and repo.get_file(conn, workspace_uuid, key) is not None:
            add([key])
        elif kind == "folder" and key and repo.folder_in_use(conn, workspace_uuid, key):
            add([r.uuid for r in repo.list_files(conn, workspace_uuid, folder_uuid=key)])
            for library in repo.list_libraries(conn, workspace_uuid):
                if library.folder_uuid == key:
                    add(list(library.file_uuids or []))
        elif kind == "library" and key and (library := repo.get_library(conn, workspace_uuid, key)) is not None:
            add(list(library.file_uuids or []))
        else:
            missing.append(f"{kind} {item.get(f'{kind}Uuid')}")
    return found, missing


# How much of an attached file's text goes to the model with a chat message.
ATTACHMENT_CHARS = 20_000


def attachment_parts(conn: Any, workspace_uuid: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A message's `file` parts checked against the workspace's content files and completed with the
    file's name and type (`fileNotFound` for an unknown one)."""
    out = []
    for part in parts:
        if part.get("type") == "file":
            row = repo.get_file(conn, workspace_uuid, str(part.get("fileUuid")))
            if row is None:
                raise _file_not_found(str(part.get("fileUuid")))
            part = {**part, "name": part.get("name") or row.name, "contentType": part.get("contentType")
                    or row.content_type}
        out.append(part)
    return out


def with_attachment_text(conn: Any, workspace_uuid: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History parts with each attached file's extracted text (`text`), for the model to read."""
    return [{**p, "text": repo.file_text(conn, workspace_uuid, str(p.get("fileUuid")), ATTACHMENT_CHARS)}
            if p.get("type") == "file" else p for p in parts]
