"""Content files, their extracted passages, and libraries, always scoped to the caller's workspace."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, tuple_, update

from lading.store.schema import content_files, content_libraries, content_passages

# --- files ------------------------------------------------------------------------------------------


def insert_file(conn: Connection, ws: str, values: dict[str, Any],
                passages: Sequence[tuple[str, str, int]]) -> None:
    """The file row and its passages as (text, terms, length)."""
    conn.execute(insert(content_files).values(workspace_uuid=ws, **values))
    insert_passages(conn, ws, values["uuid"], passages)


def insert_passages(conn: Connection, ws: str, file_uuid: str, passages: Sequence[tuple[str, str, int]]) -> None:
    if passages:
        conn.execute(insert(content_passages), [
            {"file_uuid": file_uuid, "seq": i, "workspace_uuid": ws, "text": text, "terms": terms,
             "length": length} for i, (text, terms, length) in enumerate(passages)])


def delete_passages(conn: Connection, ws: str, file_uuid: str) -> None:
    """A file's extracted passages (its content is being replaced, or the file removed)."""
    conn.execute(delete(content_passages).where(content_passages.c.workspace_uuid == ws,
                                                content_passages.c.file_uuid == file_uuid))


def get_file(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(content_files).where(content_files.c.workspace_uuid == ws,
                                                    content_files.c.uuid == uuid)).first()


def file_by_s3_filename(conn: Connection, ws: str, s3_filename: str) -> Any | None:
    """The content file stored under `s3_filename` (a chat message's `s3File` part names it so)."""
    return conn.execute(select(content_files).where(content_files.c.workspace_uuid == ws,
                                                    content_files.c.s3_filename == s3_filename)).first()


def list_files(conn: Connection, ws: str, *, folder_uuid: str | None = None,
               uuids: Iterable[str] | None = None, library_uuid: str | None = None, kind: str | None = None,
               connector_uuid: str | None = None) -> Sequence[Any]:
    query = select(content_files).where(content_files.c.workspace_uuid == ws)
    if library_uuid is not None:
        query = query.where(content_files.c.library_uuid == library_uuid)
    if kind is not None:
        query = query.where(content_files.c.kind == kind)
    if connector_uuid is not None:
        query = query.where(content_files.c.connector_uuid == connector_uuid)
    if folder_uuid is not None:
        query = query.where(content_files.c.folder_uuid == folder_uuid)
    if uuids is not None:
        query = query.where(content_files.c.uuid.in_(list(uuids)))
    return conn.execute(query.order_by(content_files.c.created_at.desc(), content_files.c.uuid)).all()


def update_file(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(content_files).where(content_files.c.workspace_uuid == ws, content_files.c.uuid == uuid)
                 .values(**values))


def delete_file(conn: Connection, ws: str, uuid: str) -> None:
    delete_passages(conn, ws, uuid)
    conn.execute(delete(content_files).where(content_files.c.workspace_uuid == ws, content_files.c.uuid == uuid))


def library_file_uuids(conn: Connection, ws: str, library_uuid: str) -> list[str]:
    """The files a connector library's syncs stored, oldest first."""
    query = (select(content_files.c.uuid).where(content_files.c.workspace_uuid == ws,
                                                content_files.c.library_uuid == library_uuid)
             .order_by(content_files.c.created_at, content_files.c.uuid))
    return list(conn.execute(query).scalars())


def synced_file(conn: Connection, ws: str, library_uuid: str, external_id: str) -> Any | None:
    """The file a library's sync stored for the provider's `external_id`."""
    return conn.execute(select(content_files).where(
        content_files.c.workspace_uuid == ws, content_files.c.library_uuid == library_uuid,
        content_files.c.external_id == external_id)).first()


def mark_seen(conn: Connection, ws: str, library_uuid: str, external_ids: Sequence[str], run_uuid: str) -> None:
    if external_ids:
        conn.execute(update(content_files).where(
            content_files.c.workspace_uuid == ws, content_files.c.library_uuid == library_uuid,
            content_files.c.external_id.in_(list(external_ids))).values(seen_run_uuid=run_uuid))


def unseen_files(conn: Connection, ws: str, library_uuid: str, run_uuid: str) -> Sequence[Any]:
    """The library's files the sync `run_uuid` did not list (gone upstream once its listing is whole)."""
    return conn.execute(select(content_files).where(
        content_files.c.workspace_uuid == ws, content_files.c.library_uuid == library_uuid,
        (content_files.c.seen_run_uuid.is_(None)) | (content_files.c.seen_run_uuid != run_uuid))).all()


def folder_in_use(conn: Connection, ws: str, folder_uuid: str) -> bool:
    """Folders are not stored by this installation: a folder is known by the files and libraries in it."""
    for table in (content_files, content_libraries):
        if conn.execute(select(table.c.uuid).where(table.c.workspace_uuid == ws, table.c.folder_uuid == folder_uuid)
                        .limit(1)).first() is not None:
            return True
    return False


def passage_terms(conn: Connection, ws: str, file_uuids: Sequence[str]) -> Sequence[Any]:
    """(file_uuid, seq, terms, length) of the passages of these files: what a search ranks."""
    if not file_uuids:
        return []
    query = (select(content_passages.c.file_uuid, content_passages.c.seq, content_passages.c.terms,
                    content_passages.c.length)
             .where(content_passages.c.workspace_uuid == ws, content_passages.c.file_uuid.in_(list(file_uuids)))
             .order_by(content_passages.c.file_uuid, content_passages.c.seq))
    return conn.execute(query).all()


def passage_texts(conn: Connection, ws: str, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Any]:
    """(file_uuid, seq) → (text, file name) of a search's hits."""
    if not keys:
        return {}
    query = (select(content_passages.c.file_uuid, content_passages.c.seq, content_passages.c.text,
                    content_files.c.name)
             .join(content_files, content_files.c.uuid == content_passages.c.file_uuid)
             .where(content_passages.c.workspace_uuid == ws, content_files.c.workspace_uuid == ws,
                    tuple_(content_passages.c.file_uuid, content_passages.c.seq).in_(list(keys))))
    return {(r.file_uuid, r.seq): r for r in conn.execute(query)}


# --- libraries --------------------------------------------------------------------------------------


def insert_library(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(content_libraries).values(workspace_uuid=ws, **values))


def get_library(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(content_libraries).where(content_libraries.c.workspace_uuid == ws,
                                                        content_libraries.c.uuid == uuid)).first()


def list_libraries(conn: Connection, ws: str, *, kind: str | None = None,
                   connector_uuid: str | None = None) -> Sequence[Any]:
    query = select(content_libraries).where(content_libraries.c.workspace_uuid == ws)
    if kind is not None:
        query = query.where(content_libraries.c.kind == kind)
    if connector_uuid is not None:
        query = query.where(content_libraries.c.connector_uuid == connector_uuid)
    return conn.execute(query.order_by(content_libraries.c.created_at.desc(), content_libraries.c.uuid)).all()


def update_library(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(content_libraries).where(content_libraries.c.workspace_uuid == ws,
                                                 content_libraries.c.uuid == uuid).values(**values))


def delete_library(conn: Connection, ws: str, uuid: str) -> None:
    conn.execute(delete(content_libraries).where(content_libraries.c.workspace_uuid == ws,
                                                 content_libraries.c.uuid == uuid))


def file_text(conn: Connection, ws: str, file_uuid: str, limit_chars: int) -> str:
    """A file's extracted text, its passages in order, up to about `limit_chars` (chat attachments)."""
    out: list[str] = []
    used = 0
    query = (select(content_passages.c.text)
             .where(content_passages.c.workspace_uuid == ws, content_passages.c.file_uuid == file_uuid)
             .order_by(content_passages.c.seq))
    for text in conn.execute(query).scalars():
        out.append(text)
        used += len(text)
        if used >= limit_chars:
            break
    return "\n".join(out)[:limit_chars]
