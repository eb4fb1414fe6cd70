"""`storage query execute|download`: read-only SQL over the workspace's models (data spec §6).

The SQL goes through the guard (`lading.data.sql_guard`) first; the rewritten statement then runs in
a read-only transaction with a 30 s limit — PostgreSQL `SET TRANSACTION READ ONLY` and
`statement_timeout`, SQLite `PRAGMA query_only` and a progress handler that interrupts it — so even a
guard mistake could not write. The engine also confines it to the tables the guard resolved
(`lading.data.sql_sandbox`: a SQLite authorizer, a PostgreSQL role per workspace), so a guard mistake
could not read the store's own tables or another workspace's models either. `execute` returns at
most 10,000 rows; `download` streams them all to a file.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import orjson

from lading.data.physical import JSON_TYPES, dialect_name, quote
from lading.data.sql_guard import GuardedQuery, ResolvedTable, SqlRefusedError, guard_query
from lading.data.sql_sandbox import (
    SqliteDenial,
    pg_ensure_role,
    pg_role_ready,
    sqlite_authorizer,
    sqlite_builtin_functions,
    workspace_role,
)
from lading.data.values import csv_text, json_value
from lading.domain.errors import LadingError, ValidationError, shown
from lading.services.session import Session
from lading.store.repositories import storage as repo

MAX_ROWS = 10_000
# The HTTP answer's header saying `execute` dropped rows past MAX_ROWS (the remote CLI warns on it).
TRUNCATED_HEADER = "X-Lading-Result-Truncated"
TIMEOUT_SECONDS = 30.0
FETCH = 1000


class StorageQueryError(LadingError):
    """An error raised by the database engine, passed through in `errorMessage` (reason `invalidQuery`)."""

    default_reason = "invalidQuery"


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
    """A result cell as JSON (`lading.data.values.json_value`); a JSON column's text (SQLite) as its value."""
    if json_column and isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return json_value(value)


class _Statement:
    """Runs the one guarded statement on a sandboxed connection and turns engine refusals into the
    guard's documented errors (an engine-denied table reads exactly like an unknown one)."""

    def __init__(self, cursor: Any, postgres: bool, denial: SqliteDenial | None = None,
                 role: str = "", connection: Any = None) -> None:
        self.cursor = cursor
        self.postgres = postgres
        self.denial = denial
        self.role = role
        self.connection = connection

    def execute(self, sql: str) -> Any:
        if not self.postgres:
            self.cursor.execute(sql)
            return self.cursor
        # Prepared (extended protocol): the server parses exactly one statement, so nothing stacked after
        # the SELECT (say a RESET ROLE) can run whatever the SQL text holds.
        self.cursor.execute(sql, prepare=True)
        self._check_role()
        return self.cursor

    def _check_role(self) -> None:
        """The statement ran as the workspace role and left it in place; otherwise its rows are dropped
        and the connection is discarded (a session-level setting would outlive the transaction)."""
        check = self.connection.connection.cursor()
        check.execute("SELECT current_user")
        row = check.fetchone()
        if not row or row[0] != self.role:
            self.connection.invalidate()
            raise SqlRefusedError("the query changed its role: storage SQL runs as the workspace's role only",
                                  reason="sqlRefused")

    def refusal(self, exc: Exception) -> LadingError | None:
        """The documented error for an engine-level refusal, or None for any other engine error."""
        if self.denial is not None and self.denial.kind:
            kind, name = self.denial.kind, self.denial.name
            if kind == "table":
                return SqlRefusedError(f"Table not found: {name}")
            if kind == "function":
                return SqlRefusedError(f"function {name}() is not allowed in storage SQL", reason="sqlRefused")
            return SqlRefusedError("only SELECT queries over <datasetSlug>.<modelSlug> tables run in storage SQL",
                                   reason="sqlRefused")
        if not self.postgres:
            return None
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        denied = _PG_DENIED.match(text)
        if denied:
            kind, name = denied.group(1), denied.group(2)
            if kind in ("function", "procedure", "aggregate"):
                return SqlRefusedError(f"function {name}() is not allowed in storage SQL", reason="sqlRefused")
            return SqlRefusedError(f"Table not found: {name}")
        missing = _PG_MISSING.match(text)
        if missing:
            return SqlRefusedError(f"Table not found: {missing.group(1)}")
        return None


_PG_DENIED = re.compile(r"permission denied for (\w+) (.+)$")
_PG_MISSING = re.compile(r'relation "(.+)" does not exist')


@contextmanager
def _read_only_cursor(session: Session, guarded: GuardedQuery) -> Iterator[_Statement]:
    """A statement runner in a read-only transaction with the time limit applied, confined by the engine
    to the tables the guard resolved (`lading.data.sql_sandbox`)."""
    if session.db.is_postgres:
        role = workspace_role(session.workspace_uuid)
        with session.db.engine.connect() as conn:
            with conn.begin():
                cursor = conn.connection.cursor()
                ready = pg_role_ready(cursor, role, guarded.tables)
            if not ready:
                with conn.begin():
                    pg_ensure_role(conn, role, guarded.tables)
            with conn.begin():
                cursor = conn.connection.cursor()
                cursor.execute("SET TRANSACTION READ ONLY")
                cursor.execute(f"SET LOCAL statement_timeout = {int(TIMEOUT_SECONDS * 1000)}")
                cursor.execute("SET LOCAL search_path = ''")
                cursor.execute(f"SET LOCAL ROLE {quote(role)}")
                yield _Statement(cursor, True, role=role, connection=conn)
        return
    raw = session.db.engine.raw_connection()
    dbapi = raw.driver_connection
    assert dbapi is not None  # a freshly checked-out connection holds its driver connection
    deadline = time.monotonic() + TIMEOUT_SECONDS
    denial = SqliteDenial()
    try:
        dbapi.execute("PRAGMA query_only = 1")
        dbapi.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        functions = sqlite_builtin_functions(dbapi)
        dbapi.execute("BEGIN")
        dbapi.set_authorizer(sqlite_authorizer((t for _, t in guarded.tables), functions, denial))
        yield _Statement(dbapi.cursor(), False, denial=denial)
    finally:
        dbapi.set_authorizer(None)
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
        return StorageQueryError(f"the query ran longer than {int(TIMEOUT_SECONDS)} s and was stopped",
                                 reason="timeout")
    return StorageQueryError(text)  # passed through as the engine wrote it


def run_guarded(session: Session, guarded: GuardedQuery, limit: int | None) -> Iterator[list[Any]]:
    """The output column names first, then each row's values converted for JSON (at most `limit` + 1).

    `guarded` must come from the guard: its `tables` are all the engine lets the statement read."""
    with _read_only_cursor(session, guarded) as statement:
        try:
            cursor = statement.execute(guarded.sql)
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
        except Exception as exc:  # the engine's own error, passed through unless it is a refusal
            raise (statement.refusal(exc) or _engine_error(exc)) from None


def execute_query(session: Session, sql: str) -> dict[str, Any]:
    """`{"rows": [...], "isRefreshing": false}`, at most 10,000 rows; `truncated` (taken out by each
    face) says more rows were dropped. `isRefreshing` is always false: the rows are read where they
    are stored, never fetched on demand."""
    return execute_guarded(session, _guard(session, sql))


def execute_guarded(session: Session, guarded: GuardedQuery) -> dict[str, Any]:
    """`execute_query` of a statement the guard already checked (the system-of-record commands guard
    their SQL with more table names accepted, then run it here)."""
    rows: list[dict[str, Any]] = []
    truncated = False
    results = run_guarded(session, guarded, MAX_ROWS)
    names = next(results)
    for values in results:
        if len(rows) >= MAX_ROWS:
            truncated = True
            break
        rows.append(dict(zip(names, values, strict=True)))
    return {"rows": rows, "isRefreshing": False, "truncated": truncated}


DOWNLOAD_FORMATS = ("csv", "json", "parquet")


def check_download_format(fmt: str) -> str:
    if fmt not in DOWNLOAD_FORMATS:
        raise ValidationError(f"--format must be csv, json or parquet, not {shown(fmt)}", reason="invalidData")
    return fmt


def download_query(session: Session, sql: str, *, fmt: str = "csv") -> dict[str, Any]:
    """The whole result as a CSV, JSON or Parquet file: `{"url": "file://…"}` (kept 24 h)."""
    check_download_format(fmt)
    return download_guarded(session, _guard(session, sql), fmt=fmt)


def download_guarded(session: Session, guarded: GuardedQuery, *, fmt: str = "csv") -> dict[str, Any]:
    """`download_query` of a statement the guard already checked (`fmt` checked by the caller)."""
    from lading.services.exports import write_binary_export, write_export

    if fmt == "parquet":
        def fill(path: Path) -> None:
            from lading.data.parquet_files import write_parquet

            results = run_guarded(session, guarded, None)
            write_parquet(path, next(results), results)

        return write_binary_export(session, "query.parquet", fill)

    def write(fh: TextIO) -> None:
        results = run_guarded(session, guarded, None)
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
            writer.writerow([csv_text(v) for v in values])

    return write_export(session, f"query.{fmt}", write)
