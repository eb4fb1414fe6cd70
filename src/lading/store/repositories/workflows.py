"""Workflows, their releases (numbered versions, one draft, ad-hoc graphs) and tools."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from lading.store.schema import batches, releases, tools, workflows


def insert_workflow(conn: Connection, ws: str, uuid: str, now: datetime, *, tool_uuid: str | None = None,
                    play_uuid: str | None = None, folder_uuid: str | None = None) -> None:
    conn.execute(insert(workflows).values(uuid=uuid, workspace_uuid=ws, tool_uuid=tool_uuid, play_uuid=play_uuid,
                                          folder_uuid=folder_uuid, created_at=now, updated_at=now))


def get_workflow(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(workflows).where(workflows.c.workspace_uuid == ws, workflows.c.uuid == uuid,
                                                workflows.c.deleted_at.is_(None))).first()


def list_workflows(conn: Connection, ws: str, folder_uuid: str | None, limit: int, offset: int) -> Sequence[Any]:
    q = select(workflows).where(workflows.c.workspace_uuid == ws, workflows.c.deleted_at.is_(None))
    if folder_uuid:
        q = q.where(workflows.c.folder_uuid == folder_uuid)
    return conn.execute(q.order_by(workflows.c.created_at.desc()).limit(limit).offset(offset)).all()


def soft_delete_workflow(conn: Connection, ws: str, uuid: str, now: datetime) -> None:
    conn.execute(update(workflows).where(workflows.c.workspace_uuid == ws, workflows.c.uuid == uuid)
                 .values(deleted_at=now, updated_at=now))


def touch_workflow(conn: Connection, ws: str, uuid: str, now: datetime) -> None:
    conn.execute(update(workflows).where(workflows.c.workspace_uuid == ws, workflows.c.uuid == uuid)
                 .values(updated_at=now))


def insert_release(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(releases).values(workspace_uuid=ws, **values))


def get_release(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(releases).where(releases.c.workspace_uuid == ws, releases.c.uuid == uuid)).first()


def release_by_status(conn: Connection, ws: str, workflow_uuid: str, status: str) -> Any | None:
    return conn.execute(select(releases).where(releases.c.workspace_uuid == ws,
                                               releases.c.workflow_uuid == workflow_uuid,
                                               releases.c.status == status)
                        .order_by(releases.c.created_at.desc())).first()


def list_releases(conn: Connection, ws: str, workflow_uuid: str | None, limit: int, offset: int) -> Sequence[Any]:
    q = select(releases).where(releases.c.workspace_uuid == ws, releases.c.status.in_(("deployed", "archived")))
    if workflow_uuid:
        q = q.where(releases.c.workflow_uuid == workflow_uuid)
    return conn.execute(q.order_by(releases.c.created_at.desc()).limit(limit).offset(offset)).all()


def versions_of(conn: Connection, ws: str, workflow_uuid: str) -> list[str]:
    rows = conn.execute(select(releases.c.version).where(
        releases.c.workspace_uuid == ws, releases.c.workflow_uuid == workflow_uuid,
        releases.c.version.is_not(None))).scalars()
    return [v for v in rows if v]


def update_release(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(releases).where(releases.c.workspace_uuid == ws, releases.c.uuid == uuid).values(**values))


def archive_deployed(conn: Connection, ws: str, workflow_uuid: str) -> None:
    conn.execute(update(releases).where(releases.c.workspace_uuid == ws, releases.c.workflow_uuid == workflow_uuid,
                                        releases.c.status == "deployed").values(status="archived"))


def insert_tool(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(tools).values(workspace_uuid=ws, **values))


def get_tool(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(tools).where(tools.c.workspace_uuid == ws, tools.c.uuid == uuid,
                                            tools.c.deleted_at.is_(None))).first()


def tool_by_workflow(conn: Connection, ws: str, workflow_uuid: str) -> Any | None:
    return conn.execute(select(tools).where(tools.c.workspace_uuid == ws, tools.c.workflow_uuid == workflow_uuid,
                                            tools.c.deleted_at.is_(None))).first()


def list_tools(conn: Connection, ws: str, folder_uuid: str | None) -> Sequence[Any]:
    q = select(tools).where(tools.c.workspace_uuid == ws, tools.c.deleted_at.is_(None))
    if folder_uuid:
        q = q.where(tools.c.folder_uuid == folder_uuid)
    return conn.execute(q.order_by(tools.c.created_at.desc())).all()


def update_tool(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(tools).where(tools.c.workspace_uuid == ws, tools.c.uuid == uuid).values(**values))


def last_batch(conn: Connection, ws: str, workflow_uuid: str) -> Any | None:
    return conn.execute(select(batches).where(batches.c.workspace_uuid == ws,
                                              batches.c.workflow_uuid == workflow_uuid,
                                              batches.c.parent_run_uuid.is_(None))
                        .order_by(batches.c.created_at.desc())).first()
