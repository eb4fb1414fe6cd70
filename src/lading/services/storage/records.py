"""`storage record …`: import, upsert, remove and list a model's records (data spec §4.1, §4.3), and
the single-record write behind the `modelUpsert` / `modelInsert` nodes.

Every write runs in one transaction: a fatal problem (columns that do not match the model, a bad row
under `--strict`) rolls everything back, and `--dry-run` does the whole import then rolls back, so
its counts are exact. Segment change detection is told after each committed write.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lading.data import physical
from lading.data.import_files import csv_header, detect_format, open_source, read_csv, read_ndjson
from lading.data.physical import qualified
from lading.data.writer import CHUNK_ROWS, ModelWriter, WriteReport
from lading.domain.errors import ValidationError
from lading.services.session import Session
from lading.services.storage import _derived as storage_derived
from lading.services.storage import shapes
from lading.services.storage.models import load_handle, notify_write, require_model
from lading.store.clock import iso, utcnow
from lading.store.repositories import storage as repo
from lading.store.repositories import storage_usage

MAX_UPSERT = 1000
MAX_LIST = 1000


class _DryRunRollbackError(Exception):
    """Raised inside the transaction to undo a dry run after counting."""


def _counters(report: WriteReport) -> dict[str, Any]:
    """The write counts as shape fields (snake_case)."""
    return {"inserted_records_count": report.inserted, "updated_records_count": report.updated,
            "unchanged_records_count": report.unchanged, "removed_records_count": report.removed,
            "skipped_records_count": report.skipped, "created_columns": report.created_columns,
            "errors": report.errors}


def _save_columns(conn: Any, session: Session, model_uuid: str) -> Any:
    def save(columns: list[dict[str, Any]]) -> None:
        repo.update_model(conn, session.workspace_uuid, model_uuid, {"columns": columns, "updated_at": utcnow()})
    return save


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    from lading.engine.batch_files import read_json_array

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                yield block

    for row in read_json_array(chunks()):
        yield row.line, row.value, row.error


def import_records(session: Session, *, model_uuid: str, file: str, fmt: str | None = None, mode: str = "upsert",
                   create_columns: bool = True, strict: bool = False, dry_run: bool = False) -> dict[str, Any]:
    """Stream a CSV / JSON / NDJSON file into the model, upserting by its id column."""
    path = Path(file).expanduser()
    open_source(path)
    fmt = detect_format(path, fmt)
    slugs, labels = csv_header(path) if fmt == "csv" else (None, [])
    report: WriteReport | None = None
    try:
        with session.db.write() as conn:
            model = require_model(session, conn, model_uuid, for_update=True)
            writer = ModelWriter(conn, model, mode=mode, create_columns=create_columns, from_csv=fmt == "csv",
                                 strict=strict)
            if slugs is not None:
                writer.check_keys(slugs, labels)
                id_col = model.id_column_slug
                if id_col != "_id" and id_col not in slugs:
                    raise ValidationError(f"the file has no column {id_col}, the model's id column",
                                          reason="columnMismatch")
                rows = read_csv(path, slugs)
            else:
                rows = read_ndjson(path) if fmt == "ndjson" else _json_rows(path)
            if fmt == "csv":
                chunk: list[tuple[int, Any]] = []
                for line, row, error in rows:
                    if row is None:
                        writer.fail(line, None, error or "unreadable row")
                        continue
                    chunk.append((line, row))
                    if len(chunk) >= CHUNK_ROWS:
                        writer.add_csv_chunk(chunk)
                        chunk = []
                writer.add_csv_chunk(chunk)
            else:
                for line, row, error in rows:
                    if row is None:
                        writer.fail(line, None, error or "unreadable row")
                    else:
                        writer.add(line, row)
            report = writer.finish(_save_columns(conn, session, model_uuid))
            storage_usage.count_written(conn, session.workspace_uuid, model_uuid, None, report.written, utcnow())
            if dry_run:
                raise _DryRunRollbackError
            others = storage_derived.after_write(conn, session.workspace_uuid, model, report, writer.now)
    except _DryRunRollbackError:
        pass
    assert report is not None
    if not dry_run and report.written:
        notify_write(session, model_uuid, others)
    shape = shapes.DryRunImport if dry_run else shapes.Import
    return {"import": shape(model_uuid=model_uuid, status="error" if report.skipped else "success",
                            **_counters(report)).dump()}


def upsert_records(session: Session, *, model_uuid: str, records: Any, strict: bool = False) -> dict[str, Any]:
    """Up to 1,000 records from JSON, upserted by id; bad ones are skipped and reported (with `strict`, the
    first bad one aborts the whole write: the ingest endpoint's all-or-nothing batches)."""
    if not isinstance(records, list):
        raise ValidationError("--records must be a JSON array of objects", reason="invalidData")
    if len(records) > MAX_UPSERT:
        raise ValidationError(f"at most {MAX_UPSERT} records per upsert (got {len(records)}); use record import",
                              reason="tooManyRecords")
    with session.db.write() as conn:
        model = require_model(session, conn, model_uuid, for_update=True)
        writer = ModelWriter(conn, model)
        writer.strict = strict
        for index, record in enumerate(records, start=1):
            if isinstance(record, dict):
                writer.add(index, record)
            else:
                writer.fail(index, None, "each record must be a JSON object")
        report = writer.finish(_save_columns(conn, session, model_uuid))
        storage_usage.count_written(conn, session.workspace_uuid, model_uuid, None, report.written, utcnow())
        others = storage_derived.after_write(conn, session.workspace_uuid, model, report, writer.now)
    if report.written:
        notify_write(session, model_uuid, others)
    return shapes.WriteCounts(**_counters(report)).dump()


def remove_records(session: Session, *, model_uuid: str, ids: list[str] | None) -> dict[str, Any]:
    if not ids:
        raise ValidationError("--ids needs at least one record id", reason="invalidData")
    with session.db.write() as conn:
        model = require_model(session, conn, model_uuid, for_update=True)
        cursor = conn.connection.cursor()
        removed = 0
        table = qualified(model.table_schema, model.table_name)
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            if conn.dialect.name == "postgresql":
                cursor.execute(f'DELETE FROM {table} WHERE "_id" = ANY(%s)', (part,))
            else:
                cursor.execute(f'DELETE FROM {table} WHERE "_id" IN ({",".join("?" * len(part))})', part)
            removed += max(cursor.rowcount, 0)
        others = (storage_derived.after_remove(conn, session.workspace_uuid, model, physical.to_utc(utcnow()))
                  if removed else set())
    if removed:
        notify_write(session, model_uuid, others)
    return shapes.RemovedRecords(removed_records_count=removed).dump()


def present_value(value: Any) -> Any:
    """A stored value as JSON: dates as ISO strings, JSON columns as values, 500.0 as 500."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if hasattr(value, "isoformat") and hasattr(value, "tzinfo"):
        return iso(value)
    return value


def list_records(session: Session, *, model_uuid: str, limit: int = 100, offset: int = 0) -> dict[str, Any]:
    if limit < 1 or limit > MAX_LIST:
        raise ValidationError(f"--limit must be between 1 and {MAX_LIST}", reason="invalidLimit")
    if offset < 0:
        raise ValidationError("--offset cannot be negative", reason="invalidOffset")
    from sqlalchemy import select

    with session.db.read() as conn:
        handle = load_handle(session, conn, model_uuid)
        table = handle.table
        columns = [table.c["_id"], *(table.c[c.slug] for c in handle.columns)]
        rows = conn.execute(select(*columns).order_by(table.c["_id"]).limit(limit).offset(offset)).all()
    keys = ["_id", *(c.slug for c in handle.columns)]
    return {"records": [{k: present_value(v) for k, v in zip(keys, row, strict=True)} for row in rows]}


def write_model_record(session: Session, *, action: str, config: Any,
                       workflow_uuid: str | None = None) -> dict[str, Any]:
    """The `modelUpsert` / `modelInsert` node: one record into a model, keyed by its id column.

    Unknown columns fail (the node's data must match the model); insert fails on an existing id and
    generates a missing `_id`.
    """
    if not isinstance(config, dict) or not isinstance(config.get("modelUuid"), str):
        raise ValidationError(f"{action} needs config.modelUuid (a model uuid)", reason="invalidConfig")
    data = config.get("data")
    if not isinstance(data, dict):
        raise ValidationError(f"{action} needs config.data (an object of column values)", reason="invalidConfig")
    model_uuid = config["modelUuid"]
    with session.db.write() as conn:
        model = require_model(session, conn, model_uuid, for_update=True)
        writer = ModelWriter(conn, model, mode="insert" if action == "modelInsert" else "upsert",
                             create_columns=False, strict=True, keep_operations=True)
        writer.add(1, data)
        report = writer.finish(_save_columns(conn, session, model_uuid))
        storage_usage.count_written(conn, session.workspace_uuid, model_uuid, workflow_uuid, report.written,
                                    utcnow())
        others = storage_derived.after_write(conn, session.workspace_uuid, model, report, writer.now)
    record_id, operation = report.operations[0]
    if report.written:
        notify_write(session, model_uuid, others)
    return shapes.RecordWrite(id=record_id, operation="inserted" if operation == "inserted" else "updated").dump()

