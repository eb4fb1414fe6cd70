"""The physical side of a model: its table name, SQL types, DDL and SQLAlchemy `Table`.

Every model is a real table in the store (data spec §5). Names follow the spec's pattern with a
workspace key added to the dataset part, so two workspaces with the same dataset and model slugs
never share a table: PostgreSQL `"datasets_<d>_<ws8>"."models_<m>"`, SQLite
`datasets_<d>_<ws8>__models_<m>` (`<ws8>` = the first 8 hex digits of the workspace uuid; slugs
lower-cased, as SQLite names are case-insensitive). The catalog stores the names it chose, so they
never change after creation.

Dates: PostgreSQL `TIMESTAMPTZ`; SQLite stores fixed-width ISO-8601 UTC text
(`2025-01-15T10:00:00.000Z`), so text order is time order and SQL compares them directly.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Column, DateTime, Float, MetaData, Table, Text, TypeDecorator

from lading.domain.errors import ValidationError, shown

COLUMN_TYPES = ("string", "number", "boolean", "date", "object", "array", "vector", "any")
JSON_TYPES = frozenset({"object", "array", "vector", "any"})
SYSTEM_COLUMNS = ("_id", "_title", "_time", "_created_at", "_updated_at")
SYSTEM_TYPES = {"_id": "string", "_title": "string", "_time": "date", "_created_at": "date", "_updated_at": "date"}

_PG_TYPES = {"string": "TEXT", "number": "DOUBLE PRECISION", "boolean": "BOOLEAN", "date": "TIMESTAMPTZ"}
_SQLITE_TYPES = {"string": "TEXT", "number": "REAL", "boolean": "INTEGER", "date": "TEXT"}


def sql_type(backend: str, column_type: str) -> str:
    """The SQL type of a column `type` on a backend (spec §5 table)."""
    if backend == "postgresql":
        return _PG_TYPES.get(column_type, "JSONB")
    return _SQLITE_TYPES.get(column_type, "TEXT")


def dialect_name(backend: str) -> str:
    """The `language` of `get-ddl` and the sqlglot dialect of storage SQL."""
    return "postgresql" if backend == "postgresql" else "sqlite"


def physical_name(backend: str, workspace_uuid: str, dataset_slug: str, model_slug: str) -> tuple[str, str]:
    """(schema, table) for a new model; schema is "" on SQLite (no schemas there)."""
    ws_key = workspace_uuid.replace("-", "")[:8]
    dataset_part = f"datasets_{dataset_slug.lower()}_{ws_key}"
    if backend == "postgresql":
        return dataset_part, f"models_{model_slug.lower()}"
    return "", f"{dataset_part}__models_{model_slug.lower()}"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def index_name(table: str, column: str) -> str:
    """Short, stable index names (PostgreSQL caps identifiers at 63 bytes)."""
    return "ix_" + hashlib.sha1(f"{table}\0{column}".encode()).hexdigest()[:20]


def create_table_ddl(backend: str, schema: str, table: str, columns: list[tuple[str, str]]) -> str:
    """`CREATE TABLE` for the system columns plus `columns` [(slug, type)], in the documented shape."""
    lines = [f"  {quote('_id')} TEXT NOT NULL PRIMARY KEY", f"  {quote('_title')} TEXT",
             f"  {quote('_time')} {sql_type(backend, 'date')}", f"  {quote('_created_at')} {sql_type(backend, 'date')}",
             f"  {quote('_updated_at')} {sql_type(backend, 'date')}"]
    lines += [f"  {quote(slug)} {sql_type(backend, kind)}" for slug, kind in columns]
    return f"CREATE TABLE {qualified(schema, table)} (\n" + ",\n".join(lines) + "\n)"


def create_table(conn: Any, backend: str, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
    """Create the model's table (and its PostgreSQL schema) with the id and time indexes."""
    if schema:
        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
    conn.exec_driver_sql(create_table_ddl(backend, schema, table, columns))
    conn.exec_driver_sql(f"CREATE INDEX {quote(index_name(table, '_time'))} ON {qualified(schema, table)} "
                         f"({quote('_time')})")


def drop_table(conn: Any, schema: str, table: str) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {qualified(schema, table)}")
    if schema:  # the dataset's schema goes with its last model
        remaining = conn.exec_driver_sql(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %(s)s", {"s": schema}).scalar()
        if not remaining:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {quote(schema)}")


# PostgreSQL's own cap on a table's columns; columns dropped by removals and type changes keep
# counting towards it until the table is rewritten.
PG_MAX_TABLE_COLUMNS = 1600


def add_column(conn: Any, backend: str, schema: str, table: str, slug: str, column_type: str) -> None:
    if backend == "postgresql":
        _check_pg_column_slots(conn, schema, table)
    conn.exec_driver_sql(f"ALTER TABLE {qualified(schema, table)} ADD COLUMN {quote(slug)} "
                         f"{sql_type(backend, column_type)}")


def _check_pg_column_slots(conn: Any, schema: str, table: str) -> None:
    """A clear refusal instead of PostgreSQL's `tables can have at most 1600 columns` when a model
    that changed many columns over its life has used up the table's column slots (dropped columns
    keep theirs): the model's own cap is checked before this, so only that history gets here."""
    used = conn.exec_driver_sql(
        "SELECT count(*) FROM pg_attribute WHERE attrelid = %(t)s::regclass AND attnum > 0",
        {"t": qualified(schema, table)}).scalar()
    if int(used or 0) >= PG_MAX_TABLE_COLUMNS:
        raise ValidationError(
            f"the model's table has used all {PG_MAX_TABLE_COLUMNS:,} column slots PostgreSQL allows (removed and "
            "retyped columns keep theirs); export the records into a new model to add more columns",
            reason="tooManyColumns", details={"limit": PG_MAX_TABLE_COLUMNS, "count": int(used or 0)})


def drop_column(conn: Any, schema: str, table: str, slug: str) -> None:
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {qualified(schema, index_name(table, slug))}")
    if conn.dialect.name == "sqlite":  # SQLite refuses to drop a column a (segment) index still names
        for name in _sqlite_indexes_naming(conn, table, slug):
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {quote(name)}")
    conn.exec_driver_sql(f"ALTER TABLE {qualified(schema, table)} DROP COLUMN {quote(slug)}")


def _sqlite_indexes_naming(conn: Any, table: str, slug: str) -> list[str]:
    names = [str(r[0]) for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,))]
    return [name for name in names
            if any(r[2] == slug for r in conn.exec_driver_sql(f"PRAGMA index_info({quote(name)})"))]


def ensure_column_index(conn: Any, schema: str, table: str, slug: str) -> None:
    """An index on one column (for columns segments filter or sort by); idempotent."""
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {quote(index_name(table, slug))} ON {qualified(schema, table)} "
                         f"({quote(slug)})")


# An index part holding `lower(col COLLATE "C")` (PostgreSQL), the folded text case-insensitive string
# conditions compare: a `LIKE 'abc%'` on it reads a range. The raw column rides along (INCLUDE) so
# the index still answers counts alone (index-only).
FOLDED = "folded"


def ensure_index(conn: Any, schema: str, table: str, parts: list[tuple[str, str]]) -> str:
    """A composite index over `parts` [(slug, "" | "ASC" | "DESC NULLS LAST" | "COLLATE NOCASE" | FOLDED)],
    named from its definition so the same definition is created once; answers its name (for
    SQLite's INDEXED BY)."""
    definition = ", ".join(f'(lower({quote(slug)} COLLATE "C"))' if order == FOLDED
                           else f"{quote(slug)} {order}".rstrip() for slug, order in parts)
    included = [quote(slug) for slug, order in parts if order == FOLDED]
    name = composite_index_name(table, parts)
    conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {qualified(schema, table)} ({definition})"
                         + (f" INCLUDE ({', '.join(included)})" if included else ""))
    return name


SEGMENT_INDEX_PREFIX = "sx_"


def composite_index_name(table: str, parts: list[tuple[str, str]]) -> str:
    """`sx_…`: the composite indexes segments ask for, told apart from column indexes (`ix_…`) so
    the ones no segment needs any more can be dropped."""
    return SEGMENT_INDEX_PREFIX + index_name(table, "\0".join(f"{slug} {order}" for slug, order in parts))[3:]


def segment_indexes(conn: Any, schema: str, table: str) -> list[str]:
    """The names of the `sx_…` indexes of a model's table."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?",
                                    (table,))
    else:
        rows = conn.exec_driver_sql("SELECT indexname FROM pg_indexes WHERE schemaname = %(s)s AND tablename = %(t)s",
                                    {"s": schema or "public", "t": table})
    return [str(r[0]) for r in rows if str(r[0]).startswith(SEGMENT_INDEX_PREFIX)]


def drop_index(conn: Any, schema: str, name: str) -> None:
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {qualified(schema, name)}")


def ensure_folded_statistics(conn: Any, schema: str, table: str, slug: str) -> None:
    """PostgreSQL only: statistics on `lower(col COLLATE "C")`, the expression case-insensitive string
    conditions compare, so the planner estimates how many rows they keep (else it guesses 0.5 %)."""
    name = index_name(table, f"lower\0{slug}").replace("ix_", "st_", 1)
    conn.exec_driver_sql(f"CREATE STATISTICS IF NOT EXISTS {qualified(schema, name)} "
                         f"ON (lower({quote(slug)} COLLATE \"C\")) FROM {qualified(schema, table)}")


def index_exists(conn: Any, schema: str, name: str) -> bool:
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                                    (name,)).first() is not None
    return conn.exec_driver_sql("SELECT 1 FROM pg_indexes WHERE schemaname = %(s)s AND indexname = %(n)s",
                                {"s": schema or "public", "n": name}).first() is not None


# --- values ---------------------------------------------------------------------------------------


def to_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sqlite_date_text(value: datetime) -> str:
    """Fixed-width ISO-8601 UTC text: text order is time order."""
    value = to_utc(value)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_date(value: Any) -> datetime:
    """ISO-8601 date or date-time (naive → UTC) to an aware UTC datetime; ValueError otherwise."""
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {shown(value)}")
    text = value.strip()
    if len(text) == 10:
        d = date.fromisoformat(text)
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return to_utc(datetime.fromisoformat(text))


def to_param(backend: str, column_type: str, value: Any, *, copy: bool = False) -> Any:
    """A Python column value as a driver parameter (`copy`: for PostgreSQL COPY, JSON as text)."""
    if value is None:
        return None
    if column_type in JSON_TYPES:
        if backend == "postgresql" and not copy:
            from psycopg.types.json import Jsonb

            return Jsonb(value)
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()
    if backend != "postgresql":
        if column_type == "boolean":
            return 1 if value else 0
        if column_type == "date":
            return sqlite_date_text(value)
    return value


def from_stored(backend: str, column_type: str, value: Any) -> Any:
    """A value read with the driver, as the Python value coercion produces (bool, datetime, JSON)."""
    if value is None or backend == "postgresql":
        return value
    if column_type == "boolean":
        return bool(value)
    if column_type == "date":
        return parse_date(value)
    if column_type in JSON_TYPES:
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


class SqliteDate(TypeDecorator[datetime]):
    """SQLite date column: binds datetimes and ISO strings as fixed-width UTC text, reads aware datetimes."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return sqlite_date_text(parse_date(value))

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return parse_date(value)


def sa_type(backend: str, column_type: str) -> Any:
    if column_type == "string":
        return Text()
    if column_type == "number":
        return Float(53)
    if column_type == "boolean":
        return Boolean(create_constraint=False)
    if column_type == "date":
        return DateTime(timezone=True) if backend == "postgresql" else SqliteDate()
    if backend == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB  # not loaded by commands on the SQLite store

        return JSONB()
    return JSON()


def build_table(backend: str, schema: str, table: str, columns: list[tuple[str, str]]) -> Table:
    """A SQLAlchemy `Table` over the physical table; each `Column.key` is the column slug."""
    cols = [Column("_id", Text(), primary_key=True, key="_id")]
    cols += [Column(slug, sa_type(backend, SYSTEM_TYPES[slug]), key=slug) for slug in SYSTEM_COLUMNS[1:]]
    cols += [Column(slug, sa_type(backend, kind), key=slug) for slug, kind in columns]
    return Table(table, MetaData(), *cols, schema=schema or None)
