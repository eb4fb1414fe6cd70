"""The run queue: claiming runs under a lease, and persisting step outcomes in one transaction.

This is the worker's side of the store (it spans workspaces by design: a worker executes any
workspace's runs, always writing each run's own `workspace_uuid`). Claims skip locked rows on
PostgreSQL; on SQLite the IMMEDIATE write transaction serialises claimers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, or_, select, update
from sqlalchemy.sql.expression import ColumnElement

from lading.domain.nodes import ACTIVE_STATUSES, TERMINAL_STATUSES
from lading.domain.run_state import ExecutionWrite, OpenExecution, RunState, StepOutcome
from lading.store.database import Database
from lading.store.repositories import _hot
from lading.store.repositories.batches import finish_if_complete
from lading.store.schema import batches, executions, releases, runs

_TERMINAL = tuple(TERMINAL_STATUSES)


def claim_runs(db: Database, owner: str, limit: int, lease_seconds: float, now: datetime,
               root_run_uuid: str | None = None) -> list[RunState]:
    """Lease up to `limit` runs that are due, and load their state."""
    expires = now + timedelta(seconds=lease_seconds)
    due = and_(
        runs.c.status.in_(ACTIVE_STATUSES),
        runs.c.waiting_children.is_(False),
        runs.c.available_at <= now,
        or_(runs.c.lease_expires_at.is_(None), runs.c.lease_expires_at < now),
    )
    if root_run_uuid:
        due = and_(due, runs.c.root_run_uuid == root_run_uuid)
    pick = select(runs.c.uuid).where(due).order_by(runs.c.available_at).limit(limit)
    if db.is_postgres:
        pick = pick.with_for_update(skip_locked=True)
    with db.write() as conn:
        claimed = conn.execute(
            update(runs)
            .where(runs.c.uuid.in_(pick.scalar_subquery()))
            .values(
                lease_owner=owner,
                lease_expires_at=expires,
                status=case((runs.c.status == "pending", "running"), else_=runs.c.status),
                started_at=func.coalesce(runs.c.started_at, now),
            )
            .returning(*runs.c)
        ).all()
        open_ids = [r.cursor_execution_id for r in claimed if r.cursor_execution_id is not None]
        opened: dict[int, Any] = {}
        if open_ids:
            for row in conn.execute(
                select(executions.c.id, executions.c.status, executions.c.attempts, executions.c.started_at)
                .where(executions.c.id.in_(open_ids))
            ):
                opened[row.id] = row
    states = []
    for r in claimed:
        ex = opened.get(r.cursor_execution_id) if r.cursor_execution_id is not None else None
        states.append(
            RunState(
                uuid=r.uuid, workspace_uuid=r.workspace_uuid, workflow_uuid=r.workflow_uuid,
                release_uuid=r.release_uuid, batch_uuid=r.batch_uuid, root_run_uuid=r.root_run_uuid,
                status=r.status, input=r.input, context=dict(r.context or {}),
                computed_configs=dict(r.computed_configs or {}), parent_context=r.parent_context,
                cursor_node_uuid=r.cursor_node_uuid, cursor_attempt=r.cursor_attempt or 0,
                credits_used_count=r.credits_used_count or 0.0, executions_count=r.executions_count or 0,
                is_group_parent=bool(r.is_group_parent), started_at=r.started_at,
                open_execution=_opened(ex),
                parent_node_uuid=r.parent_node_uuid, parent_run_uuid=r.parent_run_uuid,
                parent_kind=r.parent_kind, call_stack=list(r.call_stack or []),
            )
        )
    return states


def _opened(ex: Any | None) -> OpenExecution | None:
    if ex is None:
        return None
    # A `running` execution found at claim time was in flight when its worker died.
    return OpenExecution(ex.id, ex.status, ex.attempts, ex.started_at, recovered=ex.status == "running")


def load_release_nodes(db: Database, release_uuids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    with db.read() as conn:
        rows = conn.execute(select(releases.c.uuid, releases.c.nodes).where(releases.c.uuid.in_(release_uuids)))
        return {r.uuid: r.nodes for r in rows}


def extend_leases(db: Database, owner: str, run_uuids: Sequence[str], lease_seconds: float,
                  now: datetime) -> set[str]:
    """Heartbeat: push the leases of runs we still own; returns the uuids still ours."""
    if not run_uuids:
        return set()
    with db.write() as conn:
        rows = conn.execute(
            update(runs)
            .where(runs.c.uuid.in_(list(run_uuids)), runs.c.lease_owner == owner)
            .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
            .returning(runs.c.uuid)
        ).all()
    return {r.uuid for r in rows}


def release_leases(db: Database, owner: str) -> int:
    """Give up everything `owner` holds, at once: its runs' leases and its batches' feed leases.

    A worker that stops before its leases expire (a waiting CLI interrupted by Ctrl-C) calls this so
    another worker claims the runs and feeds the batches now rather than a lease period later. Runs
    keep their position and open execution; a node that was in flight is resumed as after a crash.
    Returns how many runs were released."""
    with db.write() as conn:
        released = conn.execute(update(runs).where(runs.c.lease_owner == owner)
                                .values(lease_owner=None, lease_expires_at=None)).rowcount
        conn.execute(update(batches).where(batches.c.feed_owner == owner)
                     .values(feed_owner=None, feed_expires_at=None))
    return int(released or 0)


@dataclass
class CommitResult:
    """Per run: still owned (False = lease lost, drop it) and whether a cancel was requested."""

    lost: set[str]
    cancelling: set[str]
    finished_batches: list[str] = field(default_factory=list)


def commit_outcomes(db: Database, owner: str, outcomes: Sequence[StepOutcome], now: datetime) -> CommitResult:
    """Persist many runs' step outcomes in one transaction (group commit), fenced by lease owner."""
    if not outcomes:
        return CommitResult(set(), set())
    uuids = [o.run.uuid for o in outcomes]
    with db.write() as conn:
        owned_q = select(runs.c.uuid, runs.c.status).where(runs.c.uuid.in_(uuids), runs.c.lease_owner == owner)
        if db.is_postgres:
            owned_q = owned_q.with_for_update()
        owned = {r.uuid: r.status for r in conn.execute(owned_q)}
        lost = {u for u in uuids if u not in owned}
        live = [o for o in outcomes if o.run.uuid in owned]
        capped = _capped_batches(conn, live)
        if capped:
            live, deferred = _admit_paid_steps(conn, live, capped, now)
            lost |= deferred
        _write_executions(conn, db, live)
        _write_children(conn, live, now)
        _write_runs(conn, db, owner, live, now)
        stopped = _stop_capped(conn, capped, now) if capped else []
        cancelling = {r.uuid for r in conn.execute(
            select(runs.c.uuid).where(runs.c.uuid.in_([o.run.uuid for o in live]), runs.c.status == "cancelling"))}
        finished_children = [o.run for o in live if o.terminal and o.run.parent_run_uuid]
        if finished_children:
            wake_group_parents(conn, db, {(r.parent_run_uuid, r.parent_node_uuid) for r in finished_children}, now)
        batch_uuids = sorted({o.run.batch_uuid for o in live
                              if o.terminal and o.run.batch_uuid and not o.run.parent_run_uuid} | set(stopped))
        finished_batches = finish_if_complete(conn, batch_uuids, now) if batch_uuids else []
    return CommitResult(lost=lost, cancelling=cancelling, finished_batches=finished_batches)


def _write_executions(conn: Connection, db: Database, outcomes: Sequence[StepOutcome]) -> None:
    """Insert new execution rows and update open ones.

    Rows that stay open on the run (running markers, idle waits) need their id back: they go in
    multi-row INSERT … RETURNING statements. Completed rows go in one executemany.
    """
    fresh = [o for o in outcomes if o.execution is not None and o.execution.id is None]
    opened = [o for o in fresh if o.execution is not None and o.execution.keep_open]
    closed: list[tuple[RunState, ExecutionWrite]] = []
    # Rows already in the table: each outcome's own (a finished marker or wait) and, among its chained
    # earlier steps, a slow node's finished marker (`worker.loop.Worker._chainable`).
    finished: list[tuple[RunState, ExecutionWrite]] = []
    for o in outcomes:
        for e in o.earlier:
            (closed if e.id is None else finished).append((o.run, e))
        if o.execution is not None and o.execution.id is None and not o.execution.keep_open:
            closed.append((o.run, o.execution))
    if closed:
        _hot.insert_executions(conn, db.is_postgres, closed)
    if opened:
        ids = _hot.insert_open_executions(conn, db.is_postgres, [(o.run, o.execution) for o in opened])
        for o in opened:
            assert o.execution is not None
            o.execution.id = ids[o.run.uuid]
    fresh_ids = {id(o) for o in fresh}
    finished.extend((o.run, o.execution) for o in outcomes if o.execution is not None and id(o) not in fresh_ids)
    _hot.update_executions(conn, db.is_postgres, finished)


def _write_children(conn: Connection, outcomes: Sequence[StepOutcome], now: datetime) -> None:
    for o in outcomes:
        cb = o.child_batch
        if cb is None:
            continue
        run = o.run
        release_uuid = cb.release_uuid or run.release_uuid
        workflow_uuid = cb.workflow_uuid if cb.kind == "tool" else run.workflow_uuid
        conn.execute(insert(batches), [{
            "uuid": cb.uuid, "workspace_uuid": run.workspace_uuid, "workflow_uuid": workflow_uuid,
            "release_uuid": release_uuid, "status": "running", "data": {"kind": cb.kind},
            "runs_count": len(cb.children), "parent_run_uuid": run.uuid, "parent_node_uuid": cb.group_node_uuid,
            "created_at": now, "updated_at": now,
        }])
        conn.execute(insert(runs), [{
            "uuid": c.uuid, "workspace_uuid": run.workspace_uuid, "workflow_uuid": workflow_uuid,
            "release_uuid": release_uuid, "batch_uuid": cb.uuid, "root_run_uuid": run.root_run_uuid,
            "parent_run_uuid": run.uuid, "parent_node_uuid": cb.group_node_uuid, "item_index": c.item_index,
            "parent_kind": cb.kind, "call_stack": cb.call_stack or run.call_stack,
            "status": "pending", "record_id": c.record_id or c.uuid, "record_title": c.record_title,
            "input": c.input, "context": {}, "computed_configs": {},
            "parent_context": run.context if cb.kind == "group" else None,
            "available_at": now, "created_at": now, "updated_at": now,
        } for c in cb.children])


def _write_runs(conn: Connection, db: Database, owner: str, outcomes: Sequence[StepOutcome], now: datetime) -> None:
    if not outcomes:
        return
    rows = []
    for o in outcomes:
        r = o.run
        terminal = o.terminal
        keep_open = o.execution is not None and o.execution.keep_open and not terminal
        suspended = o.release_lease or terminal
        rows.append({
            "b_uuid": r.uuid,
            "b_status": o.status,
            "b_active": not terminal,
            "context": r.context,
            "computed_configs": r.computed_configs,
            "output": o.output,
            "cursor_node_uuid": None if terminal else (o.next_node_uuid or r.cursor_node_uuid),
            "cursor_execution_id": _cursor_execution(o, keep_open, terminal),
            "cursor_attempt": r.cursor_attempt,
            "available_at": None if terminal else (o.available_at or now),
            "keep_available_at": not terminal and not suspended and o.available_at is None,
            "waiting_children": o.waiting_children,
            "lease_owner": None if suspended else owner,
            "lease_expires_at_clear": suspended,
            "credits_used_count": r.credits_used_count,
            "executions_count": r.executions_count,
            "error_message": o.error_message,
            "is_group_parent": r.is_group_parent,
            "updated_at": now,
            "finished_at": now if terminal else None,
        })
    _hot.update_runs(conn, db.is_postgres, owner, rows)


def _cursor_execution(o: StepOutcome, keep_open: bool, terminal: bool) -> int | None:
    if o.execution is not None:
        return o.execution.id if keep_open else None
    # A bare lease release (graceful stop) keeps the run's open execution (delay, back-off, marker).
    opened = o.run.open_execution
    return opened.id if opened is not None and not terminal else None


def wake_group_parents(conn: Connection, db: Database, parents: set[tuple[str | None, str | None]],
                       now: datetime) -> None:
    """Make a waiting group parent available once all its iterations are terminal.

    With failOnItemFailure the parent is woken at the first failed iteration and the iterations
    not yet started are cancelled (their runs `cancelled`, spec §2.4).
    """
    for parent_uuid, node_uuid in parents:
        if not parent_uuid or not node_uuid:
            continue
        lock_q = select(runs.c.uuid, runs.c.waiting_children, runs.c.release_uuid).where(runs.c.uuid == parent_uuid)
        if db.is_postgres:
            lock_q = lock_q.with_for_update()
        parent = conn.execute(lock_q).first()
        if parent is None or not parent.waiting_children:
            continue
        siblings = runs.c.parent_run_uuid == parent_uuid
        same_node = runs.c.parent_node_uuid == node_uuid
        counts: dict[str, int] = dict(conn.execute(
            select(runs.c.status, func.count()).where(siblings, same_node).group_by(runs.c.status)).all())
        open_count = sum(v for k, v in counts.items() if k not in TERMINAL_STATUSES)
        failed = counts.get("error", 0) + counts.get("cancelled", 0)
        if failed and open_count and _fail_on_item_failure(conn, parent.release_uuid, node_uuid):
            conn.execute(update(runs).where(siblings, same_node, runs.c.status == "pending")
                         .values(status="cancelled", finished_at=now, updated_at=now, available_at=None,
                                 error_message="skipped: another iteration failed"))
            open_count = conn.execute(select(func.count()).where(
                siblings, same_node, runs.c.status.not_in(_TERMINAL))).scalar_one()
            if open_count:
                # Running iterations are asked to stop at their next node boundary.
                conn.execute(update(runs).where(siblings, same_node, runs.c.status.not_in(_TERMINAL))
                             .values(status="cancelling", updated_at=now))
                continue
        if open_count:
            continue
        conn.execute(update(batches).where(batches.c.parent_run_uuid == parent_uuid,
                                           batches.c.parent_node_uuid == node_uuid,
                                           batches.c.finished_at.is_(None))
                     .values(status="success", finished_at=now, updated_at=now))
        conn.execute(update(runs).where(runs.c.uuid == parent_uuid)
                     .values(waiting_children=False, available_at=now, updated_at=now))


def _fail_on_item_failure(conn: Connection, release_uuid: str, node_uuid: str) -> bool:
    nodes = conn.execute(select(releases.c.nodes).where(releases.c.uuid == release_uuid)).scalar()
    stack = list(nodes or [])
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        config = node.get("config") or {}
        if node.get("uuid") == node_uuid:
            return bool(config.get("failOnItemFailure"))
        if isinstance(config, dict) and isinstance(config.get("_nodes"), list):
            stack.extend(config["_nodes"])
    return False


def group_results(db: Database, parent_uuid: str, node_uuid: str) -> list[tuple[str, Any, str | None, float]]:
    """(status, output, error, provider credits) of a node's child runs, in item order."""
    with db.read() as conn:
        rows = conn.execute(
            select(runs.c.status, runs.c.output, runs.c.error_message, runs.c.credits_used_count)
            .where(runs.c.parent_run_uuid == parent_uuid, runs.c.parent_node_uuid == node_uuid)
            .order_by(runs.c.item_index)
        ).all()
    return [(r.status, r.output, r.error_message, r.credits_used_count or 0.0) for r in rows]


def finalize_cancelled(db: Database, owner: str, run_uuids: Sequence[str], now: datetime) -> None:
    """Runs whose cancel was requested: stop at this node boundary."""
    if not run_uuids:
        return
    with db.write() as conn:
        cancel_runs(conn, list(run_uuids), now, owner=owner)
        # A run stopped in flight by its batch's credit cap: its last step's commit cleared the reason.
        capped = select(batches.c.uuid).where(batches.c.error_message.like(f"{CAP_REASON}%"))
        conn.execute(update(runs).where(runs.c.uuid.in_(list(run_uuids)), runs.c.error_message.is_(None),
                                        runs.c.batch_uuid.in_(capped.scalar_subquery()))
                     .values(error_message=CAP_RUN_MESSAGE))
        batch_uuids = conn.execute(select(runs.c.batch_uuid).where(
            runs.c.uuid.in_(list(run_uuids)), runs.c.batch_uuid.is_not(None),
            runs.c.parent_run_uuid.is_(None)).distinct()).scalars().all()
        finish_if_complete(conn, list(batch_uuids), now)


def cancel_runs(conn: Connection, run_uuids: list[str], now: datetime, owner: str | None = None) -> None:
    """Cancel runs (and their group iterations) whose lease nobody else holds; mark the rest."""
    pending = list(run_uuids)
    while pending:
        free = or_(runs.c.lease_owner.is_(None), runs.c.lease_expires_at < now)
        if owner:
            free = or_(free, runs.c.lease_owner == owner)
        conn.execute(update(runs).where(runs.c.uuid.in_(pending), runs.c.status.not_in(_TERMINAL), free)
                     .values(status="cancelled", finished_at=now, updated_at=now, lease_owner=None,
                             lease_expires_at=None, available_at=None, waiting_children=False))
        conn.execute(update(runs).where(runs.c.uuid.in_(pending), runs.c.status.not_in(_TERMINAL))
                     .values(status="cancelling", updated_at=now))
        conn.execute(update(executions).where(executions.c.run_uuid.in_(pending),
                                              executions.c.status.in_(("idle", "pending", "running")))
                     .values(status="cancelled", finished_at=now, updated_at=now))
        conn.execute(update(batches).where(batches.c.parent_run_uuid.in_(pending), batches.c.finished_at.is_(None))
                     .values(status="cancelled", finished_at=now, updated_at=now))
        pending = list(conn.execute(select(runs.c.uuid).where(
            runs.c.parent_run_uuid.in_(pending), runs.c.status.not_in(_TERMINAL))).scalars())


def next_due_time(db: Database, root_run_uuid: str | None = None) -> tuple[int, datetime | None]:
    """How many runs are active, and when the earliest one becomes claimable."""
    with db.read() as conn:
        cond: ColumnElement[bool] = runs.c.status.in_(ACTIVE_STATUSES)
        if root_run_uuid:
            cond = and_(cond, runs.c.root_run_uuid == root_run_uuid)
        active, due = conn.execute(select(func.count(), func.min(
            case((runs.c.waiting_children.is_(False), func.coalesce(runs.c.lease_expires_at, runs.c.available_at)),
                 else_=None)
        )).where(cond)).one()
    if isinstance(due, str):
        due = datetime.fromisoformat(due)
    return int(active or 0), due


def sweep_stuck_parents(db: Database, now: datetime) -> None:
    """Safety net: wake group parents whose iterations all finished (e.g. after a crash mid-commit)."""
    with db.write() as conn:
        waiting = conn.execute(select(runs.c.uuid).where(runs.c.waiting_children.is_(True),
                                                          runs.c.status.in_(ACTIVE_STATUSES)).limit(200)).scalars().all()
        if not waiting:
            return
        pairs = conn.execute(select(runs.c.parent_run_uuid, runs.c.parent_node_uuid)
                             .where(runs.c.parent_run_uuid.in_(waiting)).distinct()).all()
        wake_group_parents(conn, db, {(p.parent_run_uuid, p.parent_node_uuid) for p in pairs}, now)


# --- credit caps (`data.creditCap` of a top-level batch; services/orchestration/_credit_caps.py) -----

CAP_REASON = "creditCapReached"
CAP_RUN_MESSAGE = (f"{CAP_REASON}: the batch reached its credit cap before this run finished; re-run its record "
                   "to finish it")
# A paid step held back because the credits already spent or in flight could pass the cap is offered
# again this much later (it starts once in-flight steps have landed, or is cancelled if the cap is reached).
_CAP_RETRY = timedelta(milliseconds=200)
_PAID_KINDS = ("connector", "agent")


@dataclass
class _Cap:
    data: dict[str, Any]
    cap: float
    spent: float = 0.0
    in_flight: int = 0
    step_price: float = 0.0


def _paid_marker(o: StepOutcome) -> bool:
    """The `running` marker a worker commits before it starts a connector or agent node."""
    e = o.execution
    return (e is not None and e.id is None and e.keep_open and e.status == "running"
            and e.node_kind in _PAID_KINDS)


def _capped_batches(conn: Connection, live: Sequence[StepOutcome]) -> dict[str, _Cap]:
    """The capped top-level batches this commit touches with a paid step or credits (one read per commit
    that has any: natives-only commits read nothing)."""
    touched = {o.run.batch_uuid for o in live if o.run.batch_uuid and not o.run.parent_run_uuid
               and (_paid_marker(o) or any(e.credits_used_count for e in (*o.earlier, o.execution) if e))}
    if not touched:
        return {}
    found: dict[str, _Cap] = {}
    for row in conn.execute(select(batches.c.uuid, batches.c.data, batches.c.status)
                            .where(batches.c.uuid.in_(sorted(touched)))):
        data = row.data if isinstance(row.data, dict) else {}
        cap = data.get("creditCap")
        if isinstance(cap, (int, float)) and not isinstance(cap, bool) and row.status in ("pending", "running"):
            found[str(row.uuid)] = _Cap(dict(data), float(cap), step_price=float(data.get("capStepCredits") or 0.0))
    for uuid, state in found.items():
        state.spent = float(conn.execute(select(func.coalesce(func.sum(runs.c.credits_used_count), 0.0))
                                         .where(runs.c.batch_uuid == uuid)).scalar() or 0.0)
        state.in_flight = int(conn.execute(
            select(func.count()).select_from(runs.join(executions, executions.c.id == runs.c.cursor_execution_id))
            .where(runs.c.batch_uuid == uuid, runs.c.status == "running", executions.c.status == "running",
                   executions.c.node_kind.in_(_PAID_KINDS))).scalar() or 0)
    return found


def _admit_paid_steps(conn: Connection, live: list[StepOutcome], capped: dict[str, _Cap],
                      now: datetime) -> tuple[list[StepOutcome], set[str]]:
    """Let a paid step of a capped batch start only while the credits spent plus the steps in flight
    (each priced at the dearest step seen) stay within the cap; with none in flight one step may start
    as long as the cap is not reached, so a batch overshoots its cap by at most one step's price. A
    step held back is not started: its run goes back to the queue (lease released, offered again
    shortly) and the worker drops it (reported as lost)."""
    from dataclasses import replace

    kept: list[StepOutcome] = []
    deferred: set[str] = set()
    for o in live:
        state = capped.get(o.run.batch_uuid or "") if not o.run.parent_run_uuid else None
        if state is None or not _paid_marker(o):
            kept.append(o)
            continue
        room = state.spent < state.cap and (
            state.in_flight == 0 or state.spent + (state.in_flight + 1) * state.step_price <= state.cap)
        if room:
            state.in_flight += 1
            kept.append(o)
            continue
        deferred.add(o.run.uuid)
        kept.append(replace(o, execution=None, release_lease=True, available_at=now + _CAP_RETRY))
    for o in live:
        credits = [e.credits_used_count for e in (*o.earlier, o.execution) if e is not None]
        state = capped.get(o.run.batch_uuid or "")
        if state is not None and credits and max(credits) > state.step_price:
            state.step_price = max(credits)
            state.data["capStepCredits"] = state.step_price
            conn.execute(update(batches).where(batches.c.uuid == o.run.batch_uuid).values(data=state.data))
    return kept, deferred


def _stop_capped(conn: Connection, capped: dict[str, _Cap], now: datetime) -> list[str]:
    """Stop each batch whose credits reached its cap: the source is no longer fed, runs not yet started
    are cancelled (`creditCapReached`), runs in flight stop at their next node boundary, and the batch
    ends `cancelled` with `data.stopReason`. Nothing already done is undone. Returns the batches stopped."""
    stopped: list[str] = []
    for uuid, state in capped.items():
        spent = float(conn.execute(select(func.coalesce(func.sum(runs.c.credits_used_count), 0.0))
                                   .where(runs.c.batch_uuid == uuid)).scalar() or 0.0)
        if spent < state.cap:
            continue
        active = list(conn.execute(select(runs.c.uuid).where(runs.c.batch_uuid == uuid,
                                                             runs.c.status.not_in(_TERMINAL))).scalars())
        message = (f"{CAP_REASON}: the batch spent {round(spent, 4)} credits, its credit cap is "
                   f"{round(state.cap, 4)}; {len(active)} runs not finished were stopped")
        data = {**state.data, "stopReason": CAP_REASON, "creditsAtStop": round(spent, 4),
                "stoppedRunsCount": len(active)}
        conn.execute(update(batches).where(batches.c.uuid == uuid).values(
            status="cancelling", source_done=True, feed_owner=None, feed_expires_at=None, data=data,
            error_message=message, updated_at=now))
        for offset in range(0, len(active), 500):
            part = active[offset: offset + 500]
            conn.execute(update(runs).where(runs.c.uuid.in_(part)).values(error_message=CAP_RUN_MESSAGE))
            cancel_runs(conn, part, now)
        stopped.append(uuid)
    return stopped
