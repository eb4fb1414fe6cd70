"""`storage column …`: list, create, update, remove, reorder — a model's columns (data spec §3).

Column changes alter the model's physical table in the same transaction as the catalog, so the two
never disagree. A type change converts every stored value first and changes nothing if one value does
not convert.
"""

from __future__ import annotations

from typing import Any

from lading.data import physical
from lading.data.columns import (
    DERIVED_KINDS,
    CoercionError,
    check_column_count,
    coerce,
    validate_column,
)
from lading.domain.errors import NotFoundError, ValidationError
from lading.services.session import Session
from lading.services.storage import _derived as storage_derived
from lading.services.storage import shapes
from lading.services.storage.models import load_handle, notify_write, require_model
from lading.store.clock import iso, utcnow
from lading.store.repositories import storage as repo

CONVERT_PAGE = 2000


def _ordered(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Original columns first, then additional, keeping their relative order."""
    return [c for c in columns if c.get("kind") == "original"] + [c for c in columns if c.get("kind") != "original"]


def _document(columns: list[dict[str, Any]]) -> dict[str, Any]:
    return {"columns": [{**shapes.column(c), "position": i} for i, c in enumerate(_ordered(columns))]}


def list_columns(session: Session, model_uuid: str) -> dict[str, Any]:
    with session.db.read() as conn:
        return _document(list(require_model(session, conn, model_uuid).columns or []))


def column_names(session: Session, model_uuid: str) -> dict[str, Any]:
    """`{"columns": [name]}`: the physical column names of the model's table, as `get-ddl` writes them
    (the system columns, then the model's columns in `position` order) — the HTTP client's
    `column.list` (api.md §3)."""
    with session.db.read() as conn:
        columns = _ordered(list(require_model(session, conn, model_uuid).columns or []))
    return {"columns": [*physical.SYSTEM_COLUMNS, *(c["slug"] for c in columns)]}


def column_exists_by_slug(session: Session, *, model_uuid: str, slug: str) -> dict[str, Any]:
    """Whether the model already has a column of this slug (compared as a new column's is: ignoring case)."""
    with session.db.read() as conn:
        columns = list(require_model(session, conn, model_uuid).columns or [])
    wanted = slug.lower()
    return {"exists": any(c["slug"].lower() == wanted for c in columns)
            or wanted in physical.SYSTEM_COLUMNS}


AUTOCOMPLETE_LIMIT = 50


def autocomplete_column(session: Session, *, model_uuid: str, column: Any, query: str | None = None
                        ) -> dict[str, Any]:
    """`{"results": [{value, label}]}`: up to 50 distinct stored values of the column whose text
    contains `query` (ignoring case), in order — what a filter editor offers as the user types."""
    from sqlalchemy import String, cast, func, select

    slug = column.get("slug") if isinstance(column, dict) else column
    if not isinstance(slug, str) or not slug:
        raise ValidationError("column needs the slug of one of the model's columns", reason="invalidColumn",
                              extra={"issues": [{"path": ["column", "slug"], "message": "required"}]})
    with session.db.read() as conn:
        model = require_model(session, conn, model_uuid)
        handle = load_handle(session, conn, model_uuid)
        if slug not in physical.SYSTEM_COLUMNS and not any(c["slug"] == slug for c in model.columns or []):
            raise NotFoundError(f"Column not found: {slug} in model {model.slug}", reason="columnNotFound")
        text = cast(handle.table.c[slug], String)
        statement = select(text).where(text.is_not(None)).distinct().order_by(text).limit(AUTOCOMPLETE_LIMIT)
        if query:
            escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(func.lower(text).like(f"%{escaped}%", escape="\\"))
        values = [row[0] for row in conn.execute(statement)]
    return {"results": [{"value": value, "label": value} for value in values]}


def _find(columns: list[dict[str, Any]], slug: Any, model_slug: str) -> int:
    for index, col in enumerate(columns):
        if col["slug"] == slug:
            return index
    raise NotFoundError(f"Column not found: {slug} in model {model_slug}", reason="columnNotFound")


def _connector_owned(session: Session, conn: Any, model: Any, column: dict[str, Any]) -> bool:
    dataset = repo.get_dataset(conn, session.workspace_uuid, model.dataset_uuid)
    return column.get("kind") == "original" and dataset is not None and dataset.kind == "connector"


def _save(session: Session, conn: Any, model_uuid: str, columns: list[dict[str, Any]]) -> dict[str, Any]:
    columns = _ordered(columns)
    repo.update_model(conn, session.workspace_uuid, model_uuid, {"columns": columns, "updated_at": utcnow()})
    return _document(columns)


def _is_derived(column: dict[str, Any]) -> bool:
    return column.get("kind") in DERIVED_KINDS


def create_column(session: Session, model_uuid: str, column: Any) -> dict[str, Any]:
    with session.db.write() as conn:
        model = require_model(session, conn, model_uuid, for_update=True)
        columns = list(model.columns or [])
        new = validate_column(column, columns, default_kind="custom")
        check_column_count(model.slug, len(columns), 1)
        if _is_derived(new):
            storage_derived.check_column(conn, session.workspace_uuid, model, new, [*columns, new])
        physical.add_column(conn, conn.dialect.name, model.table_schema, model.table_name, new["slug"], new["type"])
        document = _save(session, conn, model_uuid, [*columns, new])
        changed = (storage_derived.after_column_change(conn, session.workspace_uuid, model_uuid, new["slug"],
                                                       physical.to_utc(utcnow())) if _is_derived(new) else set())
    _notify(session, changed)
    return document


def _notify(session: Session, model_uuids: set[str]) -> None:
    """Segment change detection for models whose derived values changed."""
    for uuid in sorted(model_uuids):
        notify_write(session, uuid)


def update_column(session: Session, model_uuid: str, column: Any) -> dict[str, Any]:
    if not isinstance(column, dict):
        raise ValidationError("--column must be the full Column JSON object", reason="invalidColumn")
    if not isinstance(column.get("slug"), str) or not column["slug"]:
        raise ValidationError("--column needs the slug of the column to update", reason="invalidColumn",
                              extra={"issues": [{"path": ["slug"], "message": "required"}]})
    with session.db.write() as conn:
        model = require_model(session, conn, model_uuid, for_update=True)
        columns = list(model.columns or [])
        index = _find(columns, column.get("slug"), model.slug)
        old = columns[index]
        if _connector_owned(session, conn, model, old):
            raise ValidationError(f"column {old['slug']} belongs to the connector's extractor and cannot be updated",
                                  reason="columnNotEditable")
        new = validate_column({"kind": old["kind"], **column}, columns[:index] + columns[index + 1:],
                              default_kind=old["kind"])
        if _is_derived(old) != _is_derived(new):
            raise ValidationError(f"column {old['slug']}: a {old['kind']} column cannot become {new['kind']}; "
                                  "remove it and create a new one", reason="invalidColumn")
        if _is_derived(new):
            storage_derived.check_column(conn, session.workspace_uuid, model, new,
                                         columns[:index] + [new] + columns[index + 1:])
            if new["type"] != old["type"]:  # derived values are recomputed, not converted
                physical.drop_column(conn, model.table_schema, model.table_name, old["slug"])
                physical.add_column(conn, conn.dialect.name, model.table_schema, model.table_name, new["slug"],
                                    new["type"])
        elif new["type"] != old["type"]:
            _convert(conn, model, old["slug"], old["type"], new["type"])
        columns[index] = new
        document = _save(session, conn, model_uuid, columns)
        changed = (storage_derived.after_column_change(conn, session.workspace_uuid, model_uuid, new["slug"],
                                                       physical.to_utc(utcnow())) if _is_derived(new) else set())
    _notify(session, changed)
    return document


def remove_column(session: Session, model_uuid: str, column_slug: str) -> dict[str, Any]:
    with session.db.write() as conn:
        model = require_model(session, conn, model_uuid, for_update=True)
        columns = list(model.columns or [])
        index = _find(columns, column_slug, model.slug)
        if _connector_owned(session, conn, model, columns[index]):
            raise ValidationError(f"column {column_slug} belongs to the connector's extractor and cannot be removed",
                                  reason="columnNotEditable")
        if column_slug == model.id_column_slug:
            raise ValidationError(f"column {column_slug} is the model's id column", reason="columnInUse")
        readers = storage_derived.readers_of(columns, column_slug)
        if readers:
            raise ValidationError(f"column {column_slug} is read by derived column{'s' if len(readers) > 1 else ''} "
                                  f"{', '.join(readers)}; update or remove {'them' if len(readers) > 1 else 'it'} "
                                  "first", reason="columnInUse")
        physical.drop_column(conn, model.table_schema, model.table_name, column_slug)
        del columns[index]
        values: dict[str, Any] = {}
        if model.title_column_slug == column_slug:
            values["title_column_slug"] = None
        if model.time_column_slug == column_slug:
            values["time_column_slug"] = None
        if values:
            repo.update_model(conn, session.workspace_uuid, model_uuid, values)
        return _save(session, conn, model_uuid, columns)


def reorder_column(session: Session, model_uuid: str, column_slug: str, to_index: int) -> dict[str, Any]:
    with session.db.write() as conn:
        model = require_model(session, conn, model_uuid, for_update=True)
        columns = _ordered(list(model.columns or []))
        index = _find(columns, column_slug, model.slug)
        if to_index < 0 or to_index >= len(columns):
            raise ValidationError(f"--to-index must be between 0 and {len(columns) - 1}", reason="invalidIndex")
        moved = columns.pop(index)
        columns.insert(to_index, moved)
        # Originals stay ahead of additional columns: a move across that boundary is clamped to it.
        return _save(session, conn, model_uuid, columns)


def _text_of(value: Any) -> Any:
    """A stored value as the text a type change starts from (numbers without a trailing .0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat") and hasattr(value, "tzinfo"):
        return iso(value)
    return value


def _convert(conn: Any, model: Any, slug: str, old_type: str, new_type: str) -> None:
    """Rewrite a column under a new type: values convert into a new column that replaces the old one."""
    backend = conn.dialect.name
    table = physical.qualified(model.table_schema, model.table_name)
    temp = "__lading_convert"
    physical.add_column(conn, backend, model.table_schema, model.table_name, temp, new_type)
    cursor = conn.connection.cursor()
    mark = "%s" if backend == "postgresql" else "?"
    last = ""
    while True:
        cursor.execute(f'SELECT "_id", {physical.quote(slug)} FROM {table} WHERE {physical.quote(slug)} IS NOT NULL '
                       f'AND "_id" > {mark} ORDER BY "_id" LIMIT {CONVERT_PAGE}', (last,))
        rows = cursor.fetchall()
        if not rows:
            break
        updates = []
        for record_id, raw in rows:
            value = physical.from_stored(backend, old_type, raw)
            try:
                converted = coerce(_text_of(value) if new_type != "string" or old_type != "string" else value,
                                   new_type, from_csv=new_type in physical.JSON_TYPES)
            except CoercionError as exc:
                raise ValidationError(f"cannot change column {slug} to {new_type}: record {record_id} holds {exc}; "
                                      "nothing was changed", reason="columnConversionFailed") from None
            updates.append((physical.to_param(backend, new_type, converted), record_id))
        cursor.executemany(f'UPDATE {table} SET "{temp}" = {mark} WHERE "_id" = {mark}', updates)
        last = rows[-1][0]
    physical.drop_column(conn, model.table_schema, model.table_name, slug)
    conn.exec_driver_sql(f'ALTER TABLE {table} RENAME COLUMN "{temp}" TO {physical.quote(slug)}')
