"""Writing records into a model's table: key → column mapping, coercion, upsert/insert by id, counts.

One `ModelWriter` works inside one open transaction (the caller's), so an import that fails — a
column mismatch, a bad row under `--strict` — rolls back whole and never half-writes. Rows are
buffered in chunks; each chunk costs one read of the stored rows with the same ids, one batched
INSERT (COPY on PostgreSQL) and batched UPDATEs grouped by key set, which keeps a million-row import
in flat memory at tens of thousands of rows per second. Stored values are compared with the new ones
so an identical row is counted `unchanged` and not rewritten (data spec §4.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lading.data import physical
from lading.data.columns import CoercionError, coerce, id_text, infer_type, key_to_slug, new_id
from lading.domain.errors import ValidationError
from lading.store.clock import utcnow

CHUNK_ROWS = 2000
MAX_ERRORS = 100
IGNORED_SYSTEM_KEYS = frozenset({"_title", "_time", "_created_at", "_updated_at"})
MODES = ("upsert", "insert", "replace")


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
    errors: list[dict[str, Any]] = field(default_factory=list)
    # (id, "inserted"/"updated"/"unchanged") of every written row, when asked for (single-record writes).
    operations: list[tuple[str, str]] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.inserted + self.updated + self.removed


class ModelWriter:
    """Buffers rows for one model and writes them in chunks on `conn` (an open write transaction)."""

    def __init__(self, conn: Any, model: Any, *, mode: str = "upsert", create_columns: bool = True,
                 from_csv: bool = False, strict: bool = False, keep_operations: bool = False) -> None:
        if mode not in MODES:
            raise ValidationError(f"--mode must be one of {', '.join(MODES)}, not {mode!r}", reason="invalidData")
        self.conn = conn
        self.model = model
        self.pg = conn.dialect.name == "postgresql"
        self.backend = conn.dialect.name
        self.mode = mode
        self.create_columns = create_columns
        self.from_csv = from_csv
        self.strict = strict
        self.keep_operations = keep_operations
        self.columns: list[dict[str, Any]] = [dict(c) for c in model.columns or []]
        self.types: dict[str, str] = {c["slug"]: c["type"] for c in self.columns}
        self._by_lower: dict[str, str] = {s.lower(): s for s in self.types}
        self._key_cache: dict[str, str | None] = {}
        self._labels: dict[str, str] = {}
        self.qtable = physical.qualified(model.table_schema, model.table_name)
        self.report = WriteReport()
        self.now = physical.to_utc(utcnow())
        self._pending: list[tuple[int, str, dict[str, Any]]] = []
        self._pending_ids: set[str] = set()
        self._cursor = conn.connection.cursor()
        self._mark = "%s" if self.pg else "?"
        self._seen_table = False
        if mode == "replace":
            self._create_seen_table()

    # --- columns ----------------------------------------------------------------------------------

    @property
    def title_column(self) -> str:
        if self.model.title_column_slug:
            return str(self.model.title_column_slug)
        for col in self.columns:
            if col["type"] == "string":
                return str(col["slug"])
        return "_id"

    def slug_for(self, key: str, sample: Any, line: int) -> str | None:
        """The column a source key writes to (creating it if allowed); None for ignored keys."""
        cached = self._key_cache.get(key, "")
        if cached != "":
            return cached
        if key == "_id" or key == self.model.id_column_slug == "_id":
            slug: str | None = "_id"
        elif key in IGNORED_SYSTEM_KEYS or (key.startswith("_") and key not in self.types):
            slug = None
        else:
            candidate = key_to_slug(key) if not self.from_csv else key
            slug = self._by_lower.get(candidate.lower())
            if slug is None:
                slug = self._create(candidate, sample, line, key)
        self._key_cache[key] = slug
        return slug

    def _create(self, slug: str, sample: Any, line: int, key: str) -> str:
        if not self.create_columns:
            raise ValidationError(
                f"column {key!r} (line {line}) is not a column of model {self.model.slug}; add it first or import "
                "with --create-columns", reason="columnMismatch")
        ctype = infer_type(sample, from_csv=self.from_csv)
        physical.add_column(self.conn, self.backend, self.model.table_schema, self.model.table_name, slug, ctype)
        label = self._labels.get(key, key)
        self.columns.append({"slug": slug, "type": ctype, "label": label, "kind": "original", "originalSlug": label})
        self.types[slug] = ctype
        self._by_lower[slug.lower()] = slug
        self.report.created_columns.append(slug)
        return slug

    def check_keys(self, keys: list[str], labels: list[str]) -> None:
        """A CSV header mapped to columns up front: a mismatch fails before any row is read."""
        for key, label in zip(keys, labels, strict=True):
            self._labels[key] = label
            self.slug_for(key, None, 1)

    # --- rows -------------------------------------------------------------------------------------

    def add(self, line: int, raw: dict[str, Any]) -> None:
        """Coerce one source row and buffer it; a bad row is skipped and reported (or aborts if strict)."""
        values: dict[str, Any] = {}
        id_raw: Any = None
        problem: str | None = None
        for key, value in raw.items():
            slug = self.slug_for(key, value, line) if isinstance(key, str) else None
            if slug is None:
                continue
            if slug == "_id":
                id_raw = value
                continue
            try:
                converted = coerce(value, self.types[slug], from_csv=self.from_csv)
            except CoercionError as exc:
                problem = problem or f"column {slug}: {exc}"
                continue
            if not self.pg and isinstance(converted, datetime):
                converted = converted.replace(microsecond=converted.microsecond // 1000 * 1000)
            values[slug] = converted
        try:
            record_id = self._record_id(id_raw, values)
        except RowError as exc:
            self.fail(line, None, problem or exc.message)
            return
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
                return id_text(id_raw)
            value = values.get(id_col)
            if value is None or value == "":
                raise RowError(f"missing id: the id column {id_col} has no value")
            return id_text(value)
        except CoercionError as exc:
            raise RowError(str(exc)) from None

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
        ctype = self.types.get(slug) or physical.SYSTEM_TYPES.get(slug, "string")
        return physical.to_param(self.backend, ctype, value, copy=copy)

    def _stored(self, slug: str, value: Any) -> Any:
        return physical.from_stored(self.backend, self.types.get(slug, "string"), value)

    def _title(self, record_id: str, values: dict[str, Any]) -> tuple[bool, str | None]:
        col = self.title_column
        if col == "_id":
            return True, record_id
        if col not in values:
            return False, None
        value = values[col]
        return True, None if value is None else coerce(value, "string")

    def _existing(self, ids: list[str], slugs: list[str]) -> dict[str, tuple[Any, ...]]:
        cols = ", ".join(physical.quote(s) for s in ["_id", *slugs])
        found: dict[str, tuple[Any, ...]] = {}
        if self.pg:
            self._cursor.execute(f"SELECT {cols} FROM {self.qtable} WHERE \"_id\" = ANY(%s)", (ids,))
        else:
            marks = ",".join("?" * len(ids))
            self._cursor.execute(f"SELECT {cols} FROM {self.qtable} WHERE \"_id\" IN ({marks})", ids)
        for row in self._cursor.fetchall():
            found[row[0]] = tuple(self._stored(s, v) for s, v in zip(slugs, row[1:], strict=True))
        return found

    def flush(self) -> None:
        pending, self._pending, self._pending_ids = self._pending, [], set()
        if not pending:
            return
        slugs = sorted({s for _, _, values in pending for s in values})
        existing = self._existing([p[1] for p in pending], slugs)
        position = {s: i for i, s in enumerate(slugs)}
        inserts: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        updates: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        time_col = self.model.time_column_slug
        for line, record_id, values in pending:
            old = existing.get(record_id)
            if old is None:
                has_title, title = self._title(record_id, values)
                when = values.get(time_col) if time_col else None
                keys = tuple(values)
                row = (record_id, title, self._param("_time", when or self.now), self._param("_created_at", self.now),
                       self._param("_updated_at", self.now), *(self._param(s, values[s], copy=self.pg) for s in keys))
                inserts.setdefault(keys, []).append(row)
                self.report.inserted += 1
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
                sets["_time"] = changed[time_col] or self.now
            sets["_updated_at"] = self.now
            keys = tuple(sets)
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

    def _op(self, record_id: str, operation: str) -> None:
        if self.keep_operations:
            self.report.operations.append((record_id, operation))

    def _insert(self, keys: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        names = [*physical.SYSTEM_COLUMNS, *keys]
        cols = ", ".join(physical.quote(s) for s in names)
        if self.pg:
            with self._cursor.copy(f"COPY {self.qtable} ({cols}) FROM STDIN") as copy:
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
        self.flush()
        if self._seen_table:
            self._cursor.execute(f"DELETE FROM {self.qtable} WHERE \"_id\" NOT IN (SELECT _id FROM _lading_seen)")
            self.report.removed = max(self._cursor.rowcount, 0)
            if not self.pg:
                self._cursor.execute("DROP TABLE temp._lading_seen")
        if self.report.created_columns:
            save_columns(self.columns)
        return self.report
