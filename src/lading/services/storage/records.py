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

import orjson

from lading.data import physical
from lading.data.import_files import CsvLayout, csv_header, detect_format, open_source, read_csv, read_ndjson
from lading.data.physical import COLUMN_TYPES, qualified
from lading.data.values import json_value
from lading.data.writer import CHUNK_ROWS, ModelWriter, WriteReport
from lading.domain.errors import ConflictError, NotFoundError, ValidationError, shown
from lading.services.session import Session
from lading.services.storage import _derived as storage_derived
from lading.services.storage import shapes
from lading.services.storage.models import NATIVE_EXTRACTOR, load_handle, notify_write, require_model
from lading.store.clock import utcnow
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
            "created_column_types": report.created_column_types, "errors": report.errors}


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
                   create_columns: bool = True, strict: bool = False, dry_run: bool = False,
                   column_types: Any = None, infer: bool = True) -> dict[str, Any]:
    """Stream a CSV / JSON / NDJSON file into the model, upserting by its id column.

    The columns a CSV import creates are typed from the whole file (`lading.data.csv_types`) unless
    `infer` is off; `column_types` (`{"slug": "type"}`, or its JSON text as the CLI flag and the
    multipart field carry it) types chosen columns itself."""
    path = Path(file).expanduser()
    open_source(path)
    fmt = detect_format(path, fmt)
    overrides = parse_column_types(column_types)
    layout = csv_header(path) if fmt == "csv" else None
    if layout is not None:
        _check_overrides_in_header(overrides, layout)
    report: WriteReport | None = None
    try:
        with session.db.write() as conn:
            model = require_model(session, conn, model_uuid, for_update=True)
            _check_overrides_against_model(overrides, model)
            planned = dict(overrides)
            if layout is not None and infer and create_columns:
                planned.update(_inferred_types(path, layout, model, overrides))
            writer = ModelWriter(conn, model, mode=mode, create_columns=create_columns, from_csv=fmt == "csv",
                                 strict=strict, column_types=planned, infer=infer)
            if layout is not None:
                _write_csv(writer, path, layout, model)
            else:
                rows = read_ndjson(path) if fmt == "ndjson" else _json_rows(path)
                for line, row, error in rows:
                    if row is None:
                        writer.fail(line, None, error or "unreadable row")
                    else:
                        writer.add(line, row)
            report = writer.finish(_save_columns(conn, session, model_uuid))
            unused = sorted(set(overrides) - set(writer.types))
            if unused:  # a JSON import names its keys only as they come: checked once all rows are read
                raise _unknown_override(unused[0], sorted(writer.types))
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


def _write_csv(writer: ModelWriter, path: Path, layout: CsvLayout, model: Any) -> None:
    """The rows of a CSV file, in chunks, after the header was mapped to the model's columns."""
    writer.check_keys(layout.slugs, layout.labels, header=layout.header_text())
    id_col = model.id_column_slug
    if id_col != "_id" and id_col not in layout.slugs:
        raise ValidationError(f"the file has no column {id_col}, the model's id column (header read: "
                              f"{layout.header_text()})", reason="columnMismatch", details={"header": layout.labels})
    chunk: list[tuple[int, Any]] = []
    for line, row, error in read_csv(path, layout):
        if row is None:
            writer.fail(line, None, error or "unreadable row")
            continue
        chunk.append((line, row))
        if len(chunk) >= CHUNK_ROWS:
            writer.add_csv_chunk(chunk)
            chunk = []
    writer.add_csv_chunk(chunk)


def parse_column_types(raw: Any) -> dict[str, str]:
    """`--column-types`: a JSON object `{"slug": "type"}` (or its text) naming column types."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ValidationError(f'--column-types must be a JSON object {{"<column slug>": "<type>"}}, not '
                                  f"{shown(raw)}", reason="invalidData") from None
    if not isinstance(raw, dict):
        raise ValidationError(f'--column-types must be a JSON object {{"<column slug>": "<type>"}}, not {shown(raw)}',
                              reason="invalidData")
    for slug, ctype in raw.items():
        if ctype not in COLUMN_TYPES:
            raise ValidationError(f"--column-types: the type of {shown(slug)} must be one of "
                                  f"{', '.join(COLUMN_TYPES)}, not {shown(ctype)}", reason="invalidData")
    return {str(slug): str(ctype) for slug, ctype in raw.items()}


def _unknown_override(slug: str, known: list[str]) -> ValidationError:
    return ValidationError(f"--column-types names column {shown(slug)}, which is not in the file (its columns: "
                           f"{orjson.dumps(known).decode()}); nothing was imported", reason="invalidData")


def _check_overrides_in_header(overrides: dict[str, str], layout: CsvLayout) -> None:
    for slug in overrides:
        if slug not in layout.slugs:
            raise _unknown_override(slug, layout.slugs)
        if slug.startswith("_"):
            raise ValidationError(f"--column-types cannot type the system column {shown(slug)}", reason="invalidData")


def _check_overrides_against_model(overrides: dict[str, str], model: Any) -> None:
    """An override may only type a column the import creates (or repeat an existing column's type)."""
    existing = {c["slug"].lower(): c for c in model.columns or []}
    for slug, ctype in overrides.items():
        column = existing.get(slug.lower())
        if column is not None and column["type"] != ctype:
            raise ValidationError(f"--column-types: column {shown(slug)} already exists with type {column['type']}; "
                                  "--column-types only types the columns an import creates (use column update to "
                                  "change a type)", reason="invalidData")


def _inferred_types(path: Path, layout: CsvLayout, model: Any, overrides: dict[str, str]) -> dict[str, str]:
    """Types of the columns this CSV import creates, read from the file. The model's id column stays
    text (record ids are text), and so do system columns and columns `--column-types` already types."""
    from lading.data.csv_types import infer_types

    existing = {c["slug"].lower() for c in model.columns or []}
    wanted = [(index, slug) for index, slug in enumerate(layout.slugs)
              if not slug.startswith("_") and slug.lower() not in existing and slug not in overrides
              and slug != model.id_column_slug]
    if not wanted:
        return {}
    types = infer_types(path, layout.dialect, [index for index, _ in wanted])
    return {slug: ctype for (_, slug), ctype in zip(wanted, types, strict=True)}


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
        _refuse_source_owned(session, conn, model)
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
        _refuse_source_owned(session, conn, model)
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


# Sort keys of `record list` (api.md §3 `record.list`): `_emitted_at`, the time a record arrived, is
# the native table's `_created_at`.
SORT_COLUMNS = {"_id": "_id", "_title": "_title", "_emitted_at": "_created_at"}
SORT_KINDS = ("asc", "desc")


def _order(table: Any, sort: Any) -> list[Any]:
    if sort is None:
        return [table.c["_id"]]
    if not isinstance(sort, dict) or set(sort) - {"kind", "columnSlug"}:
        raise ValidationError("sort must be an object {kind, columnSlug}", reason="invalidSort")
    kind, slug = sort.get("kind", "asc"), sort.get("columnSlug", "_id")
    if kind not in SORT_KINDS:
        raise ValidationError(f"sort.kind must be asc or desc, not {shown(kind)}", reason="invalidSort")
    if slug not in SORT_COLUMNS:
        raise ValidationError(f"sort.columnSlug must be one of {', '.join(SORT_COLUMNS)}, not {shown(slug)}",
                              reason="invalidSort")
    column = table.c[SORT_COLUMNS[slug]]
    first = column.desc() if kind == "desc" else column.asc()
    return [first] if slug == "_id" else [first, table.c["_id"]]


def _present_rows(handle: Any, rows: Any) -> list[dict[str, Any]]:
    keys = ["_id", *(c.slug for c in handle.columns)]
    return [{k: json_value(v) for k, v in zip(keys, row, strict=True)} for row in rows]


def _record_columns(handle: Any) -> list[Any]:
    return [handle.table.c["_id"], *(handle.table.c[c.slug] for c in handle.columns)]


def list_records(session: Session, *, model_uuid: str, limit: int = 100, offset: int = 0, sort: Any = None,
                 from_ingest: bool = False) -> dict[str, Any]:
    """A page of the model's records, by `_id` unless `sort` says otherwise. `isRefreshing` is always
    false: a model's records are read where they are stored, never fetched on demand.
    `from_ingest` (the client's flag for ingest models) reads the same table."""
    del from_ingest
    if limit < 1 or limit > MAX_LIST:
        raise ValidationError(f"--limit must be between 1 and {MAX_LIST}", reason="invalidLimit")
    if offset < 0:
        raise ValidationError("--offset cannot be negative", reason="invalidOffset")
    from sqlalchemy import select

    with session.db.read() as conn:
        handle = load_handle(session, conn, model_uuid)
        order = _order(handle.table, sort)
        rows = conn.execute(select(*_record_columns(handle)).order_by(*order).limit(limit).offset(offset)).all()
    return {"records": _present_rows(handle, rows), "isRefreshing": False}


def get_record(session: Session, *, model_uuid: str, record_id: str) -> dict[str, Any]:
    """`{"record", "isRefreshing": false}`: one record by its `_id` (`recordNotFound` when absent)."""
    from sqlalchemy import select

    with session.db.read() as conn:
        handle = load_handle(session, conn, model_uuid)
        rows = conn.execute(select(*_record_columns(handle)).where(handle.table.c["_id"] == record_id)).all()
    if not rows:
        raise NotFoundError(f"Record not found: {record_id}", reason="recordNotFound")
    return {"record": _present_rows(handle, rows)[0], "isRefreshing": False}


def _refuse_source_owned(session: Session, conn: Any, model: Any) -> None:
    """Records of connector and ingest models belong to their source: only native models take writes."""
    dataset = repo.get_dataset(conn, session.workspace_uuid, model.dataset_uuid)
    if model.extractor_slug != NATIVE_EXTRACTOR or (dataset is not None and dataset.kind != "native"):
        raise ConflictError(f"model {model.slug} is filled by its source ({model.extractor_slug}); its records cannot "
                            "be written here", reason="incompatibleWithRecordAction")


def _stored_rows(session: Session, conn: Any, model_uuid: str, ids: list[str]) -> list[dict[str, Any]]:
    """The stored rows of `ids`, in that order, as `record list` shows them."""
    from sqlalchemy import select

    handle = load_handle(session, conn, model_uuid)
    by_id: dict[str, dict[str, Any]] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), 500):
        part = unique[start:start + 500]
        rows = conn.execute(select(*_record_columns(handle)).where(handle.table.c["_id"].in_(part))).all()
        by_id.update((row["_id"], row) for row in _present_rows(handle, rows))
    return [by_id[i] for i in ids if i in by_id]


def _missing_ids(conn: Any, model: Any, ids: list[str]) -> list[str]:
    cursor = conn.connection.cursor()
    table = qualified(model.table_schema, model.table_name)
    present: set[str] = set()
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), 500):
        part = unique[start:start + 500]
        if conn.dialect.name == "postgresql":
            cursor.execute(f'SELECT "_id" FROM {table} WHERE "_id" = ANY(%s)', (part,))
        else:
            cursor.execute(f'SELECT "_id" FROM {table} WHERE "_id" IN ({",".join("?" * len(part))})', part)
        present.update(row[0] for row in cursor.fetchall())
    return [i for i in unique if i not in present]


def write_records(session: Session, *, model_uuid: str, records: list[tuple[Any, str | None]],
                  existing_only: bool) -> list[dict[str, Any]]:
    """The HTTP client's record writes (api.md §3 "record writes"): each `(data, id)` upserted by the
    model's id column — `id` (when given) names the record — and the stored rows answered after the
    write, in the order given. One transaction: a record that does not fit the model fails the call
    (400) and nothing is written; with `existing_only` (update) an unknown id is `recordNotFound`
    and nothing is written either."""
    if len(records) > MAX_UPSERT:
        raise ValidationError(f"at most {MAX_UPSERT} records per call (got {len(records)})", reason="tooManyRecords")
    for index, (data, record_id) in enumerate(records):
        if not isinstance(data, dict):
            raise ValidationError(f"records[{index}].data must be a JSON object", reason="invalidData")
        if record_id is not None and (not isinstance(record_id, str) or not record_id):
            raise ValidationError(f"records[{index}].id must be a non-empty string", reason="invalidData")
    with session.db.write() as conn:
        model = require_model(session, conn, model_uuid, for_update=True)
        _refuse_source_owned(session, conn, model)
        if existing_only:
            missing = _missing_ids(conn, model, [i for _, i in records if i is not None])
            if missing:
                raise NotFoundError(f"Record not found: {', '.join(missing[:10])}", reason="recordNotFound",
                                    details={"ids": missing})
        id_key = "_id" if model.id_column_slug == "_id" else str(model.id_column_slug)
        writer = ModelWriter(conn, model, strict=True, keep_operations=True)
        try:
            for index, (data, record_id) in enumerate(records, start=1):
                writer.add(index, {**data, id_key: record_id} if record_id is not None else data)
            report = writer.finish(_save_columns(conn, session, model_uuid))
        except ValidationError as exc:
            raise ValidationError(exc.message.replace(" (--strict: nothing was imported)", " (nothing was written)"),
                                  reason=exc.reason, details=exc.details, extra=exc.extra) from None
        storage_usage.count_written(conn, session.workspace_uuid, model_uuid, None, report.written, utcnow())
        others = storage_derived.after_write(conn, session.workspace_uuid, model, report, writer.now)
        stored = _stored_rows(session, conn, model_uuid, [record_id for record_id, _ in report.operations])
    if report.written:
        notify_write(session, model_uuid, others)
    return stored


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

