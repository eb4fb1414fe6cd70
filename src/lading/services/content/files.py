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
import os
import uuid as uuidlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lading.domain.errors import ValidationError, found, shown
from lading.services import inputs
from lading.services.content import shapes
from lading.services.content._keys import KINDS, require, uuid_or_none
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
                       open_ai_file_id="", content_type=row.content_type, size=int(row.size),
                       is_temporary=bool(row.is_temporary), folder_uuid=row.folder_uuid,
                       created_at=iso(row.created_at), updated_at=iso(row.updated_at),
                       library_uuid=row.library_uuid, kind=row.kind or "native", connector_uuid=row.connector_uuid,
                       external_id=row.external_id)


# --- checks -------------------------------------------------------------------------------------

def require_file(session: Session, conn: Any, uuid: str) -> Any:
    return require(repo.get_file, conn, session.workspace_uuid, "File", uuid)


# --- files --------------------------------------------------------------------------------------

def list_files(session: Session, *, folder_uuid: str | None = None, library_uuid: str | None = None,
               kind: str | None = None, connector_uuid: str | None = None) -> dict[str, Any]:
    """Files newest first, narrowed by folder, by the library listing them (a native library's list,
    or what a connector library's syncs stored), by kind (`native` uploaded, `connector` synced) and
    by the connector that synced them."""
    if kind is not None and kind not in KINDS:
        raise ValidationError(f"kind must be native or connector (got {shown(kind)})", reason="invalidData")
    ws = session.workspace_uuid
    with session.db.read() as conn:
        uuids = None
        if library_uuid is not None:
            key = uuid_or_none(library_uuid)
            library = repo.get_library(conn, ws, key) if key else None
            uuids = library_files(conn, ws, library) if library is not None else []
        connector = None
        if connector_uuid:
            connector = uuid_or_none(connector_uuid) or "-"
        rows = repo.list_files(conn, ws, folder_uuid=inputs.folder_uuid(folder_uuid), uuids=uuids, kind=kind,
                               connector_uuid=connector)
    return {"files": [present_file(r).dump() for r in rows]}


def library_files(conn: Any, ws: str, library: Any) -> list[str]:
    """The files a library holds: a native library's list, or the files its syncs stored."""
    if library.kind == "connector":
        return repo.library_file_uuids(conn, ws, library.uuid)
    return list(library.file_uuids or [])


def get(session: Session, uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return {"file": present_file(require_file(session, conn, uuid)).dump()}


def too_large(name: str, size: int | None = None) -> ValidationError:
    """413 `fileTooLarge`; `size` None when the upload was stopped before its end (its size unknown)."""
    what = f"{name} is {size} bytes" if size is not None else f"{name} is over 100 MiB"
    return ValidationError(f"{what}; content files are capped at 100 MiB ({MAX_FILE_BYTES} bytes)",
                           reason="fileTooLarge", status_code=413)


def local_source(path: str) -> Path:
    """The file `--file-path` names, checked where it lies (readable, within the cap) before any byte
    is read: the embedded command and the remote one (before sending it) refuse it alike."""
    from lading.domain.user_files import user_file

    source = user_file("--file-path", path)
    size = source.stat().st_size
    if size > MAX_FILE_BYTES:
        raise too_large(source.name, size)
    return source


def content_type_of(name: str, declared: str | None = None) -> str:
    """The type a file is stored with: the one declared, unless missing or generic (then the one its
    name implies), so a file reads the same whether copied from disk or sent by a client."""
    given = (declared or "").split(";")[0].strip().lower()[:128]
    if given and given != "application/octet-stream":
        return given
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def upload(session: Session, path: str, *, folder_uuid: str | None = None,
           is_temporary: bool = False) -> dict[str, Any]:
    """`content file upload --file-path`: a local file into the store."""
    source = local_source(path)
    with source.open("rb") as stream:
        return store(session, source.name, stream, folder_uuid=folder_uuid, is_temporary=is_temporary)


def store(session: Session, name: str, stream: IO[bytes], *, content_type: str | None = None,
          folder_uuid: str | None = None, uuid: str | None = None, is_temporary: bool = False) -> dict[str, Any]:
    """Store the bytes of a seekable stream and, for PDF/CSV/text/Markdown/HTML/JSON, the passages to
    search — in one transaction, after the size cap and the extraction have passed.

    `uuid` naming a file of this workspace replaces that file's content in place (same uuid, folder
    kept unless `folder_uuid` is given, new name, type, size and passages); an unknown one makes a new
    file with a uuid of its own (api.md §0.5), so no caller picks another workspace's uuid."""
    replaced = _replaced_key(uuid)
    ws = session.workspace_uuid
    with session.db.read() as conn:
        folder = require_folder(conn, ws, folder_uuid, "file")
    prepared = prepare(name, stream, content_type)
    now = utcnow()
    with session.db.write() as conn:
        old = repo.get_file(conn, ws, replaced) if replaced else None
        if old is not None and old.kind == "connector":
            raise synced_refusal(old, "replaced")
        moved = {"folder_uuid": folder} if old is None or folder_uuid is not None else {}
        file_uuid = write_content(conn, ws, old, prepared, stream, now,
                                  {"is_temporary": is_temporary, **moved} if old is None else moved)
        return {"file": present_file(repo.get_file(conn, ws, file_uuid)).dump()}


@dataclass(frozen=True)
class Prepared:
    """A file's bytes checked before its transaction: name, type, whether searchable, passages."""

    name: str
    content_type: str
    searchable: bool
    passages: list[tuple[str, str, int]]


def prepare(name: str, stream: IO[bytes], content_type: str | None = None) -> Prepared:
    """The size cap and the text extraction of a seekable stream (`invalidData` when unreadable)."""
    from lading.ai.bm25 import index_terms
    from lading.ai.extraction import ExtractionError, extract_passages, searchable_kind
    from lading.services.workspace.files import clean_name

    name = clean_name(name)
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    if size > MAX_FILE_BYTES:
        raise too_large(name, size)
    content_type = content_type_of(name, content_type)
    kind = searchable_kind(name, content_type)
    stream.seek(0)
    try:
        passages = [(text, *index_terms(text)) for text in (extract_passages(stream, kind) if kind else [])]
    except ExtractionError as exc:
        raise ValidationError(f"{name}: {exc}", reason="invalidData") from exc
    stream.seek(0)
    return Prepared(name, content_type, kind is not None, passages)


def write_content(conn: Any, ws: str, old: Any | None, prepared: Prepared, stream: IO[bytes], now: Any,
                  values: dict[str, Any]) -> str:
    """Inside the caller's transaction: a new file (`old` None), or `old`'s content replaced in place
    (same uuid); `values` are further columns (folder, kind, library…). Returns the file's uuid."""
    from lading.store.repositories import files as blobs

    file_uuid = old.uuid if old is not None else str(uuidlib.uuid4())
    s3_filename = f"{ws}/content/{file_uuid}/{prepared.name[:150]}"
    row = {"name": prepared.name, "s3_filename": s3_filename, "content_type": prepared.content_type,
           "is_searchable": prepared.searchable, "updated_at": now, **values}
    stream.seek(0)
    if old is None:
        stored = blobs.write_file(conn, ws, s3_filename, prepared.name, prepared.content_type, stream, now)
        repo.insert_file(conn, ws, {"is_temporary": False, "folder_uuid": None, **row, "uuid": file_uuid,
                                    "size": stored, "created_at": now}, prepared.passages)
    else:
        blobs.delete_file(conn, ws, old.s3_filename)
        repo.delete_passages(conn, ws, file_uuid)
        stored = blobs.write_file(conn, ws, s3_filename, prepared.name, prepared.content_type, stream, now)
        repo.update_file(conn, ws, file_uuid, {**row, "size": stored})
        repo.insert_passages(conn, ws, file_uuid, prepared.passages)
    return file_uuid


def synced_refusal(row: Any, what: str) -> ValidationError:
    """A synced file belongs to its library's extractor: the next sync would undo any change."""
    return ValidationError(f"file {row.uuid} is synced by connector library {row.library_uuid} (provider id "
                           f"{row.external_id}); it cannot be {what} here — change it in the provider, or remove "
                           "the library", reason="fileIsSynced", status_code=409)


def _replaced_key(uuid: str | None) -> str | None:
    """The file an upload's `uuid` asks to replace: none when absent, else it must be a uuid."""
    if uuid in (None, ""):
        return None
    key = uuid_or_none(uuid)
    if key is None:
        raise ValidationError(f"uuid must be a file uuid (got {shown(uuid)})", reason="invalidData")
    return key


@dataclass(frozen=True)
class RawFile:
    """A file's bytes on their way out: what the HTTP answer declares, and the chunks, read one
    stored chunk at a time as they are sent."""

    name: str
    content_type: str
    size: int
    chunks: Iterator[bytes]


def read_bytes(session: Session, uuid: str) -> RawFile:
    """`GET /content/files/:uuid/raw`: the stored bytes of a file of this workspace, streamed."""
    from lading.store.repositories import files as blobs

    with session.db.read() as conn:
        row = require_file(session, conn, uuid)
    if int(row.size) > MAX_FILE_BYTES:
        raise ValidationError(f"{row.name} is {row.size} bytes, over the 100 MiB a file read answers",
                              reason="tooLarge", status_code=413)
    return RawFile(name=row.name, content_type=row.content_type, size=int(row.size),
                   chunks=blobs.iter_bytes(session.db, row.s3_filename))


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
        if row.kind == "connector" and values:
            raise synced_refusal(row, "renamed or moved")
        if "folder_uuid" in values:
            values["folder_uuid"] = require_folder(conn, ws, values["folder_uuid"], "file")
        if values:
            repo.update_file(conn, ws, row.uuid, {**values, "updated_at": utcnow()})
        return {"file": present_file(repo.get_file(conn, ws, row.uuid)).dump()}


def remove(session: Session, uuid: str) -> dict[str, Any]:
    """The file, its bytes and passages; libraries listing it drop it. A synced file is refused
    (`fileIsSynced`): its library's extractor owns it."""
    ws = session.workspace_uuid
    with session.db.write() as conn:
        row = require_file(session, conn, uuid)
        if row.kind == "connector":
            raise synced_refusal(row, "removed")
        drop_file(conn, ws, row)
    return shapes.Removed(uuid=row.uuid, removed=True).dump()


def drop_file(conn: Any, ws: str, row: Any) -> None:
    """Inside the caller's transaction: a file, its bytes and passages, and its place in native libraries."""
    from lading.store.repositories import files as blobs

    for library in repo.list_libraries(conn, ws, kind="native"):
        if row.uuid in (library.file_uuids or []):
            repo.update_library(conn, ws, library.uuid, {
                "file_uuids": [f for f in library.file_uuids if f != row.uuid], "updated_at": utcnow()})
    repo.delete_file(conn, ws, row.uuid)
    blobs.delete_file(conn, ws, row.s3_filename)


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
                    add(library_files(conn, workspace_uuid, library))
        elif kind == "library" and key and (library := repo.get_library(conn, workspace_uuid, key)) is not None:
            add(library_files(conn, workspace_uuid, library))
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
