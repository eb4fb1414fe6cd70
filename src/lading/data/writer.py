"""Writing records into a model's table: key → column mapping, coercion, upsert/insert by id, counts.

One `ModelWriter` works inside one open transaction (the caller's), so an import that fails — a
column mismatch, a bad row under `--strict` — rolls back whole and never half-writes. Rows are
buffered in chunks; each chunk costs one read of the stored rows with the same ids, one batched
INSERT (COPY on PostgreSQL) and batched UPDATEs grouped by key set, which keeps a million-row import
in flat memory at tens of thousands of rows per second. Stored values are compared with the new ones
so an identical row is counted `unchanged` and not rewritten (data spec §4.3).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from lading.data import physical
from lading.data.columns import (
    DERIVED_KINDS,
    CoercionError,
    check_column_count,
    converter,
    id_text,
    infer_type,
    key_to_slug,
    new_id,
    stored_text,
)
from lading.domain.errors import ValidationError, shown
from lading.store.clock import utcnow

CHUNK_ROWS = 2000
MAX_ERRORS = 100
IGNORED_SYSTEM_KEYS = frozenset({"_title", "_time", "_created_at", "_updated_at"})
MODES = ("upsert", "insert", "replace")
_PG_COPY_TYPES = {"string": "text", "number": "float8", "boolean": "bool", "date": "timestamptz"}


def _finite(value: float | None) -> bool:
    return value is None or math.isfinite(value)


def _is_unique_violation(exc: Exception) -> bool:
    """A duplicate primary key from sqlite3 or psycopg."""
    name = type(exc).__name__
    return name == "UniqueViolation" or (name == "IntegrityError" and "UNIQUE" in str(exc))


class RowError(Exception):
    def __init__(self, message: str, record_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.record_id = record_id


@dataclass
class WriteReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: int = 0
    created_columns: list[str] = field(default_factory=list)
    # {slug, type} of each created column, in `created_columns` order.
    created_column_types: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # (id, "inserted"/"updated"/"unchanged") of every written row, when asked for (single-record writes).
    operations: list[tuple[str, str]] = field(default_factory=list)
    # Columns an update changed on some stored row (derived columns reading them are recomputed).
    updated_slugs: set[str] = field(default_factory=set)

    @property
    def written(self) -> int:
        return self.inserted + self.updated + self.removed


def _closes_cursor_on_error(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, closing the writer's cursor before an exception leaves it (see `ModelWriter.close`).
    Put on the methods that raise to abort a write (not on `add`, the per-row hot path: its aborts
    come from `fail` and `_create`)."""
    @functools.wraps(method)
    def wrapped(self: ModelWriter, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.close()
            raise
    return wrapped


class ModelWriter:
    """Buffers rows for one model and writes them in chunks on `conn` (an open write transaction)."""

    def __init__(self, conn: Any, model: Any, *, mode: str = "upsert", create_columns: bool = True,
                 from_csv: bool = False, strict: bool = False, keep_operations: bool = False,
                 column_types: dict[str, str] | None = None, infer: bool = True) -> None:
        """`column_types`: the type of a column this write creates, by slug (a CSV import's inferred
        types and `--column-types`); without one a new column takes its first value's JSON type, or is
        text under `infer=False` or from CSV."""
        if mode not in MODES:
            raise ValidationError(f"--mode must be one of {', '.join(MODES)}, not {shown(mode)}", reason="invalidData")
        self.conn = conn
        self.model = model
        self.pg = conn.dialect.name == "postgresql"
        self.backend = conn.dialect.name
        self.mode = mode
        self.create_columns = create_columns
        self.from_csv = from_csv
        self.strict = strict
        self.keep_operations = keep_operations
        self.planned_types = dict(column_types or {})
        self.infer = infer
        self._header = ""
        self.columns: list[dict[str, Any]] = [dict(c) for c in model.columns or []]
        self.types: dict[str, str] = {c["slug"]: c["type"] for c in self.columns}
        # Derived columns (computed/metric/lookup) are never written: their keys are ignored, like
        # system keys, so exported records (which carry them) re-import cleanly.
        self._derived = {c["slug"] for c in self.columns if c.get("kind") in DERIVED_KINDS}
        self._by_lower: dict[str, str] = {s.lower(): s for s in self.types}
        self._targets: dict[str, tuple[str, Any] | None] = {}
        self._labels: dict[str, str] = {}
        self._plan: list[tuple[int, str, Any]] = []
        self._id_index: int | None = None
        self._id_slug = "" if model.id_column_slug == "_id" else str(model.id_column_slug)
        self._fixed_slugs: list[str] | None = None
        self.title_column = self._title_column()
        self.qtable = physical.qualified(model.table_schema, model.table_name)
        self.report = WriteReport()
        self.now = physical.to_utc(utcnow())
        self._now_param = self.now if self.pg else physical.sqlite_date_text(self.now)
        self._pending: list[tuple[int, str, dict[str, Any]]] = []
        self._pending_ids: set[str] = set()
        self._cursor = conn.connection.cursor()
        self._mark = "%s" if self.pg else "?"
        self._seen_table = False
        self._cursor.execute(f"SELECT 1 FROM {self.qtable} LIMIT 1")
        self._fresh = self._cursor.fetchone() is None
        if mode == "replace":
            self._create_seen_table()

    # --- columns ----------------------------------------------------------------------------------

    def _title_column(self) -> str:
        if self.model.title_column_slug:
            return str(self.model.title_column_slug)
        for col in self.columns:
            if col["type"] == "string":
                return str(col["slug"])
        return "_id"

    def _target(self, key: str, sample: Any, line: int) -> tuple[str, Any] | None:
        """(column, converter) a source key writes to (creating the column if allowed); None if ignored."""
        cached: tuple[str, Any] | Literal[False] | None = self._targets.get(key, False)
        if cached is not False:
            return cached
        if key == "_id":
            target: tuple[str, Any] | None = ("_id", None)
        elif key in IGNORED_SYSTEM_KEYS or (key.startswith("_") and key not in self.types):
            target = None
        else:
            candidate = key_to_slug(key) if not self.from_csv else key
            slug = self._by_lower.get(candidate.lower())
            if slug is None:
                slug = self._create(candidate, sample, line, key)
            target = None if slug in self._derived else (
                slug, converter(self.backend, self.types[slug], from_csv=self.from_csv))
        self._targets[key] = target
        return target

    @_closes_cursor_on_error
    def _create(self, slug: str, sample: Any, line: int, key: str) -> str:
        if not self.create_columns:
            read = f" (header read: {self._header})" if self._header else ""
            raise ValidationError(
                f"column {shown(key)} (line {line}) is not a column of model {self.model.slug}; add it first or import "
                f"with --create-columns{read}", reason="columnMismatch")
        before = len(self.model.columns or [])
        check_column_count(self.model.slug, before, len(self.columns) - before + 1)
        ctype = self.planned_types.get(slug) or (infer_type(sample, from_csv=self.from_csv) if self.infer else "string")
        physical.add_column(self.conn, self.backend, self.model.table_schema, self.model.table_name, slug, ctype)
        label = self._labels.get(key, key)
        self.columns.append({"slug": slug, "type": ctype, "label": label, "kind": "original", "originalSlug": label})
        self.types[slug] = ctype
        self._by_lower[slug.lower()] = slug
        self.report.created_columns.append(slug)
        self.report.created_column_types.append({"slug": slug, "type": ctype})
        self.title_column = self._title_column()
        return slug

    @_closes_cursor_on_error
    def check_keys(self, keys: list[str], labels: list[str], *, header: str = "") -> None:
        """A CSV header mapped to columns up front: a mismatch fails before any row is read. `header`
        (the header as read, JSON text) is quoted by the mismatch message."""
        self._header = header
        for key, label in zip(keys, labels, strict=True):
            self._labels[key] = label
        if self.create_columns:
            # The whole header is known: a file that would take the model past its column cap is
            # refused before the first column is added, not when the engine's own limit is hit.
            new = {key.lower() for key in keys if key != "_id" and key not in IGNORED_SYSTEM_KEYS
                   and not key.startswith("_") and key.lower() not in self._by_lower}
            check_column_count(self.model.slug, len(self.columns), len(new))
        self.csv_plan(keys)

    # --- rows -------------------------------------------------------------------------------------

    def add(self, line: int, raw: dict[str, Any]) -> None:
        """Convert one source row and buffer it; a bad row is skipped and reported (or aborts if strict)."""
        values: dict[str, Any] = {}
        id_raw: Any = None
        problem: str | None = None
        targets = self._targets
        for key, value in raw.items():
            target: tuple[str, Any] | Literal[False] | None = targets.get(key, False)
            if target is False:
                target = self._target(key, value, line) if isinstance(key, str) else None
            if target is None:
                continue
            slug, convert = target
            if convert is None:
                id_raw = value
                continue
            try:
                values[slug] = convert(value)
            except CoercionError as exc:
                problem = problem or f"column {slug}: {exc}"
        try:
            record_id = self._record_id(id_raw, values)
        except RowError as exc:
            self.fail(line, None, problem or exc.message)
            return
        self._queue(line, record_id, values, problem)

    def csv_plan(self, keys: list[str]) -> None:
        """Fix the column plan of a CSV import (its keys never change), for `add_fields`."""
        self._plan = []
        self._id_index = None
        for index, key in enumerate(keys):
            target = self._target(key, None, 1)
            if target is None:
                continue
            slug, convert = target
            if convert is None:
                self._id_index = index
            else:
                self._plan.append((index, slug, None if self.types[slug] == "string" else convert))
        self._fixed_slugs = sorted(slug for _, slug, _ in self._plan)

    def add_fields(self, line: int, fields: list[str]) -> None:
        """`add` for a CSV row given as its fields in header order (the import's hot path)."""
        values: dict[str, Any] = {}
        problem: str | None = None
        for index, slug, convert in self._plan:
            if convert is None:
                values[slug] = fields[index] or None
                continue
            try:
                values[slug] = convert(fields[index])
            except CoercionError as exc:
                problem = problem or f"column {slug}: {exc}"
        record_id = values.get(self._id_slug) if self._id_slug else (
            fields[self._id_index] if self._id_index is not None else None)
        if type(record_id) is not str or not record_id:
            try:
                record_id = self._record_id(fields[self._id_index] if self._id_index is not None else None, values)
            except RowError as exc:
                self.fail(line, None, problem or exc.message)
                return
        self._queue(line, record_id, values, problem)

    def _queue(self, line: int, record_id: str, values: dict[str, Any], problem: str | None) -> None:
        """A converted row joins the pending chunk (a repeated id flushes first), or fails with its problem."""
        if problem is not None:
            self.fail(line, record_id, problem)
            return
        if record_id in self._pending_ids:
            self.flush()
        self._pending.append((line, record_id, values))
        self._pending_ids.add(record_id)
        if len(self._pending) >= CHUNK_ROWS:
            self.flush()

    def _record_id(self, id_raw: Any, values: dict[str, Any]) -> str:
        id_col = self.model.id_column_slug
        try:
            if id_col == "_id":
                if id_raw is None or id_raw == "":
                    return new_id()
                return id_raw if type(id_raw) is str and "\x00" not in id_raw else id_text(id_raw)
            value = values.get(id_col)
            if value is None or value == "":
                raise RowError(f"missing id: the id column {id_col} has no value")
            return value if type(value) is str and "\x00" not in value else id_text(value)
        except CoercionError as exc:
            raise RowError(str(exc)) from None

    @_closes_cursor_on_error
    def fail(self, line: int, record_id: str | None, message: str) -> None:
        if self.strict:
            raise ValidationError(f"line {line}: {message} (--strict: nothing was imported)", reason="invalidRecord",
                                  extra={"errors": [{"line": line, "id": record_id, "message": message}]})
        self.report.skipped += 1
        if record_id is not None:
            self.mark_seen(record_id)  # `replace` keeps a stored row whose new version was bad
        if len(self.report.errors) < MAX_ERRORS:
            self.report.errors.append({"line": line, "id": record_id, "message": message})

    # --- writing ----------------------------------------------------------------------------------

    def _param(self, slug: str, value: Any, *, copy: bool = False) -> Any:
        """A stored form as the driver parameter: only PostgreSQL JSON needs wrapping (text for COPY)."""
        if value is None or not self.pg or self.types.get(slug) not in physical.JSON_TYPES:
            return value
        return physical.to_param(self.backend, "object", value, copy=copy)

    def _title(self, record_id: str, values: dict[str, Any]) -> tuple[bool, str | None]:
        col = self.title_column
        if col == "_id":
            return True, record_id
        if col not in values:
            return False, None
        return True, stored_text(values[col])

    def _existing(self, ids: list[str], slugs: list[str]) -> dict[str, tuple[Any, ...]]:
        cols = ", ".join(physical.quote(s) for s in ["_id", *slugs])
        if self.pg:
            self._cursor.execute(f"SELECT {cols} FROM {self.qtable} WHERE \"_id\" = ANY(%s)", (ids,))
        else:
            marks = ",".join("?" * len(ids))
            self._cursor.execute(f"SELECT {cols} FROM {self.qtable} WHERE \"_id\" IN ({marks})", ids)
        return {row[0]: row[1:] for row in self._cursor.fetchall()}

    @_closes_cursor_on_error
    def flush(self) -> None:
        pending, self._pending, self._pending_ids = self._pending, [], set()
        if not pending:
            return
        if self._fresh and self._insert_all(pending):
            return
        slugs = self._fixed_slugs or sorted({s for _, _, values in pending for s in values})
        existing = self._existing([p[1] for p in pending], slugs)
        position = {s: i for i, s in enumerate(slugs)}
        inserts: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        time_col = self.model.time_column_slug
        now = self._now_param
        for line, record_id, values in pending:
            old = existing.get(record_id)
            if old is None:
                _, title = self._title(record_id, values)
                when = (values.get(time_col) if time_col else None) or now
                keys = tuple(values)
                params = tuple(values.values())
                inserts.setdefault(keys, []).append((record_id, title, when, now, now, *params))
                self.report.inserted += 1
                if self.keep_operations:
                    self._op(record_id, "inserted")
                continue
            if self.mode == "insert":
                self.fail(line, record_id, f"record {record_id} already exists (--mode insert)")
                continue
            changed = {s: v for s, v in values.items() if old[position[s]] != v}
            if not changed:
                self.report.unchanged += 1
                self._op(record_id, "unchanged")
                continue
            sets = dict(changed)
            has_title, title = self._title(record_id, changed)
            if has_title and self.title_column != "_id":
                sets["_title"] = title
            if time_col and time_col in changed:
                sets["_time"] = changed[time_col] or now
            sets["_updated_at"] = now
            keys = tuple(sets)
            self.report.updated_slugs.update(changed)
            updates.setdefault(keys, []).append((*(self._param(s, sets[s]) for s in keys), record_id))
            self.report.updated += 1
            self._op(record_id, "updated")
        for keys, rows in inserts.items():
            self._insert(keys, rows)
        for keys, rows in updates.items():
            assignments = ", ".join(f"{physical.quote(s)} = {self._mark}" for s in keys)
            self._cursor.executemany(f"UPDATE {self.qtable} SET {assignments} WHERE \"_id\" = {self._mark}", rows)
        if self._seen_table:
            self._cursor.executemany(f"INSERT INTO _lading_seen (_id) VALUES ({self._mark}) ON CONFLICT DO NOTHING",
                                     [(p[1],) for p in pending])

    def _insert_all(self, pending: list[tuple[int, str, dict[str, Any]]]) -> bool:
        """Fast path while the table was empty when the write began: insert the chunk without reading
        first; a duplicate id switches to the checked path for the rest of the write."""
        time_col = self.model.time_column_slug
        now = self._now_param
        inserts: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for _, record_id, values in pending:
            _, title = self._title(record_id, values)
            when = (values.get(time_col) if time_col else None) or now
            inserts.setdefault(tuple(values), []).append((record_id, title, when, now, now, *values.values()))
        return self._insert_fresh(inserts, [p[1] for p in pending])

    def _insert_fresh(self, inserts: dict[tuple[str, ...], list[tuple[Any, ...]]], ids: list[str]) -> bool:
        """Insert under a savepoint; a duplicate id (from the file itself or a concurrent writer) undoes
        the chunk and turns the fast path off."""
        self._cursor.execute("SAVEPOINT lading_chunk")
        try:
            for keys, rows in inserts.items():
                self._insert(keys, rows)
        except Exception as exc:
            if not _is_unique_violation(exc):
                raise
            self._cursor.execute("ROLLBACK TO SAVEPOINT lading_chunk")
            self._cursor.execute("RELEASE SAVEPOINT lading_chunk")
            self._fresh = False
            return False
        self._cursor.execute("RELEASE SAVEPOINT lading_chunk")
        self.report.inserted += len(ids)
        if self.keep_operations:
            for record_id in ids:
                self._op(record_id, "inserted")
        if self._seen_table:
            self._cursor.executemany(f"INSERT INTO _lading_seen (_id) VALUES ({self._mark}) ON CONFLICT DO NOTHING",
                                     [(i,) for i in ids])
        return True

    @_closes_cursor_on_error
    def add_csv_chunk(self, chunk: list[tuple[int, list[str]]]) -> None:
        """A chunk of CSV rows (after `check_keys`). Into an empty model the chunk is converted column
        by column and inserted as is — the million-row import's path; any bad value, missing or repeated
        id sends the chunk through `add_fields`, which finds and reports the offending rows."""
        if not chunk:
            return
        if not self._fresh:
            for line, fields in chunk:
                self.add_fields(line, fields)
            return
        self.flush()
        columns: list[list[Any]] | None
        try:
            columns = []
            for index, slug, convert in self._plan:
                raw = [fields[index] for _, fields in chunk]
                if convert is None:
                    columns.append([v or None for v in raw])
                elif self.types[slug] == "number":
                    numbers = [float(v) if v else None for v in raw]
                    if not all(map(_finite, numbers)):
                        raise CoercionError("not a finite number")
                    columns.append(numbers)
                else:
                    columns.append(list(map(convert, raw)))
        except (CoercionError, ValueError):
            columns = None
        keys = tuple(slug for _, slug, _ in self._plan)
        if self._id_slug:
            ids = columns[keys.index(self._id_slug)] if columns is not None and self._id_slug in keys else None
        elif self._id_index is not None:
            ids = [fields[self._id_index] for _, fields in chunk]
        else:
            ids = [new_id() for _ in chunk]
        if (columns is None or ids is None or not all(type(i) is str and i for i in ids)
                or len(set(ids)) != len(ids)):
            for line, fields in chunk:
                self.add_fields(line, fields)
            return
        now = self._now_param
        title_col, time_col = self.title_column, self.model.time_column_slug
        titles = ids if title_col == "_id" else (
            [stored_text(v) for v in columns[keys.index(title_col)]] if title_col in keys else [None] * len(ids))
        times = ([v or now for v in columns[keys.index(time_col)]] if time_col in keys else [now] * len(ids))
        rows = list(zip(ids, titles, times, [now] * len(ids), [now] * len(ids), *columns, strict=True))
        if not self._insert_fresh({keys: rows}, ids):
            for line, fields in chunk:
                self.add_fields(line, fields)

    def _op(self, record_id: str, operation: str) -> None:
        if self.keep_operations:
            self.report.operations.append((record_id, operation))

    def _insert(self, keys: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        names = [*physical.SYSTEM_COLUMNS, *keys]
        cols = ", ".join(physical.quote(s) for s in names)
        if self.pg:
            # Binary COPY with declared types: no text escaping, values go out in their wire form.
            types = ["text", "text", "timestamptz", "timestamptz", "timestamptz",
                     *(_PG_COPY_TYPES.get(self.types[k], "jsonb") for k in keys)]
            with self._cursor.copy(f"COPY {self.qtable} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(names))
        self._cursor.executemany(f"INSERT INTO {self.qtable} ({cols}) VALUES ({marks})", rows)

    # --- replace ------------------------------------------------------------------------------------

    def _create_seen_table(self) -> None:
        if self.pg:
            self._cursor.execute("CREATE TEMP TABLE _lading_seen (_id TEXT PRIMARY KEY) ON COMMIT DROP")
        else:
            self._cursor.execute("CREATE TEMP TABLE IF NOT EXISTS _lading_seen (_id TEXT PRIMARY KEY)")
            self._cursor.execute("DELETE FROM _lading_seen")
        self._seen_table = True

    def mark_seen(self, record_id: str) -> None:
        if self._seen_table:
            self._cursor.execute(f"INSERT INTO _lading_seen (_id) VALUES ({self._mark}) ON CONFLICT DO NOTHING",
                                 (record_id,))

    def finish(self, save_columns: Callable[[list[dict[str, Any]]], None]) -> WriteReport:
        """Write what is buffered, apply `replace` deletions, and record created columns in the catalog."""
        try:
            self.flush()
            if self._seen_table:
                self._cursor.execute(f"DELETE FROM {self.qtable} WHERE \"_id\" NOT IN (SELECT _id FROM _lading_seen)")
                self.report.removed = max(self._cursor.rowcount, 0)
                if not self.pg:
                    self._cursor.execute("DROP TABLE temp._lading_seen")
        finally:
            self.close()
        if self.report.created_columns:
            save_columns(self.columns)
        return self.report

    def close(self) -> None:
        """Close the raw cursor while its connection is still this transaction's.

        Why: a SQLite cursor left open resets its last statement when it is garbage-collected, which
        may happen after the connection went back to the pool and another thread is executing the
        same cached statement on it (the same INSERT into the same model): that thread then fails
        with `bad parameter or other API misuse`. Closing here, on the writer's own thread, before
        the transaction ends, leaves nothing for the collector to do. Idempotent."""
        self._cursor.close()
