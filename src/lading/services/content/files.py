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
                       created_at=iso(row.created_at), updated_at=iso(row.updated_at))


# --- checks -------------------------------------------------------------------------------------

def require_file(session: Session, conn: Any, uuid: str) -> Any:
    return require(repo.get_file, conn, session.workspace_uuid, "File", uuid)


# --- files --------------------------------------------------------------------------------------

def list_files(session: Session, *, folder_uuid: str | None = None, library_uuid: str | None = None,
               kind: str | None = None, connector_uuid: str | None = None) -> dict[str, Any]:
    """Files newest first, narrowed by folder, by the library listing them, by kind (every file here
    is `native`: uploaded) and by connector (no file comes from one, so naming one finds none)."""
    if kind is not None and kind not in KINDS:
        raise ValidationError(f"kind must be native or connector (got {shown(kind)})", reason="invalidData")
    if kind == "connector" or connector_uuid:
        return {"files": []}
    ws = session.workspace_uuid
    with session.db.read() as conn:
        uuids = None
        if library_uuid is not None:
            key = uuid_or_none(library_uuid)
            library = repo.get_library(conn, ws, key) if key else None
            uuids = list(library.file_uuids or []) if library is not None else []
        rows = repo.list_files(conn, ws, folder_uuid=inputs.folder_uuid(folder_uuid), uuids=uuids)
    return {"files": [present_file(r).dump() for r in rows]}


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
    from lading.ai.bm25 import index_terms
    from lading.ai.extraction import ExtractionError, extract_passages, searchable_kind
    from lading.services.workspace.files import clean_name
    from lading.store.repositories import files as blobs

    name = clean_name(name)
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    if size > MAX_FILE_BYTES:
        raise too_large(name, size)
    replaced = _replaced_key(uuid)
    ws = session.workspace_uuid
    with session.db.read() as conn:
        folder = require_folder(conn, ws, folder_uuid, "file")
    content_type = content_type_of(name, content_type)
    kind = searchable_kind(name, content_type)
    stream.seek(0)
    try:
        passages = [(text, *index_terms(text)) for text in (extract_passages(stream, kind) if kind else [])]
    except ExtractionError as exc:
        raise ValidationError(f"{name}: {exc}", reason="invalidData") from exc
    stream.seek(0)
    now = utcnow()
    with session.db.write() as conn:
        old = repo.get_file(conn, ws, replaced) if replaced else None
        file_uuid = old.uuid if old is not None else str(uuidlib.uuid4())
        s3_filename = f"{ws}/content/{file_uuid}/{name[:150]}"
        values = {"name": name, "s3_filename": s3_filename, "content_type": content_type,
                  "is_searchable": kind is not None, "updated_at": now}
        if old is None:
            stored = blobs.write_file(conn, ws, s3_filename, name, content_type, stream, now)
            repo.insert_file(conn, ws, {**values, "uuid": file_uuid, "size": stored, "is_temporary": is_temporary,
                                        "folder_uuid": folder, "created_at": now}, passages)
        else:
            blobs.delete_file(conn, ws, old.s3_filename)
            repo.delete_passages(conn, ws, file_uuid)
            stored = blobs.write_file(conn, ws, s3_filename, name, content_type, stream, now)
            moved = {"folder_uuid": folder} if folder_uuid is not None else {}
            repo.update_file(conn, ws, file_uuid, {**values, "size": stored, **moved})
            repo.insert_passages(conn, ws, file_uuid, passages)
        return {"file": present_file(repo.get_file(conn, ws, file_uuid)).dump()}


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
