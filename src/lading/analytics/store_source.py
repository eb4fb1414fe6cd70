"""Where the embedded engine reads the state store from: SQLite file or PostgreSQL database.

chDB reads the store as a database attached with its SQLite / PostgreSQL database engine, not through
the `sqlite()` / `postgresql()` table functions: the query then runs in a `readonly = 1` session, where
ClickHouse itself refuses every table function (`file`, `url`, `sqlite`, …) and every settings change,
so neither can be reached from query text even if the rewriter let something through. The database
name is unguessable (a per-process secret) and only ever written by Lading's rewriter. Each backend also
says how its raw columns become the typed ClickHouse columns of the spec (timestamps are text on
SQLite, naive `timestamp` on PostgreSQL; both hold UTC).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from lading.settings import Settings

ROW_CAP_MESSAGE = "Limit for rows or bytes to read exceeded, max rows: {}"
# Part of every attached store database name: never derivable from anything a user can see.
_PROCESS_SECRET = secrets.token_hex(8)


def quote(value: str) -> str:
    """A ClickHouse string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class StoreSource:
    """The state store as seen from chDB."""

    backend: str  # "sqlite" | "postgresql"
    sqlite_path: str = ""
    pg_host_port: str = ""
    pg_database: str = ""
    pg_user: str = ""
    pg_password: str = ""
    pg_schema: str = ""
    # PostgreSQL reads do not report progress to chDB, so `max_rows_to_read` cannot stop them: each
    # scan of the store carries its own counter instead (see `row_cap_predicate`).
    row_cap: int | None = None

    def row_cap_predicate(self) -> str | None:
        if self.backend != "postgresql" or self.row_cap is None:
            return None
        return (f"throwIf(rowNumberInAllBlocks() >= {int(self.row_cap)}, "
                f"{quote(ROW_CAP_MESSAGE.format(self.row_cap))}) = 0")

    @property
    def database(self) -> str:
        """The name the store is attached under in chDB: one per store (so `CREATE DATABASE IF NOT
        EXISTS` can never reuse another store's attachment) and unguessable from query text."""
        identity = "\0".join((self.backend, self.sqlite_path, self.pg_host_port, self.pg_database, self.pg_user,
                              self.pg_password, self.pg_schema, _PROCESS_SECRET))
        return "lading_store_" + hashlib.sha256(identity.encode()).hexdigest()[:24]

    def attach_sql(self) -> str:
        """The DDL attaching the store in a fresh chDB session (run before the session turns read-only)."""
        if self.backend == "sqlite":
            engine = f"SQLite({quote(self.sqlite_path)})"
        else:
            args = [self.pg_host_port, self.pg_database, self.pg_user, self.pg_password]
            if self.pg_schema:
                args.append(self.pg_schema)
            engine = "PostgreSQL(" + ", ".join(quote(a) for a in args) + ")"
        return f"CREATE DATABASE IF NOT EXISTS {self.database} ENGINE = {engine}"

    def table(self, name: str) -> str:
        """One store table, as the attached database exposes it."""
        return f"{self.database}.{name}"

    def ts(self, column: str) -> str:
        """A raw timestamp column as Nullable(DateTime64(3, 'UTC'))."""
        if self.backend == "sqlite":
            return f"parseDateTime64BestEffortOrNull({column}, 3, 'UTC')"
        return f"toDateTime64({column}, 3, 'UTC')"

    def ts_not_null(self, column: str) -> str:
        return f"assumeNotNull({self.ts(column)})"

    def ts_bound(self, expr: str, upper: bool) -> str:
        """A constant time expression as a literal the store can compare its raw column with.

        Lower bounds are floored to the second and upper bounds moved one second up, so the pushed
        predicate is always a superset of the user's (the exact predicate is applied again after)."""
        value = f"toDateTime({expr}, 'UTC')"
        if upper:
            value = f"({value} + INTERVAL 1 SECOND)"
        return f"formatDateTime({value}, '%Y-%m-%d %H:%i:%S', 'UTC')"


def source_for(settings: Settings) -> StoreSource:
    """The store of these settings, addressed for chDB."""
    if settings.backend == "sqlite":
        return StoreSource(backend="sqlite", sqlite_path=str(settings.sqlite_path.resolve()))
    parts = urlsplit(settings.effective_database_url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 5432
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    schema = ""
    options = unquote(query.get("options", ""))
    if "search_path=" in options:
        schema = options.split("search_path=", 1)[1].split()[0].split(",")[0]
    return StoreSource(
        backend="postgresql", pg_host_port=f"{host}:{port}", pg_database=(parts.path or "/").lstrip("/"),
        pg_user=unquote(parts.username or ""), pg_password=unquote(parts.password or ""), pg_schema=schema,
    )
