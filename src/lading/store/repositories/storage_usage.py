"""Counting records written to models for the `storage.records` usage unit (one row per workspace, UTC
day, model and workflow; each write adds to it in the writing transaction, so a rolled-back import
counts nothing)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, select

from lading.store.database import upsert_insert
from lading.store.schema import storage_usage


def count_written(conn: Connection, workspace_uuid: str, model_uuid: str, workflow_uuid: str | None, count: int,
                  now: datetime) -> None:
    if count <= 0:
        return
    upsert = upsert_insert(conn)
    stmt = upsert(storage_usage).values(workspace_uuid=workspace_uuid, day=now.date().isoformat(),
                                       model_uuid=model_uuid, workflow_uuid=workflow_uuid or "",
                                       records_count=count)
    conn.execute(stmt.on_conflict_do_update(
        index_elements=["workspace_uuid", "day", "model_uuid", "workflow_uuid"],
        set_={"records_count": storage_usage.c.records_count + stmt.excluded.records_count}))


def written_per_day(conn: Connection, workspace_uuid: str, start: date, end: date) -> list[tuple[str, str, str, int]]:
    """(day, model uuid, workflow uuid or "", records) for the UTC days `start`..`end` inclusive."""
    c = storage_usage.c
    rows = conn.execute(select(c.day, c.model_uuid, c.workflow_uuid, c.records_count).where(
        c.workspace_uuid == workspace_uuid, c.day >= start.isoformat(), c.day <= end.isoformat())).all()
    return [(r.day, r.model_uuid, r.workflow_uuid, int(r.records_count)) for r in rows]
