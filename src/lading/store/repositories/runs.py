"""Runs and executions as the service layer reads and creates them (always workspace-scoped)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select
from sqlalchemy.sql import ColumnElement

from lading.domain.nodes import TERMINAL_STATUSES
from lading.store.schema import executions, runs


def insert_runs(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(runs), list(rows))


def get_run(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(runs).where(runs.c.workspace_uuid == ws, runs.c.uuid == uuid)).first()


def run_executions(conn: Connection, ws: str, run_uuid: str) -> Sequence[Any]:
    return conn.execute(select(executions).where(executions.c.workspace_uuid == ws,
                                                 executions.c.run_uuid == run_uuid)
                        .order_by(executions.c.id)).all()


def run_filters(ws: str, *, workflow_uuid: str | None, batch_uuid: str | None = None,
                release_uuid: str | None = None, statuses: Sequence[str] | None = None,
                record_id: str | None = None, record_title: str | None = None,
                is_finished: bool | None = None, created_after: datetime | None = None,
                created_before: datetime | None = None, updated_after: datetime | None = None,
                updated_before: datetime | None = None, top_level: bool = True) -> list[ColumnElement[bool]]:
    """Conditions on `runs` for the shared run filters; `top_level=False` includes group/tool child runs."""
    cond: list[ColumnElement[bool]] = [runs.c.workspace_uuid == ws]
    if top_level:
        cond.append(runs.c.parent_run_uuid.is_(None))
    if workflow_uuid is not None:
        cond.append(runs.c.workflow_uuid == workflow_uuid)
    if batch_uuid:
        cond.append(runs.c.batch_uuid == batch_uuid)
    if release_uuid:
        cond.append(runs.c.release_uuid == release_uuid)
    if statuses:
        cond.append(runs.c.status.in_(list(statuses)))
    if record_id:
        cond.append(runs.c.record_id == record_id)
    if record_title:
        cond.append(func.lower(runs.c.record_title).contains(record_title.lower(), autoescape=True))
    if is_finished is True:
        cond.append(runs.c.status.in_(tuple(TERMINAL_STATUSES)))
    elif is_finished is False:
        cond.append(runs.c.status.not_in(tuple(TERMINAL_STATUSES)))
    if created_after:
        cond.append(runs.c.created_at >= created_after)
    if created_before:
        cond.append(runs.c.created_at < created_before)
    if updated_after:
        cond.append(runs.c.updated_at >= updated_after)
    if updated_before:
        cond.append(runs.c.updated_at < updated_before)
    return cond


def list_runs(conn: Connection, cond: list[ColumnElement[bool]], limit: int, offset: int) -> Sequence[Any]:
    return conn.execute(select(runs).where(*cond).order_by(runs.c.created_at.desc(), runs.c.uuid)
                        .limit(limit).offset(offset)).all()


# What a run list shows of each run: never the context or configs, which can be large.
_LISTED = (runs.c.uuid, runs.c.status, runs.c.workflow_uuid, runs.c.release_uuid, runs.c.batch_uuid,
           runs.c.record_id, runs.c.record_title, runs.c.credits_used_count, runs.c.executions_count,
           runs.c.error_message, runs.c.created_at, runs.c.finished_at)


def runs_before(conn: Connection, cond: list[ColumnElement[bool]], limit: int,
                before: tuple[datetime, str] | None) -> Sequence[Any]:
    """Up to `limit` runs newest first (created_at, then uuid, descending), strictly after the keyset
    position `before` when given: a page reads only its rows through `ix_runs_workspace_created`, however
    deep it is, and nothing counts the whole list."""
    where = list(cond)
    if before is not None:
        at, uuid = before
        where.append(or_(runs.c.created_at < at, and_(runs.c.created_at == at, runs.c.uuid < uuid)))
    return conn.execute(select(*_LISTED).where(*where).order_by(runs.c.created_at.desc(), runs.c.uuid.desc())
                        .limit(limit)).all()


def count_runs(conn: Connection, cond: list[ColumnElement[bool]]) -> int:
    return int(conn.execute(select(func.count()).select_from(runs).where(*cond)).scalar_one())


def runs_by_uuids(conn: Connection, ws: str, uuids: Sequence[str]) -> Sequence[Any]:
    return conn.execute(select(runs).where(runs.c.workspace_uuid == ws, runs.c.uuid.in_(list(uuids)))).all()


def release_graphs(conn: Connection, ws: str, release_uuids: set[str]) -> Sequence[Any]:
    """(uuid, status, nodes) of these releases: what the run shapes read of the graph a run executed."""
    from lading.store.schema import releases

    if not release_uuids:
        return []
    return conn.execute(select(releases.c.uuid, releases.c.status, releases.c.nodes).where(
        releases.c.workspace_uuid == ws, releases.c.uuid.in_(sorted(release_uuids)))).all()


def node_children(conn: Connection, ws: str, run_uuids: Sequence[str]) -> dict[str, Any]:
    """What the nodes of these runs started: `batches` {(run, node): child batch uuid}, `runs` {(run,
    node): (child run uuid, its release uuid)} for tool nodes (one child each), and `parentBatches`
    {run: the batch of its parent run} for child runs among them."""
    from lading.store.schema import batches

    found: dict[str, Any] = {"batches": {}, "runs": {}, "parentBatches": {}}
    if not run_uuids:
        return found
    wanted = list(run_uuids)
    for row in conn.execute(select(batches.c.uuid, batches.c.parent_run_uuid, batches.c.parent_node_uuid).where(
            batches.c.workspace_uuid == ws, batches.c.parent_run_uuid.in_(wanted))):
        found["batches"][(row.parent_run_uuid, row.parent_node_uuid)] = row.uuid
    # The workspace is checked on each row rather than in the WHERE clause: with it there, SQLite (no
    # statistics) scans every run of the workspace through an index leading with `workspace_uuid` instead
    # of reading the few children through `ix_runs_parent` (~60 ms a run read at 100,000 runs).
    children = conn.execute(select(runs.c.uuid, runs.c.workspace_uuid, runs.c.release_uuid, runs.c.parent_run_uuid,
                                   runs.c.parent_node_uuid)
                            .where(runs.c.parent_run_uuid.in_(wanted), runs.c.parent_kind == "tool")).all()
    for child in children:
        if child.workspace_uuid == ws:
            found["runs"][(child.parent_run_uuid, child.parent_node_uuid)] = (child.uuid, child.release_uuid)
    return found


def parent_batches(conn: Connection, ws: str, parent_run_uuids: set[str]) -> dict[str, str | None]:
    """{parent run uuid: its batch uuid}: a child run's `parentBatchUuid`."""
    if not parent_run_uuids:
        return {}
    rows = conn.execute(select(runs.c.uuid, runs.c.batch_uuid).where(
        runs.c.workspace_uuid == ws, runs.c.uuid.in_(sorted(parent_run_uuids)))).all()
    return {r.uuid: r.batch_uuid for r in rows}
