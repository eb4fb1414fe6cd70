"""Uploaded files, stored in chunks so any worker can stream them without loading them whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import Connection, delete, insert, select

from lading.store.database import Database
from lading.store.schema import file_chunks, files

CHUNK_BYTES = 1 << 20


def store_file(db: Database, ws: str, s3_filename: str, name: str, content_type: str, stream: IO[bytes],
               now: Any) -> int:
    """Copy a stream into the store chunk by chunk; returns the size in bytes."""
    with db.write() as conn:
        return write_file(conn, ws, s3_filename, name, content_type, stream, now)


def write_file(conn: Connection, ws: str, s3_filename: str, name: str, content_type: str, stream: IO[bytes],
               now: Any) -> int:
    """`store_file` inside the caller's transaction (content files store their text alongside)."""
    size = seq = 0
    while True:
        data = stream.read(CHUNK_BYTES)
        if not data:
            break
        conn.execute(insert(file_chunks).values(s3_filename=s3_filename, seq=seq, data=data))
        size += len(data)
        seq += 1
    conn.execute(insert(files).values(s3_filename=s3_filename, workspace_uuid=ws, name=name,
                                      content_type=content_type, size=size, chunks=seq, created_at=now))
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
