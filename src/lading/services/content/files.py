"""`content file list|get|upload|update|remove` (alias `ai file …`): the files agents search (spec §2.7),
and what an agent's `file` resources and chat attachments reach.

A content file is uploaded once: its bytes go into the store in chunks under an opaque key (like
batch input files, so every worker on every machine reads the same bytes) and, for the searchable
types, its text is extracted and cut into passages in the same transaction — a file that cannot be
read is refused whole, nothing half-written. Folders are not stored by this installation: a folder
uuid is a label a file or library carries, and a folder "exists" while something is in it.
"""

from __future__ import annotations

import mimetypes
import uuid as uuidlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lading.domain.errors import ValidationError, found
from lading.services import inputs
from lading.services.content import shapes
from lading.services.content._keys import require, uuid_or_none
from lading.services.session import Session
from lading.services.workspace.folders import require_folder
from lading.store.clock import iso, utcnow
from lading.store.repositories import content as repo

MAX_FILE_BYTES = 100 * 1024 * 1024
_UNSET: Any = object()


# --- presenter -----------------------------------------------------------------------------------

def present_file(row: Any) -> shapes.File:
    """A File (spec §2.7)."""
    return shapes.File(uuid=row.uuid, workspace_uuid=row.workspace_uuid, name=row.name, s3_filename=row.s3_filename,
                       open_ai_file_id=None, content_type=row.content_type, size=int(row.size),
                       is_temporary=bool(row.is_temporary), folder_uuid=row.folder_uuid,
                       created_at=iso(row.created_at), updated_at=iso(row.updated_at))


# --- checks -------------------------------------------------------------------------------------

def require_file(session: Session, conn: Any, uuid: str) -> Any:
    return require(repo.get_file, conn, session.workspace_uuid, "File", uuid)


# --- files --------------------------------------------------------------------------------------

def list_files(session: Session, *, folder_uuid: str | None = None) -> dict[str, Any]:
    with session.db.read() as conn:
        rows = repo.list_files(conn, session.workspace_uuid, folder_uuid=inputs.folder_uuid(folder_uuid))
    return {"files": [present_file(r).dump() for r in rows]}


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"file": present_file(require_file(session, conn, uuid)).dump()}


def upload(session: Session, path: str, *, folder_uuid: str | None = None,
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
    with session.db.read() as conn:
        folder = require_folder(conn, session.workspace_uuid, folder_uuid, "file")
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
        return {"file": present_file(repo.get_file(conn, ws, uuid)).dump()}
def update(session: Session, uuid: str, *, name: str | None = None, folder_uuid: Any = _UNSET) -> dict[str, Any]:
    """Rename or move a file (`folder_uuid=None` / `"null"`: the root); the content never changes."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = inputs.object_name(name)
    if folder_uuid is not _UNSET:
        values["folder_uuid"] = inputs.folder_uuid(folder_uuid)
    ws = session.workspace_uuid
    with session.db.write() as conn:
        row = require_file(session, conn, uuid)
        if "folder_uuid" in values:
            values["folder_uuid"] = require_folder(conn, ws, values["folder_uuid"], "file")
        if values:
            repo.update_file(conn, ws, row.uuid, {**values, "updated_at": utcnow()})
        return {"file": present_file(repo.get_file(conn, ws, row.uuid)).dump()}


def remove(session: Session, uuid: str) -> dict[str, Any]:
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
    return shapes.Removed(uuid=row.uuid, removed=True).dump()


# --- what agent resources reach -----------------------------------------------------------------

def reference_exists(conn: Any, workspace_uuid: str, kind: str, uuid: str) -> bool:
    """A `file` resource item (`file`, `folder` or `library`) names something in this workspace."""
    key = uuid_or_none(uuid)
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
        key = uuid_or_none(item.get(f"{kind}Uuid"))
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
            uuid = str(part.get("fileUuid"))
            row = found(repo.get_file(conn, workspace_uuid, uuid), "File", uuid, details={"uuid": uuid})
            part = {**part, "name": part.get("name") or row.name, "contentType": part.get("contentType")
                    or row.content_type}
        out.append(part)
    return out


def with_attachment_text(conn: Any, workspace_uuid: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History parts with each attached file's extracted text (`text`), for the model to read."""
    return [{**p, "text": repo.file_text(conn, workspace_uuid, str(p.get("fileUuid")), ATTACHMENT_CHARS)}
            if p.get("type") == "file" else p for p in parts]
