"""Uploaded files, stored in chunks so any worker can stream them without loading them whole.

A file is one `files` row (its key, workspace, name, content type, size, chunk count) and its bytes as
`file_chunks` rows of at most `CHUNK_BYTES`, numbered from 0. Writers read their source a chunk at a
time, so memory stays flat whatever the size.

A chunked (multipart) upload in progress lives in the same two tables under keys no finished file has
(`uploads/<uploadId>`): the upload itself (name and content type of the file to be) and one row per part
(`uploads/<uploadId>/<partNumber>`, its `name` holding the part's ETag). Completing it renumbers the
parts' chunks into the finished file's key, so no byte is copied twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, delete, func, insert, select, update

from lading.store.database import Database
from lading.store.schema import file_chunks, files

CHUNK_BYTES = 1 << 20
UPLOADS_PREFIX = "uploads/"


class Readable(Protocol):
    """What a file's bytes are copied from: an open file, a spooled upload, a capped wrapper."""

    def read(self, size: int = -1, /) -> bytes: ...


def store_file(db: Database, ws: str, s3_filename: str, name: str, content_type: str, stream: Readable,
               now: Any) -> int:
    """Copy a stream into the store chunk by chunk; returns the size in bytes."""
    with db.write() as conn:
        return write_file(conn, ws, s3_filename, name, content_type, stream, now)


def _write_chunks(conn: Connection, s3_filename: str, stream: Readable) -> tuple[int, int]:
    size = seq = 0
    while True:
        data = stream.read(CHUNK_BYTES)
        if not data:
            break
        conn.execute(insert(file_chunks).values(s3_filename=s3_filename, seq=seq, data=data))
        size += len(data)
        seq += 1
    return size, seq


def write_file(conn: Connection, ws: str, s3_filename: str, name: str, content_type: str, stream: Readable,
               now: Any) -> int:
    """`store_file` inside the caller's transaction (content files store their text alongside)."""
    size, chunks = _write_chunks(conn, s3_filename, stream)
    conn.execute(insert(files).values(s3_filename=s3_filename, workspace_uuid=ws, name=name,
                                      content_type=content_type, size=size, chunks=chunks, created_at=now))
    return size


def delete_file(conn: Connection, ws: str, s3_filename: str) -> None:
    """A stored file and its bytes (nothing when the key is not this workspace's)."""
    if conn.execute(delete(files).where(files.c.workspace_uuid == ws, files.c.s3_filename == s3_filename)).rowcount:
        conn.execute(delete(file_chunks).where(file_chunks.c.s3_filename == s3_filename))


def get_file(conn: Connection, ws: str, s3_filename: str) -> Any | None:
    return conn.execute(select(files).where(files.c.workspace_uuid == ws, files.c.s3_filename == s3_filename)).first()


def iter_bytes(db: Database, s3_filename: str) -> Iterator[bytes]:
    """The file's bytes, one stored chunk per query (no long transaction, flat memory)."""
    seq = 0
    while True:
        with db.read() as conn:
            data = conn.execute(select(file_chunks.c.data).where(file_chunks.c.s3_filename == s3_filename,
                                                                 file_chunks.c.seq == seq)).scalar()
        if data is None:
            return
        yield bytes(data)
        seq += 1


# --- chunked uploads in progress -----------------------------------------------------------------------

def upload_key(upload_id: str) -> str:
    return f"{UPLOADS_PREFIX}{upload_id}"


def part_key(upload_id: str, part_number: int) -> str:
    return f"{UPLOADS_PREFIX}{upload_id}/{part_number:05d}"


def start_upload(conn: Connection, ws: str, upload_id: str, name: str, content_type: str, now: Any) -> None:
    conn.execute(insert(files).values(s3_filename=upload_key(upload_id), workspace_uuid=ws, name=name,
                                      content_type=content_type, size=0, chunks=0, created_at=now))


def get_upload(conn: Connection, upload_id: str, ws: str | None = None) -> Any | None:
    """The upload in progress (any workspace's when `ws` is None: a signed part URL names no workspace)."""
    query = select(files).where(files.c.s3_filename == upload_key(upload_id))
    if ws is not None:
        query = query.where(files.c.workspace_uuid == ws)
    return conn.execute(query).first()


def list_parts(conn: Connection, upload_id: str) -> list[Any]:
    """The parts received so far, by part number."""
    prefix = f"{upload_key(upload_id)}/"
    return list(conn.execute(select(files).where(files.c.s3_filename.startswith(prefix, autoescape=True))
                             .order_by(files.c.s3_filename)).all())


def parts_size(conn: Connection, upload_id: str, *, besides: int) -> int:
    """Bytes received for an upload, part `besides` left out (it is being replaced)."""
    prefix = f"{upload_key(upload_id)}/"
    total = conn.execute(select(func.coalesce(func.sum(files.c.size), 0)).where(
        files.c.s3_filename.startswith(prefix, autoescape=True),
        files.c.s3_filename != part_key(upload_id, besides))).scalar()
    return int(total or 0)


def put_part(conn: Connection, ws: str, upload_id: str, part_number: int, etag: Callable[[], str],
             stream: Readable, now: Any) -> int:
    """Store (or replace: parts are retried) one part; returns its size. `etag` is asked once the
    bytes are written (it is computed as they stream through)."""
    key = part_key(upload_id, part_number)
    _drop(conn, [key])
    size, chunks = _write_chunks(conn, key, stream)
    conn.execute(insert(files).values(s3_filename=key, workspace_uuid=ws, name=etag(),
                                      content_type="application/octet-stream", size=size, chunks=chunks,
                                      created_at=now))
    return size


def assemble(conn: Connection, ws: str, upload_id: str, s3_filename: str, part_numbers: Sequence[int],
             now: Any) -> int:
    """The finished file from the named parts in the given order, its chunks renumbered in place; the
    upload and every part (named or not) are gone afterwards. Returns the file's size."""
    upload = get_upload(conn, upload_id, ws)
    if upload is None:
        raise LookupError(upload_id)
    size = seq = 0
    for number in part_numbers:
        key = part_key(upload_id, number)
        part = conn.execute(select(files.c.size, files.c.chunks).where(files.c.s3_filename == key)).first()
        if part is None:
            raise LookupError(key)
        conn.execute(update(file_chunks).where(file_chunks.c.s3_filename == key)
                     .values(s3_filename=s3_filename, seq=file_chunks.c.seq + seq))
        size += int(part.size)
        seq += int(part.chunks)
    drop_upload(conn, upload_id)
    conn.execute(insert(files).values(s3_filename=s3_filename, workspace_uuid=ws, name=upload.name,
                                      content_type=upload.content_type, size=size, chunks=seq, created_at=now))
    return size


def drop_upload(conn: Connection, upload_id: str) -> None:
    """An upload in progress and all its parts."""
    _drop(conn, [upload_key(upload_id)] + [row.s3_filename for row in list_parts(conn, upload_id)])


def stale_uploads(conn: Connection, ws: str, before: Any) -> list[str]:
    """Upload ids of the workspace's uploads started before `before` (abandoned)."""
    rows = conn.execute(select(files.c.s3_filename).where(
        files.c.workspace_uuid == ws, files.c.s3_filename.startswith(UPLOADS_PREFIX, autoescape=True),
        files.c.created_at < before)).scalars()
    return sorted({key[len(UPLOADS_PREFIX):].split("/", 1)[0] for key in rows})


def _drop(conn: Connection, keys: list[str]) -> None:
    if keys:
        conn.execute(delete(file_chunks).where(file_chunks.c.s3_filename.in_(keys)))
        conn.execute(delete(files).where(files.c.s3_filename.in_(keys)))
