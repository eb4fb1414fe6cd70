"""`workspaceManagement file upload|list-columns`: batch input files (CSV, JSON Lines, JSON arrays)."""

from __future__ import annotations

import mimetypes
import uuid as uuidlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lading.domain.errors import NotFoundError, ValidationError
from lading.engine.batch_files import csv_columns
from lading.services.session import Session
from lading.services.workspace import shapes
from lading.store.clock import utcnow
from lading.store.repositories import files as repo


def upload(session: Session, path: str) -> dict[str, Any]:
    source = Path(path).expanduser()
    if not source.is_file():
        raise ValidationError(f"file not found: {path}", reason="invalidData")
    name = source.name
    content_type = mimetypes.guess_type(name)[0] or "text/csv"
    if name.lower().endswith((".jsonl", ".ndjson")):
        content_type = "application/x-ndjson"
    s3_filename = f"{session.workspace_uuid}/{uuidlib.uuid4()}/{name}"
    with source.open("rb") as stream:
        repo.store_file(session.db, session.workspace_uuid, s3_filename, name, content_type, stream, utcnow())
    return shapes.UploadedFile(s3_filename=s3_filename, content_type=content_type, name=name).dump()


def require_file(session: Session, s3_filename: str) -> Any:
    with session.db.read() as conn:
        row = repo.get_file(conn, session.workspace_uuid, s3_filename)
    if row is None:
        raise NotFoundError(f"File not found: {s3_filename}", reason="fileNotFound")
    return row


def list_columns(session: Session, s3_filename: str) -> dict[str, Any]:
    row = require_file(session, s3_filename)
    if row.name.lower().endswith((".json", ".jsonl", ".ndjson")):
        from lading.engine.batch_files import reader_for

        for item in reader_for(row.name, row.content_type, repo.iter_bytes(session.db, s3_filename)):
            if item.value is not None:
                return _columns(item.value)
        return _columns([])
    return _columns(csv_columns(repo.iter_bytes(session.db, s3_filename)))


def _columns(names: Iterable[str]) -> dict[str, Any]:
    return shapes.Columns(columns=[shapes.Column(type="string", name=n) for n in names]).dump()
