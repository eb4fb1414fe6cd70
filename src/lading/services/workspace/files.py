"""`workspaceManagement file upload|list-columns`: batch input files (CSV, JSON Lines, JSON arrays).

A file reaches the store three ways, all ending in the same `{s3Filename, contentType, name}`: the
embedded CLI copies it from disk, `POST /workspaceManagement/files/upload` from a multipart request
(already spooled to disk by the server), and the chunked protocol of `_multipart` (files of 50 MiB or
more, sent in 8 MiB parts). Bytes always travel a chunk at a time, never the whole file in memory.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import uuid as uuidlib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError, shown
from lading.domain.user_files import user_file
from lading.engine.batch_files import csv_columns
from lading.services.session import Session
from lading.services.workspace import shapes
from lading.services.workspace._multipart import (
    MAX_PARTS,
    base_url,
    is_upload_id,
    normal_etag,
    signature_holds,
    signed_part_url,
)
from lading.services.workspace._multipart import PART_BYTES as PART_BYTES  # what clients cut files into
from lading.store.clock import utcnow
from lading.store.database import Database
from lading.store.repositories import files as repo

# One `POST …/files/upload` carries at most this much (api.md §0.5, the C §2.7 cap).
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
# **Decision:** a workspace file, however it arrives (embedded copy or chunked upload), is at most 1 GiB:
# files past the single-request cap go through the chunked protocol, which exists for them.
MAX_FILE_BYTES = 1024 * 1024 * 1024
# Files of this size or more go through the chunked protocol (api.md §0.5).
MULTIPART_THRESHOLD = 50 * 1024 * 1024
# A stored key is `<workspace>/<uuid>/<name>` (255 characters at most): longer names are shortened in
# the key only (the file keeps its full name).
_KEY_NAME_CHARS = 150


def too_large(limit: int) -> ValidationError:
    return ValidationError(f"fileTooLarge: the file is over {limit // (1024 * 1024)} MiB", reason="fileTooLarge",
                           status_code=413)


def content_type_of(name: str) -> str:
    """The content type a batch file is stored with, from its name (CSV unless it says otherwise)."""
    if name.lower().endswith((".jsonl", ".ndjson")):
        return "application/x-ndjson"
    return mimetypes.guess_type(name)[0] or "text/csv"


def clean_name(raw: str | None) -> str:
    """A file name as a client sent it, reduced to its last path segment without control characters."""
    text = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if ch >= " " and ch != "\x7f").strip()
    if len(text) > 255:
        raise ValidationError("the file name is longer than 255 characters", reason="invalidData")
    return text or "file"


def new_key(workspace_uuid: str, file_uuid: str, name: str) -> str:
    stem, ext = os.path.splitext(name)
    if len(name) > _KEY_NAME_CHARS:
        ext = ext[:20]
        name = stem[:_KEY_NAME_CHARS - len(ext)] + ext
    return f"{workspace_uuid}/{file_uuid}/{name}"


class _Capped:
    """A readable stream that fails with `fileTooLarge` once more than `limit` bytes came through, so an
    oversized file is refused inside the write transaction and nothing of it is kept."""

    def __init__(self, stream: repo.Readable, limit: int) -> None:
        self.stream, self.limit, self.seen = stream, limit, 0

    def read(self, size: int = -1, /) -> bytes:
        data = self.stream.read(size)
        self.seen += len(data)
        if self.seen > self.limit:
            raise too_large(self.limit)
        return data


def _stored_type(name: str, given: str | None) -> str:
    """The content type a file is stored with: the one given, unless missing or generic (then the one
    its name implies, which is what the batch reader goes by)."""
    declared = (given or "").split(";")[0].strip()[:128]
    return declared if declared and declared != "application/octet-stream" else content_type_of(name)


def store_upload(session: Session, name: str, content_type: str | None, stream: repo.Readable, *,
                 limit: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """Store a stream as a new workspace file: `{s3Filename, contentType, name}`."""
    name = clean_name(name)
    content_type = _stored_type(name, content_type)
    s3_filename = new_key(session.workspace_uuid, str(uuidlib.uuid4()), name)
    repo.store_file(session.db, session.workspace_uuid, s3_filename, name, content_type,
                    _Capped(stream, limit), utcnow())
    return shapes.UploadedFile(s3_filename=s3_filename, content_type=content_type, name=name).dump()


def upload(session: Session, path: str) -> dict[str, Any]:
    """`file upload --file-path`: copy a local file into the store."""
    source = user_file("--file-path", path)
    if source.stat().st_size > MAX_FILE_BYTES:
        raise too_large(MAX_FILE_BYTES)
    with source.open("rb") as stream:
        return store_upload(session, source.name, content_type_of(source.name), stream)


def require_file(session: Session, s3_filename: str) -> Any:
    """A finished file of the caller's workspace (an upload still in progress is not a file yet)."""
    row = None
    if not s3_filename.startswith(repo.UPLOADS_PREFIX):
        with session.db.read() as conn:
            row = repo.get_file(conn, session.workspace_uuid, s3_filename)
    if row is None:
        raise NotFoundError(f"File not found: {s3_filename}", reason="fileNotFound")
    return row


def list_columns(session: Session, s3_filename: str) -> dict[str, Any]:
    """`{"columns":[{"type":"string","name"}]}`: a CSV's header, or the keys of a JSON file's first
    object; a file with none (empty, or no object) is 400 `noColumnsFound`."""
    row = require_file(session, s3_filename)
    if row.name.lower().endswith((".json", ".jsonl", ".ndjson")):
        from lading.engine.batch_files import reader_for

        names: list[str] = []
        for item in reader_for(row.name, row.content_type, repo.iter_bytes(session.db, s3_filename)):
            if item.value is not None:
                names = [str(key) for key in item.value] if isinstance(item.value, dict) else []
                break
    else:
        names = csv_columns(repo.iter_bytes(session.db, s3_filename))
    if not any(names):
        raise ValidationError(f"noColumnsFound: no columns found in {s3_filename}", reason="noColumnsFound")
    return _columns(names)


def _columns(names: Iterable[str]) -> dict[str, Any]:
    return shapes.Columns(columns=[shapes.Column(type="string", name=n) for n in names]).dump()


# --- the chunked protocol (api.md §0.5): create → sign + PUT each part → complete (or abort) -------------

# **Decision:** an upload nobody completed or aborted is dropped a day after it started (checked when the
# workspace starts another), so abandoned parts do not stay in the store.
_ABANDONED_AFTER = timedelta(hours=24)


def _upload_not_found(upload_id: Any) -> NotFoundError:
    return NotFoundError(f"Upload not found: {upload_id}", reason="uploadNotFound")


def _require_upload(session: Session, conn: Any, s3_filename: str, upload_id: str) -> Any:
    """The caller's upload in progress whose file will be `s3_filename` (another workspace's, a finished
    or aborted one, or a mismatched key: `uploadNotFound`)."""
    upload = repo.get_upload(conn, upload_id, session.workspace_uuid) if is_upload_id(upload_id) else None
    if upload is None or new_key(session.workspace_uuid, upload_id, upload.name) != s3_filename:
        raise _upload_not_found(upload_id)
    return upload


def _part_number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PARTS:
        raise ValidationError(f"partNumber must be an integer from 1 to {MAX_PARTS}, got {shown(value)}",
                              reason="invalidPartNumber")
    return value


def create_multipart(session: Session, *, content_type: str, filename: str | None = None) -> dict[str, Any]:
    """Start a chunked upload: `{"s3Filename","uploadId"}` (the file's key once complete)."""
    name = clean_name(filename)
    upload_id = str(uuidlib.uuid4())
    now = utcnow()
    with session.db.write() as conn:
        for stale in repo.stale_uploads(conn, session.workspace_uuid, now - _ABANDONED_AFTER):
            repo.drop_upload(conn, stale)
        repo.start_upload(conn, session.workspace_uuid, upload_id, name, _stored_type(name, content_type), now)
    return {"s3Filename": new_key(session.workspace_uuid, upload_id, name), "uploadId": upload_id}


def sign_part(session: Session, *, s3_filename: str, upload_id: str, part_number: int,
              request_base: str) -> dict[str, Any]:
    """`{"url"}`: where to `PUT` one part's bytes, signed for an hour."""
    number = _part_number(part_number)
    with session.db.read() as conn:
        _require_upload(session, conn, s3_filename, upload_id)
    return {"url": signed_part_url(base_url(request_base), upload_id, number)}


def part_url_holds(upload_id: str, part_number: int, expires: str | None, signature: str | None) -> bool:
    """Was this part URL signed by the server and is it still valid? (False → 403 `forbidden`.)"""
    return 1 <= part_number <= MAX_PARTS and signature_holds(upload_id, part_number, expires, signature)


class _Hashed:
    """A stream passed through MD5 as it is read: the part's ETag is known once it is stored."""

    def __init__(self, stream: repo.Readable) -> None:
        self.stream, self.digest = stream, hashlib.md5(usedforsecurity=False)

    def read(self, size: int = -1, /) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def put_part(db: Database, *, upload_id: str, part_number: int, expires: str | None, signature: str | None,
             stream: repo.Readable) -> dict[str, Any]:
    """The public part `PUT` (the signature is the authority): store or replace one part,
    `{"partNumber","etag"}` with `etag` = hex MD5 of its bytes. The upload's parts together stay under
    the workspace file cap (413 `fileTooLarge`)."""
    from lading.services.access import forbidden

    if not part_url_holds(upload_id, part_number, expires, signature):
        raise forbidden()
    hashed = _Hashed(stream)
    with db.write() as conn:
        upload = repo.get_upload(conn, upload_id)
        if upload is None:
            raise _upload_not_found(upload_id)
        room = MAX_FILE_BYTES - repo.parts_size(conn, upload_id, besides=part_number)
        repo.put_part(conn, upload.workspace_uuid, upload_id, part_number, lambda: hashed.digest.hexdigest(),
                      _Capped(hashed, room), utcnow())
    return {"partNumber": part_number, "etag": hashed.digest.hexdigest()}


def _parts(value: Any) -> list[tuple[int, str]]:
    if not isinstance(value, list) or not value:
        raise ValidationError("parts must be a non-empty array of {partNumber, etag}", reason="invalidPart")
    parts: dict[int, str] = {}
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise ValidationError(f"parts[{index}] must be an object {{partNumber, etag}}", reason="invalidPart")
        number = _part_number(item.get("partNumber"))
        if number in parts:
            raise ValidationError(f"part {number} is listed twice", reason="invalidPart")
        parts[number] = normal_etag(item.get("etag"))
    return sorted(parts.items())


def complete_multipart(session: Session, *, s3_filename: str, upload_id: str, parts: Any) -> dict[str, Any]:
    """Check every listed part's ETag, then make the file of the parts in `partNumber` order:
    `{"s3Filename"}`. Parts not listed are dropped; a missing or changed part fails (`invalidPart`) and
    leaves the upload as it was, to be retried."""
    listed = _parts(parts)
    with session.db.write() as conn:
        _require_upload(session, conn, s3_filename, upload_id)
        received = {int(row.s3_filename.rsplit("/", 1)[1]): row for row in repo.list_parts(conn, upload_id)}
        for number, etag in listed:
            part = received.get(number)
            if part is None:
                raise ValidationError(f"part {number} was not uploaded", reason="invalidPart")
            if part.name != etag:
                raise ValidationError(f"part {number}: the ETag does not match the uploaded part",
                                      reason="invalidPart")
        if sum(int(received[number].size) for number, _ in listed) > MAX_FILE_BYTES:
            raise too_large(MAX_FILE_BYTES)
        repo.assemble(conn, session.workspace_uuid, upload_id, s3_filename, [n for n, _ in listed], utcnow())
    return {"s3Filename": s3_filename}


def abort_multipart(session: Session, *, s3_filename: str, upload_id: str) -> dict[str, Any]:
    """Drop an upload in progress and its parts: `{}`."""
    with session.db.write() as conn:
        _require_upload(session, conn, s3_filename, upload_id)
        repo.drop_upload(conn, upload_id)
    return {}
