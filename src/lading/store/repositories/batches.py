"""Batches: creation, live counters derived from their runs, feeding sources, completion."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, or_, select, update

from lading.domain.nodes import ACTIVE_STATUSES, TERMINAL_STATUSES
from lading.store.database import Database
from lading.store.repositories import _hot
from lading.store.repositories import files as files_repo
from lading.store.schema import batches, executions, releases, runs

_TERMINAL = tuple(TERMINAL_STATUSES)


def insert_batch(conn: Connection, ws: str, values: dict[str, Any]) -> None:
    conn.execute(insert(batches).values(workspace_uuid=ws, **values))


def get_batch(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(batches).where(batches.c.workspace_uuid == ws, batches.c.uuid == uuid)).first()


def list_batches(conn: Connection, ws: str, workflow_uuids: Sequence[str] | None, statuses: Sequence[str] | None,
                 limit: int, offset: int, *, release_uuid: str | None = None, parent_batch_uuid: str | None = None,
                 parent_run_uuid: str | None = None, parent_node_uuid: str | None = None,
                 has_runs: bool | None = None, is_skipped: bool | None = None, is_finished: bool | None = None,
                 included_data_kinds: Sequence[str] | None = None,
                 excluded_data_kinds: Sequence[str] | None = None) -> Sequence[Any]:
    """Batches newest first: top-level ones unless a parent scope asks for a group's or tool's child batches."""
    q = select(batches).where(batches.c.workspace_uuid == ws, _not_dry_run())
    if not (parent_batch_uuid or parent_run_uuid or parent_node_uuid):
        q = q.where(batches.c.parent_run_uuid.is_(None))
    if workflow_uuids:
        q = q.where(batches.c.workflow_uuid.in_(list(workflow_uuids)))
    if statuses:
        q = q.where(batches.c.status.in_(list(statuses)))
    if release_uuid:
        q = q.where(batches.c.release_uuid == release_uuid)
    if parent_run_uuid:
        q = q.where(batches.c.parent_run_uuid == parent_run_uuid)
    if parent_node_uuid:
        q = q.where(batches.c.parent_node_uuid == parent_node_uuid)
    if parent_batch_uuid:
        q = q.where(batches.c.parent_run_uuid.in_(select(runs.c.uuid).where(
            runs.c.workspace_uuid == ws, runs.c.batch_uuid == parent_batch_uuid)))
    if has_runs is not None:
        exists = select(runs.c.uuid).where(runs.c.batch_uuid == batches.c.uuid).exists()
        q = q.where(exists if has_runs else ~exists)
    if is_skipped is not None:
        q = q.where(batches.c.status == "skipped" if is_skipped else batches.c.status != "skipped")
    if is_finished is not None:
        terminal = batches.c.status.in_(("success", "error", "cancelled", "skipped"))
        q = q.where(terminal if is_finished else ~terminal)
    kind = func.coalesce(batches.c.data["kind"].as_string(), "")
    if included_data_kinds:
        q = q.where(kind.in_(list(included_data_kinds)))
    if excluded_data_kinds:
        q = q.where(kind.not_in(list(excluded_data_kinds)))
    return conn.execute(q.order_by(batches.c.created_at.desc(), batches.c.uuid).limit(limit).offset(offset)).all()


def _not_dry_run() -> Any:
    """A dry run's sample batch lives only while its command runs and is never listed."""
    return func.coalesce(batches.c.data["dryRun"].as_string(), "") == ""


def run_counters(conn: Connection, batch_uuid: str) -> dict[str, Any]:
    """executed (success+error), failed (error), active, credits — derived from the runs."""
    row = conn.execute(select(
        func.count().label("total"),
        func.coalesce(func.sum(case((runs.c.status.in_(("success", "error")), 1), else_=0)), 0).label("executed"),
        func.coalesce(func.sum(case((runs.c.status == "error", 1), else_=0)), 0).label("failed"),
        func.coalesce(func.sum(case((runs.c.status.in_(ACTIVE_STATUSES), 1), else_=0)), 0).label("active"),
        func.coalesce(func.sum(runs.c.credits_used_count), 0).label("credits"),
    ).where(runs.c.batch_uuid == batch_uuid)).one()
    return {"total": int(row.total), "executed": int(row.executed), "failed": int(row.failed),
            "active": int(row.active), "credits": float(row.credits or 0)}


def run_counts(conn: Connection, batch_uuid: str) -> dict[str, Any]:
    """`run_counters` without the credits: read from `ix_runs_batch_status` alone (no run rows), so a
    live page can ask every second however many runs the batch has."""
    row = conn.execute(select(
        func.count().label("total"),
        func.coalesce(func.sum(case((runs.c.status.in_(("success", "error")), 1), else_=0)), 0).label("executed"),
        func.coalesce(func.sum(case((runs.c.status == "error", 1), else_=0)), 0).label("failed"),
        func.coalesce(func.sum(case((runs.c.status.in_(ACTIVE_STATUSES), 1), else_=0)), 0).label("active"),
    ).where(runs.c.batch_uuid == batch_uuid)).one()
    return {"total": int(row.total), "executed": int(row.executed), "failed": int(row.failed),
            "active": int(row.active)}


def update_batch(conn: Connection, ws: str, uuid: str, values: dict[str, Any]) -> None:
    conn.execute(update(batches).where(batches.c.workspace_uuid == ws, batches.c.uuid == uuid).values(**values))


# --- feeding (worker side, all workspaces) ----------------------------------------------------

def unfed_exist(db: Database) -> bool:
    """Whether some live batch still has source rows to turn into runs."""
    with db.read() as conn:
        unfed = select(batches.c.uuid).where(batches.c.source_done.is_(False),
                                             batches.c.status.in_(("pending", "running"))).limit(1)
        return conn.execute(unfed).first() is not None


def claim_feed(db: Database, owner: str, lease_seconds: float, now: datetime,
               batch_uuid: str | None = None) -> Any | None:
    """Lease one batch whose source still has rows to enumerate."""
    cond = and_(batches.c.source_done.is_(False), batches.c.status.in_(("pending", "running")),
                or_(batches.c.feed_expires_at.is_(None), batches.c.feed_expires_at < now,
                    batches.c.feed_owner == owner))
    if batch_uuid:
        cond = and_(cond, batches.c.uuid == batch_uuid)
    pick = select(batches.c.uuid).where(cond).order_by(batches.c.created_at).limit(1)
    if db.is_postgres:
        pick = pick.with_for_update(skip_locked=True)
    with db.write() as conn:
        return conn.execute(update(batches).where(batches.c.uuid.in_(pick.scalar_subquery()))
                            .values(feed_owner=owner, feed_expires_at=now + timedelta(seconds=lease_seconds))
                            .returning(*batches.c)).first()


def commit_feed_chunk(db: Database, owner: str, batch: Any, run_rows: list[_hot.NewRun], consumed: int,
                      bad_rows: list[dict[str, Any]], done: bool, now: datetime, lease_seconds: float) -> bool:
    """Insert one chunk of runs and advance the source position atomically (fenced by the feed lease)."""
    with db.write() as conn:
        current = conn.execute(select(batches.c.source_position, batches.c.invalid_rows, batches.c.runs_count,
                                      batches.c.status)
                               .where(batches.c.uuid == batch.uuid, batches.c.feed_owner == owner)).first()
        if current is None or current.status not in ("pending", "running"):
            return False
        if run_rows:
            _hot.insert_batch_runs(conn, db.is_postgres, batch, run_rows, now)
        invalid = list(current.invalid_rows or [])
        if bad_rows and len(invalid) < 1000:
            invalid.extend(bad_rows[: 1000 - len(invalid)])
        values: dict[str, Any] = {
            "source_position": current.source_position + consumed,
            "runs_count": current.runs_count + len(run_rows),
            "invalid_rows": invalid or None,
            "status": "running",
            "updated_at": now,
            "feed_expires_at": now + timedelta(seconds=lease_seconds),
        }
        if done:
            values.update(source_done=True, feed_owner=None, feed_expires_at=None)
        conn.execute(update(batches).where(batches.c.uuid == batch.uuid).values(**values))
        if done:
            finish_if_complete(conn, [batch.uuid], now)
    return True


def fail_batch(db: Database, batch_uuid: str, message: str, now: datetime,
               bad_rows: list[dict[str, Any]] | None = None) -> None:
    """The batch itself failed (unreadable or empty source): `status: error` with the reason."""
    with db.write() as conn:
        values: dict[str, Any] = {"status": "error", "error_message": message, "source_done": True,
                                  "feed_owner": None, "finished_at": now, "updated_at": now}
        if bad_rows:
            current = conn.execute(select(batches.c.invalid_rows).where(batches.c.uuid == batch_uuid)).scalar()
            values["invalid_rows"] = (list(current or []) + bad_rows)[:1000]
        conn.execute(update(batches).where(batches.c.uuid == batch_uuid).values(**values))


def finish_if_complete(conn: Connection, batch_uuids: Sequence[str], now: datetime) -> list[str]:
    """Mark top-level batches `success` (or `cancelled`) once fed and with no active run left."""
    finished = []
    postgres = conn.dialect.name == "postgresql"
    for uuid in batch_uuids:
        query = select(batches.c.status, batches.c.source_done, batches.c.parent_run_uuid).where(batches.c.uuid == uuid)
        if postgres:
            # Serialise the final checks of concurrent committers: the one that waits re-reads the runs
            # after the other committed (READ COMMITTED snapshots per statement), so the last finisher
            # always sees every run terminal.
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None or row.parent_run_uuid is not None or not row.source_done:
            continue
        if row.status not in ("pending", "running", "cancelling"):
            continue
        active = conn.execute(select(runs.c.uuid).where(runs.c.batch_uuid == uuid,
                                                        runs.c.status.in_(ACTIVE_STATUSES)).limit(1)).first()
        if active is not None:
            continue
        status = "cancelled" if row.status == "cancelling" else "success"
        conn.execute(update(batches).where(batches.c.uuid == uuid)
                     .values(status=status, finished_at=now, updated_at=now))
        finished.append(uuid)
    return finished


def sweep_complete(db: Database, now: datetime) -> list[str]:
    """Safety net for completions missed by a crash between a run's end and the batch check."""
    with db.write() as conn:
        candidates = conn.execute(select(batches.c.uuid).where(
            batches.c.parent_run_uuid.is_(None), batches.c.source_done.is_(True),
            batches.c.status.in_(("pending", "running", "cancelling"))).limit(200)).scalars().all()
        return finish_if_complete(conn, list(candidates), now) if candidates else []


def webhook_due(conn: Connection, uuids: Sequence[str]) -> Sequence[Any]:
    return conn.execute(select(batches).where(batches.c.uuid.in_(list(uuids)),
                                              batches.c.webhook_url.is_not(None))).all()


def latest_inputs_by_record(conn: Connection, ws: str, workflow_uuid: str | None,
                            record_ids: Sequence[str]) -> dict[str, Any]:
    """The input of each record's most recent top-level run in the workflow."""
    found: dict[str, Any] = {}
    q = (select(runs.c.record_id, runs.c.input, runs.c.created_at)
         .where(runs.c.workspace_uuid == ws, runs.c.record_id.in_(list(record_ids)),
                runs.c.parent_run_uuid.is_(None))
         .order_by(runs.c.created_at))
    q = q.where(runs.c.workflow_uuid == workflow_uuid) if workflow_uuid else q.where(runs.c.workflow_uuid.is_(None))
    for row in conn.execute(q):
        found[row.record_id] = row.input
    return found


# --- dry runs (`batch create --dry-run`) ---------------------------------------------------------

def dry_run_executions(conn: Connection, batch_uuid: str) -> Sequence[Any]:
    """Every execution of a batch's run trees (its runs, their group iterations and tool sub-runs)."""
    tops = select(runs.c.uuid).where(runs.c.batch_uuid == batch_uuid).scalar_subquery()
    tree = select(runs.c.uuid).where(or_(runs.c.batch_uuid == batch_uuid, runs.c.root_run_uuid.in_(tops)))
    return conn.execute(select(executions.c.run_uuid, executions.c.node_uuid, executions.c.node_slug,
                               executions.c.node_kind, executions.c.node_action_slug, executions.c.status,
                               executions.c.credits_used_count, executions.c.started_at, executions.c.finished_at,
                               executions.c.base_url)
                        .where(executions.c.run_uuid.in_(tree.scalar_subquery()))).all()


def top_runs(conn: Connection, batch_uuid: str) -> Sequence[Any]:
    """(uuid, status, credits_used_count) of each run of the batch (credits include its sub-runs')."""
    return conn.execute(select(runs.c.uuid, runs.c.status, runs.c.credits_used_count)
                        .where(runs.c.batch_uuid == batch_uuid)).all()


def delete_batch_tree(conn: Connection, ws: str, batch_uuid: str) -> None:
    """Remove a batch and everything its runs left in the store: runs (with their group iterations
    and tool sub-runs), executions, child batches, the stored source file and the ad-hoc release
    nothing else uses. Used to discard a dry run's sample batch."""
    row = get_batch(conn, ws, batch_uuid)
    if row is None:
        return
    tops = select(runs.c.uuid).where(runs.c.batch_uuid == batch_uuid).scalar_subquery()
    tree = list(conn.execute(select(runs.c.uuid).where(
        runs.c.workspace_uuid == ws, or_(runs.c.batch_uuid == batch_uuid, runs.c.root_run_uuid.in_(tops))))
        .scalars())
    for offset in range(0, len(tree), 500):
        part = tree[offset: offset + 500]
        conn.execute(delete(executions).where(executions.c.run_uuid.in_(part)))
        conn.execute(delete(batches).where(batches.c.parent_run_uuid.in_(part)))
        conn.execute(delete(runs).where(runs.c.uuid.in_(part)))
    conn.execute(delete(batches).where(batches.c.uuid == batch_uuid))
    data = row.data if isinstance(row.data, dict) else {}
    for key in ("s3Filename", "rowsFilename"):
        name = data.get(key)
        if isinstance(name, str) and f"/batches/{batch_uuid}/" in name:  # stored for this batch only
            files_repo.delete_file(conn, ws, name)
    release = conn.execute(select(releases.c.status).where(releases.c.uuid == row.release_uuid)).first()
    if release is not None and release.status == "adhoc":
        used = conn.execute(select(runs.c.uuid).where(runs.c.release_uuid == row.release_uuid).limit(1)).first() \
            or conn.execute(select(batches.c.uuid).where(batches.c.release_uuid == row.release_uuid).limit(1)).first()
        if used is None:
            conn.execute(delete(releases).where(releases.c.uuid == row.release_uuid))


def stale_dry_runs(conn: Connection, ws: str, before: datetime) -> list[str]:
    """Sample batches of dry runs a crash left behind (created before `before`)."""
    return list(conn.execute(select(batches.c.uuid).where(batches.c.workspace_uuid == ws, ~_not_dry_run(),
                                                          batches.c.created_at < before)).scalars())
