"""Connecting to the state store: embedded SQLite under `$LADING_HOME` or PostgreSQL.

SQLite runs in WAL mode; write transactions start with `BEGIN IMMEDIATE` so concurrent writers
(a CLI and a background worker) never fail on lock upgrades. Before that, writers of every process
queue on an exclusive `flock` of a file next to the database (`WriterGate`), polled every 0.1-2 ms,
whereas SQLite's own busy handler sleeps up to 100 ms between tries, which left the single writer idle
while several workers waited.
The schema is brought to the Alembic head on first use, under a lock, so a fresh machine needs
no setup step.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, text

from lading.settings import Settings, load_settings

HEAD_REVISION = "0027"


def json_default(value: Any) -> Any:
    """Values orjson cannot encode: JavaScript `undefined` from expressions is stored as null."""
    if type(value).__name__ == "_Undefined":  # the expressions sentinel (store cannot import the engine)
        return None
    raise TypeError(f"cannot store a {type(value).__name__} as JSON")


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, default=json_default, option=orjson.OPT_NON_STR_KEYS).decode()


class WriterGate:
    """One SQLite writer at a time across threads and processes, handed over within milliseconds.

    A thread lock orders this process's writers (an `flock` is held per open file, so it cannot tell
    two threads apart); the file lock orders processes. Re-entrant within a thread."""

    WAIT_SECONDS = 30.0

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def _acquire(self, fd: int) -> None:
        """The file lock, polled with sleeps of 0.1 to 2 ms (SQLite's own handler sleeps up to 100 ms);
        a writer stuck elsewhere makes this one fail after WAIT_SECONDS, as the busy timeout did."""
        deadline = time.monotonic() + self.WAIT_SECONDS
        pause = 0.0001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TimeoutError(
                        f"the store stayed locked by another writer for {self.WAIT_SECONDS:.0f} s") from None
            time.sleep(pause)
            pause = min(pause * 2, 0.002)

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                if self._fd is None:
                    self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                self._acquire(self._fd)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:  # always set here: locked on entry
                    fcntl.flock(self._fd, fcntl.LOCK_UN)


@dataclass
class Database:
    """An engine plus the backend name; `read()`/`write()` give transactional connections."""

    engine: Engine
    backend: str
    gate: WriterGate | None = None

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (IMMEDIATE on SQLite); commits on success, rolls back on error."""
        with self.gate.hold() if self.gate is not None else contextlib.nullcontext(), \
                self.engine.connect().execution_options(lading_write=True) as conn, conn.begin():
            yield conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (a consistent snapshot)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        # Checkpoint the WAL in larger steps: per-node commits are small and frequent.
        cur.execute("PRAGMA wal_autocheckpoint=8000")
        # 16 MiB of page cache per connection: hot index pages fit, and a worker's few connections
        # keep its memory flat however large the store grows.
        cur.execute("PRAGMA cache_size=-16384")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("lading_write") else "BEGIN")


def refusal_of(exc: BaseException) -> Exception | None:
    """The user's error behind a database refusal caused by the values bound, or None.

    Some input only fails when the store binds it: NUL characters (PostgreSQL text and JSON cannot
    hold them), text longer than a bounded column, a number beyond the engine's integers, a negative
    LIMIT/OFFSET. Mapping them here, once for every statement, gives each the same clear error in
    the documented shape instead of the driver's message with its SQL; the failed statement still
    rolls its transaction back, so nothing is half-written.
    """
    from lading.domain.errors import ValidationError

    text = str(exc)
    state = getattr(exc, "sqlstate", None) or ""
    # SQLite's driver raises OverflowError beyond 64 bits, orjson (the JSON columns' encoder) a
    # TypeError, PostgreSQL 22003 for a value beyond its column's (or bigint's) range.
    if isinstance(exc, OverflowError) or "Integer exceeds 64-bit range" in text or state == "22003":
        return ValidationError("a number is out of range: integers run from -9223372036854775808 to "
                               "9223372036854775807", reason="invalidData")
    if "NUL (0x00)" in text or "\\u0000" in text or state == "22P05":
        return ValidationError("text cannot contain NUL (\\u0000) characters", reason="invalidData")
    if state == "22001":
        import re

        limit = re.search(r"varying\((\d+)\)", text)
        most = f" (at most {int(limit.group(1)):,} characters)" if limit else ""
        return ValidationError(f"a value is longer than the field allows{most}", reason="invalidData")
    if state == "2201W":
        return ValidationError("--limit cannot be negative", reason="invalidLimit")
    if state == "2201X":
        return ValidationError("--offset cannot be negative", reason="invalidOffset")
    return None


def _install_error_mapping(engine: Engine) -> None:
    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        refusal = refusal_of(context.original_exception)
        if refusal is not None:
            raise refusal from None


_DATABASES: dict[str, Database] = {}


def open_database(settings: Settings | None = None) -> Database:
    """The process's database for these settings, created, migrated and cached on first use."""
    settings = settings or load_settings()
    url = settings.effective_database_url
    db = _DATABASES.get(url)
    if db is not None:
        return db
    if settings.backend == "sqlite":
        settings.home.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            hide_parameters=True,
        )
        _install_sqlite_hooks(engine)
    else:
        engine = create_engine(
            url,
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            pool_pre_ping=True,
            hide_parameters=True,
            pool_size=settings.db_pool_size,
            max_overflow=4,
        )
    _install_error_mapping(engine)
    gate = WriterGate(f"{engine.url.database}.writer-lock") if settings.backend == "sqlite" else None
    db = Database(engine=engine, backend=settings.backend, gate=gate)
    _ensure_schema(db, settings)
    _DATABASES[url] = db
    return db


def reset_database_cache() -> None:
    """Forget cached engines (tests switch `LADING_HOME` / database URLs between cases)."""
    for db in _DATABASES.values():
        db.engine.dispose()
    _DATABASES.clear()


def _current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:
            return None


def _ensure_schema(db: Database, settings: Settings) -> None:
    """Upgrade to head if needed; cheap when already there (one SELECT, no Alembic import)."""
    if _current_revision(db) == HEAD_REVISION:
        return
    if db.is_postgres:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(7261234)"))
            try:
                if _current_revision(db) != HEAD_REVISION:
                    _upgrade(db, conn)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(7261234)"))
                conn.commit()
        return
    lock_path = settings.home / "migrate.lock"
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _current_revision(db) != HEAD_REVISION:
                with db.engine.connect() as conn:
                    _upgrade(db, conn)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _upgrade(db: Database, conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(os.path.dirname(__file__), "migrations"))
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
    if conn.in_transaction():
        conn.commit()


def schema_state(db: Database) -> tuple[str | None, str]:
    """(the store's migration revision — None when unreachable or unmigrated, the code's head): what
    `/ready` and `doctor` report."""
    try:
        return _current_revision(db), HEAD_REVISION
    except Exception:
        return None, HEAD_REVISION


def upsert_insert(conn: Connection) -> Any:
    """The `insert` of this connection's dialect, the one with `on_conflict_do_…`; each dialect is imported
    when a statement needs it, so a command on SQLite never loads the PostgreSQL dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def serialize_writes(conn: Connection, key: str) -> None:
    """Make concurrent write transactions that check-then-insert under `key` run one after the other.

    Why: a "no other row has this name" check followed by an insert is only safe when no second
    transaction can check between the two. SQLite has one writer at a time already; on PostgreSQL
    (read committed) a transaction-scoped advisory lock on the key gives the same guarantee to the
    writes that take it, released at commit or rollback."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
