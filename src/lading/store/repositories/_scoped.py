"""The statements every workspace-owned table repeats, written once for the repositories.

A repository binds a `Scoped` to its table and exposes the plain statements under its own names
(`insert_play = _plays.insert`), so callers keep reading the domain while the shared rules live here:
a row is always looked up inside the caller's workspace, a table with soft deletes shows only its live
rows, an unset list filter narrows nothing, and lists page newest first with a stable tie-break on `uuid`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, Table, insert, select, update


class Scoped:
    """One workspace-owned table; `soft_deleted`: its rows carry `deleted_at` and lookups skip removed ones."""

    def __init__(self, table: Table, *, soft_deleted: bool = False) -> None:
        self.table = table
        self.soft_deleted = soft_deleted

    def insert(self, conn: Connection, ws: str, values: dict[str, Any]) -> None:
        conn.execute(insert(self.table).values(workspace_uuid=ws, **values))

    def rows(self, ws: str, *, include_deleted: bool = False, **equal: Any) -> Select[Any]:
        """The workspace's rows whose columns equal `equal` (live ones only, unless `include_deleted`)."""
        t = self.table
        clauses = [t.c.workspace_uuid == ws, *(t.c[name] == value for name, value in equal.items())]
        if self.soft_deleted and not include_deleted:
            clauses.append(t.c.deleted_at.is_(None))
        return select(t).where(*clauses)

    def first(self, conn: Connection, ws: str, **equal: Any) -> Any | None:
        return conn.execute(self.rows(ws, **equal)).first()

    def get(self, conn: Connection, ws: str, uuid: str) -> Any | None:
        return self.first(conn, ws, uuid=uuid)

    def update(self, conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
        t = self.table
        conn.execute(update(t).where(t.c.workspace_uuid == ws, t.c.uuid == uuid).values(**values))

    def narrowed(self, query: Select[Any], **optional: str | None) -> Select[Any]:
        """`query` narrowed to each optional column value that is set (an unset CLI filter narrows nothing)."""
        for name, value in optional.items():
            if value:
                query = query.where(self.table.c[name] == value)
        return query

    def newest_first(self) -> tuple[Any, ...]:
        """The list order: newest first, then by uuid so rows created in one clock tick page stably."""
        return self.table.c.created_at.desc(), self.table.c.uuid


def page(conn: Connection, query: Select[Any], limit: int | None, offset: int) -> Sequence[Any]:
    """One page of an ordered `query` (`limit` None: every row from `offset` on)."""
    query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return conn.execute(query).all()
