"""Reads the console's pages need that the services do not offer, each scoped to `session.workspace_uuid`.

Why here and not in `services/`: these are the console's own page shapes (a batch row with its counters
for a table of batches), not operations of the CLI or the API. Everything else a page shows comes from
the services as the CLI and the API call them (`runs.browse_runs` for the runs list, `runs.get_run` for a
run's page, `tools.list_tools`, `batches.get_batch` for a batch's live page), so the console stays a face
over the same services.

Why not `batches.list_batches`: it derives each batch's counters with one query per batch, each summing
the credits of every run of that batch (its heap rows), and pages by OFFSET. For a page of 20 batches
holding 80,000 runs that is ~110 ms on SQLite and ~85 ms on PostgreSQL on a shared 2-core machine; one
grouped count over `ix_runs_batch_status`, read from the index alone, is ~21 / ~12 ms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.sql import ColumnElement

from lading.domain.errors import ValidationError, shown
from lading.domain.nodes import ACTIVE_STATUSES
from lading.services.session import Session
from lading.store.clock import iso
from lading.store.repositories import workflows as wf_repo
from lading.store.schema import batches, runs

__all__ = ["PAGE_LIMIT", "batches_page"]

PAGE_LIMIT = 200
_UUID = re.compile(r"^[0-9a-fA-F-]{36}$")


def is_uuid(text: str) -> bool:
    """Whether `text` has a uuid's shape (a filter value is checked before it reaches a Uuid column)."""
    return bool(_UUID.match(text))


def encode_cursor(created_at: datetime, uuid: str) -> str:
    """The position after a row (`<created_at ISO>_<uuid>`, the runs list's cursor form)."""
    return f"{created_at.isoformat()}_{uuid}"


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    stamp, _, uuid = cursor.rpartition("_")
    try:
        moment = datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None or not _UUID.match(uuid):
        raise ValidationError(f"invalid page cursor {shown(cursor)}", reason="invalidData")
    return moment, uuid


def batches_page(session: Session, *, workflow_uuid: str | None = None, statuses: Sequence[str] | None = None,
                 before: str | None = None, limit: int = 50) -> dict[str, Any]:
    """`{batches, next}`: top-level batches newest first (only those in `statuses` when given), each with
    its run counters (total, executed, failed, active), health and source kind, and the cursor of the
    next page (None on the last)."""
    from lading.services.orchestration.batches import BATCH_STATUSES

    if not isinstance(limit, int) or limit < 1 or limit > PAGE_LIMIT:
        raise ValidationError(f"limit must be between 1 and {PAGE_LIMIT}", reason="invalidData")
    for status in statuses or ():
        if status not in BATCH_STATUSES:
            raise ValidationError(f"unknown batch status {shown(status)}", reason="invalidData")
    ws = session.workspace_uuid
    # A dry run's sample batch lives only while its command runs and is never listed (as `batch list`).
    cond: list[ColumnElement[bool]] = [batches.c.workspace_uuid == ws, batches.c.parent_run_uuid.is_(None),
                                       func.coalesce(batches.c.data["dryRun"].as_string(), "") == ""]
    if workflow_uuid:
        cond.append(batches.c.workflow_uuid == workflow_uuid)
    if statuses:
        cond.append(batches.c.status.in_(list(statuses)))
    if before:
        at, uuid = decode_cursor(before)
        # The plain bound lets `ix_batches_workspace` (workspace, created_at) start at the cursor.
        cond += [batches.c.created_at <= at, tuple_(batches.c.created_at, batches.c.uuid) < tuple_(at, uuid)]
    query = (select(batches.c.uuid, batches.c.workflow_uuid, batches.c.release_uuid, batches.c.status,
                    batches.c.created_at, batches.c.finished_at, batches.c.error_message, batches.c.health_threshold,
                    batches.c.source_done, batches.c.data["kind"].as_string().label("data_kind"))
             .where(*cond).order_by(batches.c.created_at.desc(), batches.c.uuid.desc()).limit(limit + 1))
    with session.db.read() as conn:
        rows = conn.execute(query).all()
        more = len(rows) > limit
        rows = rows[:limit]
        counters = _batch_counters(conn, [r.uuid for r in rows])
        tools = wf_repo.tool_names(conn, ws, {r.workflow_uuid for r in rows if r.workflow_uuid})
    out = []
    for row in rows:
        c = counters.get(row.uuid, {"total": 0, "executed": 0, "failed": 0, "active": 0})
        threshold = row.health_threshold or 80
        healthy = c["executed"] == 0 or (c["executed"] - c["failed"]) / c["executed"] * 100 >= threshold
        tool = tools.get(row.workflow_uuid or "")
        out.append({
            "uuid": row.uuid, "workflowUuid": row.workflow_uuid, "releaseUuid": row.release_uuid,
            "status": row.status, "createdAt": iso(row.created_at), "finishedAt": iso(row.finished_at),
            "errorMessage": row.error_message, "runsCount": c["total"], "executedRunsCount": c["executed"],
            "failedRunsCount": c["failed"], "activeRunsCount": c["active"],
            "runsStatus": "healthy" if healthy else "unhealthy", "isSourceExhausted": bool(row.source_done),
            "dataKind": row.data_kind,
            "toolUuid": tool[0] if tool else None, "toolName": tool[1] if tool else None,
        })
    last = rows[-1] if rows else None
    return {"batches": out, "next": encode_cursor(last.created_at, last.uuid) if more and last is not None else None}


def _batch_counters(conn: Any, uuids: list[str]) -> dict[str, dict[str, int]]:
    """The counters `batches.get_batch` derives one batch at a time (`batches_repo.run_counters`), for a page
    of batches in one query. No credits: counting by (batch_uuid, status) reads `ix_runs_batch_status`
    alone, a sum of credits would read every run of every batch of the page (the batch's own page shows
    them). `uuids` come from this workspace's batches and a batch's runs are all in its workspace, so the
    runs need no workspace condition; with one, SQLite (no planner statistics) may walk a whole-workspace
    index instead."""
    if not uuids:
        return {}
    query = (select(runs.c.batch_uuid, func.count().label("total"),
                    func.sum(case((runs.c.status.in_(("success", "error")), 1), else_=0)).label("executed"),
                    func.sum(case((runs.c.status == "error", 1), else_=0)).label("failed"),
                    func.sum(case((runs.c.status.in_(ACTIVE_STATUSES), 1), else_=0)).label("active"))
             .where(runs.c.batch_uuid.in_(uuids)).group_by(runs.c.batch_uuid))
    return {row.batch_uuid: {"total": int(row.total), "executed": int(row.executed or 0),
                             "failed": int(row.failed or 0), "active": int(row.active or 0)}
            for row in conn.execute(query)}
