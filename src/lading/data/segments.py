"""Evaluating filters against a model's table: the resolver over the store, member queries, values.

Everything that reads records through a filter (segment fetch/download, syncs, batch `filter`
sources later) goes through `Evaluation`, so a filter means the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, func, select
from sqlalchemy.ext.compiler import compiles

from lading.data import filters
from lading.data.filters import ast
from lading.data.filters.errors import FilterError
from lading.data.models import ModelHandle, handle_from_row, list_relationships, load_model
from lading.data.values import json_value

DERIVED_KINDS = ("computed", "metric", "lookup")


@compiles(Table, "sqlite")
def _sqlite_table(element: Table, compiler: Any, **kw: Any) -> str:
    """SQLite's `INDEXED BY`: SQLAlchemy's SQLite dialect drops table hints, so render the one
    `Evaluation.page` sets (`with_hint(table, 'INDEXED BY "ix"', "sqlite")`) after the table name."""
    text = str(compiler.visit_table(element, **kw))
    hints = kw.get("fromhints")
    if hints and element in hints and kw.get("asfrom"):
        text += " " + str(hints[element])
    return text
SYSTEM_LABELS = {"_id": "ID", "_title": "Title", "_time": "Time"}


def schema_of(handle: ModelHandle) -> filters.ModelSchema:
    return filters.ModelSchema.of(handle.uuid, {c.slug: c.type for c in handle.columns}, handle.time_column_slug)


def types_of(handle: ModelHandle) -> dict[str, str]:
    return dict(schema_of(handle).columns)


class StoreResolver:
    """Segment, related-model, workflow and SQL-guard lookups for the parser, in one workspace."""

    def __init__(self, conn: Connection, workspace_uuid: str) -> None:
        self.conn = conn
        self.ws = workspace_uuid
        self.tables: dict[str, Any] = {}

    def segment(self, uuid: str) -> filters.SegmentDefinition | None:
        from lading.store.repositories import segments as repo

        row = repo.get_segment(self.conn, self.ws, uuid)
        if row is None:
            return None
        return filters.SegmentDefinition(row.uuid, row.model_uuid, row.filter, row.sort, row.records_limit)

    def related(self, model_uuid: str, related_uuid: str) -> tuple[filters.ModelSchema, str, str] | None:
        from lading.store.repositories import storage

        row = storage.get_model(self.conn, self.ws, related_uuid)
        if row is None:
            return None
        for rel in list_relationships(self.conn, self.ws, model_uuid):
            if rel.from_model_uuid == model_uuid and rel.to_model_uuid == related_uuid:
                local, remote = rel.from_column_slug, rel.to_column_slug
            elif rel.to_model_uuid == model_uuid and rel.from_model_uuid == related_uuid:
                local, remote = rel.to_column_slug, rel.from_column_slug
            else:
                continue
            handle = handle_from_row(self.conn, row)
            self.tables[related_uuid] = handle.table
            return schema_of(handle), local, remote
        return None

    def workflow_exists(self, uuid: str) -> bool:
        from lading.store.repositories import workflows as wf_repo

        row = wf_repo.get_workflow(self.conn, self.ws, uuid)
        return row is not None and getattr(row, "deleted_at", None) is None

    def check_sql(self, clause: str, schema: filters.ModelSchema) -> str:
        try:
            from lading.data import sql_guard
        except ImportError:
            raise FilterError([], "sql conditions need the storage SQL guard, which this installation lacks") from None
        return str(sql_guard.check_boolean_clause(clause, set(schema.columns), self.conn.dialect.name))

    def related_table(self, uuid: str) -> Any:
        if uuid not in self.tables:
            self.tables[uuid] = load_model(self.conn, self.ws, uuid).table
        return self.tables[uuid]


@dataclass
class Evaluation:
    """A parsed (filter, sort, limit) bound to a model's table, ready to count, page or stream."""

    handle: ModelHandle
    filter: ast.Filter
    sort: tuple[ast.SortKey, ...]
    limit: int | None
    where: Any
    dialect: str
    types: dict[str, str]

    @property
    def table(self) -> Any:
        return self.handle.table

    def ordered(self, columns: Sequence[Any]) -> Select[Any]:
        query = select(*columns).where(self.where).order_by(*filters.order_by(self.sort, self.table))
        return query if self.limit is None else query.limit(self.limit)

    def members(self, columns: Sequence[Any]) -> Select[Any]:
        """The matching rows in no particular order unless a limit makes the sort decide who is in."""
        return self.ordered(columns) if self.limit is not None else select(*columns).where(self.where)

    def page(self, columns: Sequence[Any], size: int, offset: int, index: str | None = None) -> Select[Any]:
        """One page in sort order; `index` (SQLite) names the index to read it through."""
        if self.limit is not None:
            size = max(0, min(size, self.limit - offset))
        query = select(*columns).where(self.where).order_by(*filters.order_by(self.sort, self.table)) \
            .limit(size).offset(offset)
        return query.with_hint(self.table, f'INDEXED BY "{index}"', "sqlite") if index else query

    def count(self, conn: Connection) -> int:
        total = int(conn.execute(select(func.count()).select_from(self.table).where(self.where)).scalar_one())
        return total if self.limit is None else min(total, self.limit)


def evaluate(conn: Connection, handle: ModelHandle, raw_filter: Any, raw_sort: Any, limit: int | None,
             now: datetime, visiting: tuple[str, ...] = ()) -> Evaluation:
    """Validate a filter and sort against the model and compile them (FilterError on bad input)."""
    if limit is not None and limit < 1:
        raise FilterError(["limit"], "limit must be a positive whole number")
    resolver = StoreResolver(conn, handle.workspace_uuid)
    schema = schema_of(handle)
    flt = filters.parse_filter(raw_filter, schema, resolver, visiting)
    sort = filters.parse_sort(raw_sort, schema)
    ctx = filters.CompileContext(conn.dialect.name, handle.workspace_uuid, now, resolver.related_table)
    where = filters.compile_filter(flt, handle.table, ctx, types_of(handle))
    return Evaluation(handle, flt, sort, limit, where, conn.dialect.name, types_of(handle))


def output_columns(handle: ModelHandle, *, enrich: bool, only: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """`_id` then the model's columns (derived ones only with `enrich`), as `{slug,type,label,modelUuid}`."""
    cols = [{"slug": "_id", "type": "string", "label": "ID", "modelUuid": handle.uuid}]
    for c in handle.columns:
        if c.kind in DERIVED_KINDS and not enrich:
            continue
        if only is not None and c.slug not in only:
            continue
        cols.append({"slug": c.slug, "type": c.type, "label": c.label or c.slug, "modelUuid": handle.uuid})
    return cols


def present(value: Any) -> Any:
    """A stored value in the form segment fingerprints hash (dates as ISO strings, doubles as they are):
    kept as it was so stored fingerprints still match. Records shown to anyone use `record_of`."""
    from lading.store.clock import iso

    if isinstance(value, datetime):
        return iso(value)
    return value


def record_of(row: Any, slugs: Sequence[str]) -> dict[str, Any]:
    """A stored row as the JSON record every reader answers (`lading.data.values.json_value`)."""
    return {slug: json_value(value) for slug, value in zip(slugs, row, strict=True)}
