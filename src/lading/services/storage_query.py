"""`storage query execute|download`: read-only SQL over the workspace's models (data spec §6).

The SQL goes through the guard (`lading.data.sql_guard`) first; the rewritten statement then runs in
a read-only transaction with a 30 s limit — PostgreSQL `SET TRANSACTION READ ONLY` and
`statement_timeout`, SQLite `PRAGMA query_only` and a progress handler that interrupts it — so even a
guard mistake could not write. `execute` returns at most 10,000 rows; `download` streams them all to
a file.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TextIO

import orjson

from lading.data.physical import JSON_TYPES, dialect_name
from lading.data.sql_guard import GuardedQuery, ResolvedTable, guard_query
from lading.domain.errors import LadingError
from lading.services.session import Session
from lading.store.clock import iso
from lading.store.repositories import storage as repo

MAX_ROWS = 10_000
TIMEOUT_SECONDS = 30.0
FETCH = 1000


class QueryError(LadingError):
    """An error raised by the database engine, passed through in `errorMessage`."""


def _guard(session: Session, sql: str) -> GuardedQuery:
    cache: dict[tuple[str, str], ResolvedTable | None] = {}

    def resolve(dataset_slug: str, model_slug: str) -> ResolvedTable | None:
        key = (dataset_slug.lower(), model_slug.lower())
        if key not in cache:
            with session.db.read() as conn:
                row = repo.model_by_reference(conn, session.workspace_uuid, dataset_slug, model_slug)
            cache[key] = None if row is None else ResolvedTable(
                row.table_schema, row.table_name,
                frozenset(c["slug"] for c in row.columns or [] if c.get("type") in JSON_TYPES))
        return cache[key]

    return guard_query(sql, dialect_name(session.db.backend), resolve)


def _value(value: Any, json_column: bool) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        if json_column and isinstance(value, str) and value[:1] in ("{", "["):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                return value
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "isoformat"):
        if hasattr(value, "tzinfo"):
            return iso(value) if hasattr(value, "hour") else value.isoformat()
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


@contextmanager
def _read_only_cursor(session: Session) -> Iterator[Any]:
    """A DBAPI cursor in a read-only transaction with the time limit applied."""
    if session.db.is_postgres:
        with session.db.engine.connect() as conn, conn.begin():
            cursor = conn.connection.cursor()
            cursor.execute("SET TRANSACTION READ ONLY")
            cursor.execute(f"SET LOCAL statement_timeout = {int(TIMEOUT_SECONDS * 1000)}")
            yield cursor
        return
    raw = session.db.engine.raw_connection()
    dbapi = raw.driver_connection
    deadline = time.monotonic() + TIMEOUT_SECONDS
    try:
        dbapi.execute("PRAGMA query_only = 1")
        dbapi.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        dbapi.execute("BEGIN")
        yield dbapi.cursor()
    finally:
        try:
            dbapi.execute("ROLLBACK")
        except Exception:  # no transaction left to end
            pass
        dbapi.set_progress_handler(None, 0)
        dbapi.execute("PRAGMA query_only = 0")
        raw.close()


def _engine_error(exc: Exception) -> LadingError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "interrupted" in text or "statement timeout" in text or "canceling statement" in text:
        return QueryError(f"the query ran longer than {int(TIMEOUT_SECONDS)} s and was stopped", reason="timeout")
    return QueryError(text)  # passed through as the engine wrote it


def _rows(session: Session, guarded: GuardedQuery, limit: int | None) -> Iterator[list[Any]]:
    """The output column names first, then each row's values converted for JSON (at most `limit` + 1)."""
    with _read_only_cursor(session) as cursor:
        try:
            cursor.execute(guarded.sql)
            names = [d[0] for d in cursor.description or []]
            yield names
            json_flags = [n in guarded.json_columns for n in names]
            produced = 0
            while True:
                batch = cursor.fetchmany(FETCH)
                if not batch:
                    return
                for row in batch:
                    yield [_value(v, f) for v, f in zip(row, json_flags, strict=True)]
                    produced += 1
                    if limit is not None and produced > limit:
                        return
        except LadingError:
            raise
        except Exception as exc:  # the engine's own error, passed through
            raise _engine_error(exc) from None


def execute_query(session: Session, sql: str) -> dict[str, Any]:
    """`{"rows": [...]}`, at most 10,000; `truncated` tells the CLI to warn."""
    guarded = _guard(session, sql)
    rows: list[dict[str, Any]] = []
    truncated = False
    results = _rows(session, guarded, MAX_ROWS)
    names = next(results)
    for values in results:
        if len(rows) >= MAX_ROWS:
            truncated = True
            break
        rows.append(dict(zip(names, values, strict=True)))
    return {"rows": rows, "truncated": truncated}


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return value


def download_query(session: Session, sql: str, *, fmt: str = "csv") -> dict[str, Any]:
    """The whole result as a CSV or JSON file: `{"url": "file://…"}` (kept 24 h)."""
    from lading.services.exports import check_format, write_export

    check_format(fmt)
    guarded = _guard(session, sql)

    def write(fh: TextIO) -> None:
        results = _rows(session, guarded, None)
        names = next(results)
        if fmt == "json":
            fh.write("[")
            for index, values in enumerate(results):
                fh.write(("," if index else "") + orjson.dumps(dict(zip(names, values, strict=True))).decode())
            fh.write("]")
            return
        writer = csv.writer(fh)
        writer.writerow(names)
        for values in results:
            writer.writerow([_csv_cell(v) for v in values])

    return write_export(session, f"query.{fmt}", write)
