"""Workspaces and users (embedded mode creates the first workspace and admin on first use)."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from sqlalchemy import Connection, insert, select

from lading.store.clock import utcnow
from lading.store.schema import users, workspaces


def get_or_create_workspace(conn: Connection, name: str) -> tuple[Any, Any]:
    """The named workspace and its first admin, created on first use."""
    ws = conn.execute(select(workspaces).where(workspaces.c.name == name)).first()
    if ws is None:
        now = utcnow()
        ws_uuid = str(uuidlib.uuid4())
        conn.execute(insert(workspaces).values(uuid=ws_uuid, name=name, created_at=now))
        conn.execute(insert(users).values(uuid=str(uuidlib.uuid4()), workspace_uuid=ws_uuid,
                                          email="local@localhost", first_name=None, last_name=None,
                                          role="admin", created_at=now))
        ws = conn.execute(select(workspaces).where(workspaces.c.uuid == ws_uuid)).one()
    user = conn.execute(select(users).where(users.c.workspace_uuid == ws.uuid, users.c.deleted_at.is_(None),
                                            users.c.role == "admin")
                        .order_by(users.c.created_at)).first()
    return ws, user


def find_workspace(conn: Connection, name: str) -> Any | None:
    return conn.execute(select(workspaces).where(workspaces.c.name == name)).first()


def get_workspace_and_admin(conn: Connection, ws_uuid: str) -> tuple[Any, Any] | None:
    """A workspace by uuid with its first user (work done on the workspace's behalf, e.g. by the
    scheduler, runs as that user); None when the workspace does not exist."""
    ws = conn.execute(select(workspaces).where(workspaces.c.uuid == ws_uuid)).first()
    if ws is None:
        return None
    user = conn.execute(select(users).where(users.c.workspace_uuid == ws.uuid, users.c.deleted_at.is_(None),
                                            users.c.role == "admin")
                        .order_by(users.c.created_at)).first()
    return (ws, user) if user is not None else None
