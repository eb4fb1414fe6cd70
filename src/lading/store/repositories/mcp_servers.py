"""Published MCP servers, always scoped to the caller's workspace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from lading.store.schema import mcp_servers


def insert_server(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(mcp_servers).values(workspace_uuid=ws, **values))


def get_server(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(mcp_servers).where(mcp_servers.c.workspace_uuid == ws,
                                                  mcp_servers.c.uuid == uuid)).first()


def list_servers(conn: Connection, ws: str) -> Sequence[Any]:
    """The workspace's servers, newest first."""
    return conn.execute(select(mcp_servers).where(mcp_servers.c.workspace_uuid == ws)
                        .order_by(mcp_servers.c.created_at.desc(), mcp_servers.c.uuid)).all()


def update_server(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(mcp_servers).where(mcp_servers.c.workspace_uuid == ws, mcp_servers.c.uuid == uuid)
                 .values(**values))


def delete_server(conn: Connection, ws: str, uuid: str) -> None:
    conn.execute(delete(mcp_servers).where(mcp_servers.c.workspace_uuid == ws, mcp_servers.c.uuid == uuid))
