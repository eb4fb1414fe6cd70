"""Plays (segment-driven workflows), always scoped to the caller's workspace."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from lading.store.repositories._scoped import Scoped
from lading.store.schema import plays, runs

_plays = Scoped(plays, soft_deleted=True)
insert_play, get_play, update_play = _plays.insert, _plays.get, _plays.update


def play_by_workflow(conn: Connection, ws: str, workflow_uuid: str) -> Any | None:
    return _plays.first(conn, ws, workflow_uuid=workflow_uuid)


def list_plays(conn: Connection, ws: str, folder_uuid: str | None) -> Sequence[Any]:
    return conn.execute(_plays.narrowed(_plays.rows(ws), folder_uuid=folder_uuid)
                        .order_by(*_plays.newest_first())).all()


def records_with_runs(conn: Connection, ws: str, workflow_uuid: str, record_ids: Sequence[str]) -> set[str]:
    """Which of these record ids already went through the workflow (any run, any status)."""
    out: set[str] = set()
    for start in range(0, len(record_ids), 500):
        part = list(record_ids[start:start + 500])
        out.update(str(r) for r in conn.execute(select(runs.c.record_id).distinct().where(
            runs.c.workspace_uuid == ws, runs.c.workflow_uuid == workflow_uuid, runs.c.record_id.in_(part))).scalars())
    return out
