"""Engine-level limits on storage SQL: the database itself refuses to read anything but the tables the
guard resolved for this query, so a gap in the parser-level guard (`lading.data.sql_guard`) cannot
reach the store's own tables or another workspace's models (data spec §6.1).

SQLite: an authorizer callback, installed on the pooled connection while the user's statement runs,
allows `SELECT`, reads of the resolved physical tables (and of the guard's renamed CTEs), recursive
CTEs and built-in functions except the ones that reach outside the query; everything else (other
tables, `sqlite_master`, `PRAGMA`, `ATTACH`, writes, transaction control) is denied, and the denial is
recorded so the error names what was refused.

PostgreSQL: each workspace has a `NOLOGIN` role (`lading_ws_<hash of the workspace uuid>`) holding
`USAGE` on its models' schemas and `SELECT` on its models' tables, nothing else; the query runs under
`SET LOCAL ROLE` with an empty `search_path`. The role and grants are created on demand by the service
account, which needs `CREATEROLE` (or superuser) and ownership of the model tables (it creates them).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lading.data.sql_guard import CTE_PREFIX

# Built-ins that read files, load code or expose internals; refused even though SQLite ships them.
SQLITE_DENIED_FUNCTIONS = frozenset({"load_extension", "fts3_tokenizer", "readfile", "writefile", "edit",
                                     "sqlite_dbpage", "sqlite_dbdata", "zipfile", "fts5_source_id"})
_SQLITE_DIRECTONLY = 0x80000
_sqlite_functions: frozenset[str] | None = None


@dataclass
class SqliteDenial:
    """What the authorizer refused while the statement was prepared (first refusal wins)."""

    kind: str = ""  # "table" | "function" | "action"
    name: str = ""
    denied: list[tuple[str, str]] = field(default_factory=list)

    def note(self, kind: str, name: str) -> None:
        self.denied.append((kind, name))
        if not self.kind:
            self.kind, self.name = kind, name


def sqlite_builtin_functions(dbapi: Any) -> frozenset[str] | None:
    """Names of SQLite's built-in functions that are not `DIRECTONLY` (those are the ones meant never to
    run from untrusted SQL), read once per process; None when the build lacks `pragma_function_list`."""
    global _sqlite_functions
    if _sqlite_functions is None:
        try:
            rows = dbapi.execute("SELECT name, builtin, flags FROM pragma_function_list").fetchall()
        except sqlite3.Error:
            return None
        _sqlite_functions = frozenset(str(name).lower() for name, builtin, flags in rows
                                      if builtin and not (int(flags or 0) & _SQLITE_DIRECTONLY))
    return _sqlite_functions


def sqlite_authorizer(tables: Iterable[str], functions: frozenset[str] | None, denial: SqliteDenial) -> Any:
    """The authorizer callback for one statement; `tables` are the physical tables it may read."""
    allowed = frozenset(t.lower() for t in tables)
    ok, deny = sqlite3.SQLITE_OK, sqlite3.SQLITE_DENY
    select, read, function = sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION
    recursive = getattr(sqlite3, "SQLITE_RECURSIVE", 33)

    def authorize(action: int, arg1: str | None, arg2: str | None, db_name: str | None, _source: str | None) -> int:
        if action in (select, recursive):
            return ok
        if action == read:
            # A column of a table arrives with its database name. A read of no column (`count(*)`,
            # `SELECT 1 FROM t`) arrives without one, naming the real table or a materialized CTE; the
            # guard names every CTE `_lading_cte_<n>`, a prefix no store or model table has.
            table = (arg1 or "").lower()
            if table in allowed and db_name in ("main", None):
                return ok
            if db_name is None and table.startswith(CTE_PREFIX):
                return ok
            denial.note("table", arg1 or "")
            return deny
        if action == function:
            name = (arg2 or "").lower()
            if name not in SQLITE_DENIED_FUNCTIONS and (functions is None or name in functions):
                return ok
            denial.note("function", arg2 or "")
            return deny
        denial.note("action", str(action))
        return deny

    return authorize


# --- PostgreSQL -------------------------------------------------------------------------------------


def workspace_role(workspace_uuid: str) -> str:
    """The role a workspace's storage SQL runs as: stable, short, and not guessable from a table name."""
    return "lading_ws_" + hashlib.sha256(workspace_uuid.encode()).hexdigest()[:16]


_CHECK_SQL = """
SELECT pg_has_role(current_user, r.oid, 'MEMBER')
   AND coalesce(bool_and(c.oid IS NOT NULL AND has_table_privilege(r.oid, c.oid, 'SELECT')
                         AND has_schema_privilege(r.oid, c.relnamespace, 'USAGE')) FILTER (WHERE t.n IS NOT NULL),
                true)
FROM pg_roles r
LEFT JOIN unnest(%(schemas)s::text[], %(tables)s::text[]) AS t(s, n) ON true
LEFT JOIN pg_namespace ns ON ns.nspname = t.s
LEFT JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = t.n
WHERE r.rolname = %(role)s
GROUP BY r.oid
"""


def pg_role_ready(cursor: Any, role: str, tables: Iterable[tuple[str, str]]) -> bool:
    """Whether `role` exists, the service account may switch to it, and it can read every table (one
    round trip, no error when the role is missing, so it can run inside the query's transaction)."""
    pairs = sorted(tables)
    cursor.execute(_CHECK_SQL, {"role": role, "schemas": [s for s, _ in pairs], "tables": [t for _, t in pairs]})
    row = cursor.fetchone()
    return bool(row and row[0])


def pg_ensure_role(conn: Any, role: str, tables: Iterable[tuple[str, str]]) -> None:
    """Create the workspace role and grant it read access to `tables` (idempotent; own transaction).

    The role gets nothing else: Lading's own tables grant nothing to PUBLIC, so it cannot read them.
    `GRANT … TO current_user` lets a non-superuser service account (with CREATEROLE) `SET ROLE` to it."""
    from lading.data.physical import qualified, quote

    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7261235)")  # concurrent first queries: one creator
    exists = conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %(r)s", {"r": role}).first()
    if not exists:
        conn.exec_driver_sql(f"CREATE ROLE {quote(role)} NOLOGIN NOINHERIT")
    member = conn.exec_driver_sql(
        "SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
        "WHERE r.rolname = %(r)s AND m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        {"r": role}).first()
    superuser = conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
    if not member and not superuser:
        conn.exec_driver_sql(f"GRANT {quote(role)} TO CURRENT_USER")
    for schema in sorted({s for s, _ in tables if s}):
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {quote(role)}")
    for schema, table in sorted(tables):
        conn.exec_driver_sql(f"GRANT SELECT ON {qualified(schema, table)} TO {quote(role)}")
