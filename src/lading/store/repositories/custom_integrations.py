"""A workspace's custom integrations (integration documents), always scoped to the caller's workspace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, select

from lading.store.repositories._scoped import Scoped
from lading.store.schema import custom_integrations

_scoped = Scoped(custom_integrations)
insert_custom_integration = _scoped.insert
get_custom_integration = _scoped.get
update_custom_integration = _scoped.update


def get_by_slug(conn: Connection, ws: str, slug: str) -> Any | None:
    return _scoped.first(conn, ws, slug=slug)


def list_custom_integrations(conn: Connection, ws: str) -> Sequence[Any]:
    """The workspace's custom integrations, newest first."""
    return conn.execute(_scoped.rows(ws).order_by(*_scoped.newest_first())).all()


def stamp(conn: Connection, ws: str) -> tuple[int, Any]:
    """(count, newest change) of the workspace's custom integrations: whether a cached set is current."""
    t = custom_integrations
    row = conn.execute(select(func.count(), func.max(t.c.updated_at)).where(t.c.workspace_uuid == ws)).one()
    return int(row[0]), row[1]


def delete_custom_integration(conn: Connection, ws: str, uuid: str) -> None:
    t = custom_integrations
    conn.execute(delete(t).where(t.c.workspace_uuid == ws, t.c.uuid == uuid))
