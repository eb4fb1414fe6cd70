"""Spans: node executions read with their run's columns (`POST /orchestration/spans/list|count`).

The rows are the store's `executions` joined to `runs`, the same rows the `spans` table of
`orchestration query execute` shows (analytics §6.3), filtered and paged here with the store's
indexes rather than through the runtime-SQL engine, so a page costs one indexed query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select
from sqlalchemy.sql import ColumnElement

from lading.store.schema import executions, releases, runs

Cond = list[ColumnElement[bool]]

_COLUMNS = (executions, runs.c.root_run_uuid, runs.c.record_id, runs.c.record_title, runs.c.parent_run_uuid,
            runs.c.parent_node_uuid, runs.c.parent_agent_uuid, runs.c.is_group_parent)


def _joined() -> Any:
    return executions.join(runs, runs.c.uuid == executions.c.run_uuid)


def span_filters(ws: str, *, started_after: datetime, started_before: datetime | None = None,
                 workflow_uuid: str | None = None, batch_uuid: str | None = None, trace_uuid: str | None = None,
                 run_uuid: str | None = None, record_id: str | None = None, record_title: str | None = None,
                 record_title_or_id: str | None = None, parent_run_uuid: str | None = None,
                 parent_node_uuid: str | None = None, parent_agent_uuid: str | None = None,
                 node_uuid: str | None = None, node_kind: str | None = None, node_slug: str | None = None,
                 node_action_slug: str | None = None, node_uuids: Sequence[str] | None = None,
                 node_release_uuid: str | None = None, title: str | None = None,
                 title_or_error_message: str | None = None, statuses: Sequence[str] | None = None) -> Cond:
    """Conditions of a SpanFilter (api.md §2.7) on executions ⋈ runs, always inside workspace `ws`."""
    cond: Cond = [executions.c.workspace_uuid == ws, runs.c.workspace_uuid == ws,
                  executions.c.started_at >= started_after]
    equal = ((executions.c.workflow_uuid, workflow_uuid), (executions.c.batch_uuid, batch_uuid),
             (runs.c.root_run_uuid, trace_uuid), (executions.c.run_uuid, run_uuid), (runs.c.record_id, record_id),
             (runs.c.parent_run_uuid, parent_run_uuid), (runs.c.parent_node_uuid, parent_node_uuid),
             (runs.c.parent_agent_uuid, parent_agent_uuid), (executions.c.node_uuid, node_uuid),
             (executions.c.node_kind, node_kind), (executions.c.node_slug, node_slug),
             (executions.c.node_action_slug, node_action_slug))
    cond += [column == value for column, value in equal if value is not None]
    if started_before is not None:
        cond.append(executions.c.started_at < started_before)
    if record_title:
        cond.append(func.lower(runs.c.record_title).contains(record_title.lower(), autoescape=True))
    if record_title_or_id:
        cond.append(or_(runs.c.record_id == record_title_or_id,
                        func.lower(runs.c.record_title).contains(record_title_or_id.lower(), autoescape=True)))
    if node_uuids is not None:
        cond.append(executions.c.node_uuid.in_(list(node_uuids)))
    if node_release_uuid:
        child = runs.alias("child")
        cond.append(select(child.c.uuid).where(
            child.c.workspace_uuid == ws, child.c.parent_run_uuid == executions.c.run_uuid,
            child.c.parent_node_uuid == executions.c.node_uuid, child.c.release_uuid == node_release_uuid).exists())
    if title:
        cond.append(func.lower(executions.c.title).contains(title.lower(), autoescape=True))
    if title_or_error_message:
        needle = title_or_error_message.lower()
        cond.append(or_(func.lower(executions.c.title).contains(needle, autoescape=True),
                        func.lower(executions.c.error_message).contains(needle, autoescape=True)))
    if statuses:
        cond.append(executions.c.status.in_(list(statuses)))
    return cond


def _query(cond: Cond) -> Select[Any]:
    return select(*_COLUMNS).select_from(_joined()).where(*cond)


def list_spans(conn: Connection, cond: Cond, limit: int, offset: int) -> Sequence[Any]:
    """Newest execution first (start time, then id)."""
    return conn.execute(_query(cond).order_by(executions.c.started_at.desc(), executions.c.id.desc())
                        .limit(limit).offset(offset)).all()


def count_spans(conn: Connection, cond: Cond) -> int:
    return int(conn.execute(select(func.count()).select_from(_joined()).where(*cond)).scalar_one())


def workspace_graphs(conn: Connection, ws: str) -> Sequence[Any]:
    """(uuid, nodes) of every release of the workspace: where node attributes the execution rows do not
    carry (integration, connector, tool, agent) are looked up when a filter names one."""
    return conn.execute(select(releases.c.uuid, releases.c.nodes).where(releases.c.workspace_uuid == ws)).all()
