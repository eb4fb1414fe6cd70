"""Storage runs: the extractor syncs of connector models and their page checkpoints (`storage_runs`).

`checkpoint` is the fence of every page: it moves the run forward only while the caller still holds
the run's lease, in the transaction that wrote the page's records, so a page is either committed with
its checkpoint or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from lading.store.repositories._scoped import Scoped, page
from lading.store.schema import storage_runs

_runs = Scoped(storage_runs)
insert_run = _runs.insert
get_run = _runs.get
update_run = _runs.update

UNFINISHED = ("pending", "running")


def unfinished_run(conn: Connection, ws: str, model_uuid: str) -> Any | None:
    """The model's sync still pending or running (at most one exists), locked on PostgreSQL."""
    t = storage_runs
    query = (select(t).where(t.c.workspace_uuid == ws, t.c.model_uuid == model_uuid, t.c.status.in_(UNFINISHED))
             .order_by(t.c.created_at.desc()).limit(1))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def unfinished_everywhere(conn: Connection) -> Sequence[Any]:
    """Every unfinished model sync of every workspace with its lease: the scheduler leader's pass that
    resumes syncs whose driver died (a system job, like the schedules it fires)."""
    t = storage_runs
    return conn.execute(select(t.c.uuid, t.c.workspace_uuid, t.c.model_uuid, t.c.lease_owner, t.c.lease_expires_at)
                        .where(t.c.status.in_(UNFINISHED), t.c.model_uuid.isnot(None))).all()


def last_success(conn: Connection, ws: str, model_uuid: str) -> Any | None:
    """The model's newest finished sync (its `cursor_to` is where the next incremental sync starts)."""
    t = storage_runs
    return conn.execute(select(t).where(t.c.workspace_uuid == ws, t.c.model_uuid == model_uuid,
                                        t.c.status == "success")
                        .order_by(t.c.finished_at.desc(), t.c.created_at.desc()).limit(1)).first()


def last_run(conn: Connection, ws: str, model_uuid: str) -> Any | None:
    t = storage_runs
    return conn.execute(select(t).where(t.c.workspace_uuid == ws, t.c.model_uuid == model_uuid)
                        .order_by(t.c.created_at.desc(), t.c.uuid).limit(1)).first()


def list_runs(conn: Connection, ws: str, model_uuid: str | None, statuses: Sequence[str] | None, limit: int,
              offset: int) -> Sequence[Any]:
    query = _runs.narrowed(_runs.rows(ws), model_uuid=model_uuid).where(storage_runs.c.library_uuid.is_(None))
    if statuses:
        query = query.where(storage_runs.c.status.in_(list(statuses)))
    return page(conn, query.order_by(*_runs.newest_first()), limit, offset)


def checkpoint(conn: Connection, ws: str, uuid: str, owner: str, values: dict[str, Any]) -> bool:
    """Move a running run forward while `owner` still holds it; False when the lease was lost (taken
    over after expiry, or the run was cancelled): the caller must then roll its page back."""
    t = storage_runs
    result = conn.execute(update(t).where(t.c.workspace_uuid == ws, t.c.uuid == uuid, t.c.lease_owner == owner,
                                          t.c.status == "running").values(**values).returning(t.c.uuid))
    return result.first() is not None


def takeover(conn: Connection, ws: str, uuid: str, previous_owner: str | None, owner: str, expires: datetime,
             now: datetime) -> bool:
    """Take a run whose driver is gone (compare-and-set on its lease owner)."""
    t = storage_runs
    owner_clause = t.c.lease_owner.is_(None) if previous_owner is None else t.c.lease_owner == previous_owner
    result = conn.execute(update(t).where(t.c.workspace_uuid == ws, t.c.uuid == uuid, owner_clause,
                                          t.c.status.in_(UNFINISHED))
                          .values(lease_owner=owner, lease_expires_at=expires, status="running", updated_at=now,
                                  resumed_count=t.c.resumed_count + 1).returning(t.c.uuid))
    return result.first() is not None


# --- library syncs (connector content libraries: `library_uuid` set, `model_uuid` null) ---------------


def unfinished_library_run(conn: Connection, ws: str, library_uuid: str) -> Any | None:
    """The library's sync still pending or running (at most one exists), locked on PostgreSQL."""
    t = storage_runs
    query = (select(t).where(t.c.workspace_uuid == ws, t.c.library_uuid == library_uuid,
                             t.c.status.in_(UNFINISHED)).order_by(t.c.created_at.desc()).limit(1))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def last_library_run(conn: Connection, ws: str, library_uuid: str) -> Any | None:
    t = storage_runs
    return conn.execute(select(t).where(t.c.workspace_uuid == ws, t.c.library_uuid == library_uuid)
                        .order_by(t.c.created_at.desc(), t.c.uuid).limit(1)).first()


def last_library_success(conn: Connection, ws: str, library_uuid: str) -> Any | None:
    t = storage_runs
    return conn.execute(select(t).where(t.c.workspace_uuid == ws, t.c.library_uuid == library_uuid,
                                        t.c.status == "success")
                        .order_by(t.c.finished_at.desc(), t.c.created_at.desc()).limit(1)).first()


def unfinished_libraries_everywhere(conn: Connection) -> Sequence[Any]:
    """Every unfinished library sync of every workspace with its lease (the scheduler leader's resume pass)."""
    t = storage_runs
    return conn.execute(select(t.c.uuid, t.c.workspace_uuid, t.c.library_uuid, t.c.lease_owner,
                               t.c.lease_expires_at)
                        .where(t.c.status.in_(UNFINISHED), t.c.library_uuid.isnot(None))).all()


def delete_library_runs(conn: Connection, ws: str, library_uuid: str) -> None:
    from sqlalchemy import delete

    t = storage_runs
    conn.execute(delete(t).where(t.c.workspace_uuid == ws, t.c.library_uuid == library_uuid))
