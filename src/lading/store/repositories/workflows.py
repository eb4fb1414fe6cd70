"""Workflows, their releases (numbered versions, one draft, ad-hoc graphs) and tools."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from lading.store.repositories._scoped import Scoped, page
from lading.store.schema import batches, releases, tools, workflows


def insert_workflow(conn: Connection, ws: str, uuid: str, now: datetime, *, tool_uuid: str | None = None,
                    play_uuid: str | None = None, folder_uuid: str | None = None) -> None:
    conn.execute(insert(workflows).values(uuid=uuid, workspace_uuid=ws, tool_uuid=tool_uuid, play_uuid=play_uuid,
                                          folder_uuid=folder_uuid, created_at=now, updated_at=now))


_workflows = Scoped(workflows, soft_deleted=True)
get_workflow = _workflows.get


def list_workflows(conn: Connection, ws: str, folder_uuid: str | None, limit: int | None, offset: int) -> Sequence[Any]:
    query = _workflows.narrowed(_workflows.rows(ws), folder_uuid=folder_uuid)
    return page(conn, query.order_by(workflows.c.created_at.desc()), limit, offset)


def soft_delete_workflow(conn: Connection, ws: str, uuid: str, now: datetime) -> None:
    _workflows.update(conn, ws, uuid, {"deleted_at": now, "updated_at": now})


def touch_workflow(conn: Connection, ws: str, uuid: str, now: datetime) -> None:
    _workflows.update(conn, ws, uuid, {"updated_at": now})


_releases = Scoped(releases)
insert_release, get_release, update_release = _releases.insert, _releases.get, _releases.update


def release_by_status(conn: Connection, ws: str, workflow_uuid: str, status: str) -> Any | None:
    return conn.execute(select(releases).where(releases.c.workspace_uuid == ws,
                                               releases.c.workflow_uuid == workflow_uuid,
                                               releases.c.status == status)
                        .order_by(releases.c.created_at.desc())).first()


def list_releases(conn: Connection, ws: str, workflow_uuid: str | None, limit: int, offset: int, *,
                  statuses: Sequence[str] = ("deployed", "archived"), user_uuid: str | None = None) -> Sequence[Any]:
    query = _releases.narrowed(_releases.rows(ws).where(releases.c.status.in_(tuple(statuses))),
                               workflow_uuid=workflow_uuid, user_uuid=user_uuid)
    return page(conn, query.order_by(releases.c.created_at.desc()), limit, offset)


def versions_of(conn: Connection, ws: str, workflow_uuid: str) -> list[str]:
    rows = conn.execute(select(releases.c.version).where(
        releases.c.workspace_uuid == ws, releases.c.workflow_uuid == workflow_uuid,
        releases.c.version.is_not(None))).scalars()
    return [v for v in rows if v]


def archive_deployed(conn: Connection, ws: str, workflow_uuid: str) -> None:
    conn.execute(update(releases).where(releases.c.workspace_uuid == ws, releases.c.workflow_uuid == workflow_uuid,
                                        releases.c.status == "deployed").values(status="archived"))


_tools = Scoped(tools, soft_deleted=True)
insert_tool, get_tool, update_tool = _tools.insert, _tools.get, _tools.update


def tool_by_workflow(conn: Connection, ws: str, workflow_uuid: str) -> Any | None:
    return _tools.first(conn, ws, workflow_uuid=workflow_uuid)


def list_tools(conn: Connection, ws: str, folder_uuid: str | None) -> Sequence[Any]:
    query = _tools.narrowed(_tools.rows(ws), folder_uuid=folder_uuid)
    return conn.execute(query.order_by(tools.c.created_at.desc())).all()


def last_batch(conn: Connection, ws: str, workflow_uuid: str) -> Any | None:
    return conn.execute(select(batches).where(batches.c.workspace_uuid == ws,
                                              batches.c.workflow_uuid == workflow_uuid,
                                              batches.c.parent_run_uuid.is_(None))
                        .order_by(batches.c.created_at.desc())).first()


def tool_names(conn: Connection, ws: str, workflow_uuids: set[str]) -> dict[str, tuple[str, str]]:
    """workflow uuid → (tool uuid, tool name) for the tools among these workflows (removed tools too:
    their runs stay listed under their name)."""
    if not workflow_uuids:
        return {}
    rows = conn.execute(select(tools.c.workflow_uuid, tools.c.uuid, tools.c.name).where(
        tools.c.workspace_uuid == ws, tools.c.workflow_uuid.in_(sorted(workflow_uuids)))).all()
    return {r.workflow_uuid: (r.uuid, r.name) for r in rows}
