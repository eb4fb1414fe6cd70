"""Plays (segment-driven workflows), always scoped to the caller's workspace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update

from lading.store.schema import plays, runs


def insert_play(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(plays).values(workspace_uuid=ws, **values))


def get_play(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(plays).where(plays.c.workspace_uuid == ws, plays.c.uuid == uuid,
                                            plays.c.deleted_at.is_(None))).first()


def play_by_workflow(conn: Connection, ws: str, workflow_uuid: str) -> Any | None:
    return conn.execute(select(plays).where(plays.c.workspace_uuid == ws, plays.c.workflow_uuid == workflow_uuid,
                                            plays.c.deleted_at.is_(None))).first()


def list_plays(conn: Connection, ws: str, folder_uuid: str | None) -> Sequence[Any]:
    query = select(plays).where(plays.c.workspace_uuid == ws, plays.c.deleted_at.is_(None))
    if folder_uuid:
        query = query.where(plays.c.folder_uuid == folder_uuid)
    return conn.execute(query.order_by(plays.c.created_at.desc(), plays.c.uuid)).all()


def update_play(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(plays).where(plays.c.workspace_uuid == ws, plays.c.uuid == uuid).values(**values))


def records_with_runs(conn: Connection, ws: str, workflow_uuid: str, record_ids: Sequence[str]) -> set[str]:
    """Which of these record ids already went through the workflow (any run, any status)."""
    out: set[str] = set()
    for start in range(0, len(record_ids), 500):
        part = list(record_ids[start:start + 500])
        out.update(str(r) for r in conn.execute(select(runs.c.record_id).distinct().where(
            runs.c.workspace_uuid == ws, runs.c.workflow_uuid == workflow_uuid, runs.c.record_id.in_(part))).scalars())
    return out
