"""Records, per-node execution metrics and export reads, as SQL over `runs` and `executions`.

A record is not a table: it is the most recent top-level run of each record id among the runs that
match the caller's filters (a window function over `runs`). Metrics aggregate executions of the run
trees in scope (group iterations included), restricted to the workflow's own nodes so the sub-runs of
tool nodes (another workflow) are not mixed in. Exports read runs in keyset pages or from one streamed
cursor so memory stays flat however many runs match.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select
from sqlalchemy.sql import ColumnElement

from lading.store.database import Database
from lading.store.schema import batches, executions, releases, runs

Cond = list[ColumnElement[bool]]
Cursor = tuple[datetime, str]

_RECORD_ID = func.coalesce(runs.c.record_id, runs.c.uuid)


def latest_run_uuids(cond: Cond) -> Select[Any]:
    """The uuid of each record's most recent run among the runs matching `cond`."""
    rank = func.row_number().over(partition_by=_RECORD_ID,
                                  order_by=(runs.c.created_at.desc(), runs.c.uuid.desc())).label("rank")
    ranked = select(runs.c.uuid, rank).where(*cond).subquery("ranked")
    return select(ranked.c.uuid).where(ranked.c.rank == 1)


def latest_runs(cond: Cond, columns: Sequence[Any] | None = None) -> Select[Any]:
    """One row per record (its latest matching run), newest first; `columns` defaults to the whole run."""
    ranked = latest_run_uuids(cond).subquery("latest")
    query = select(*(columns or [runs])).select_from(runs.join(ranked, ranked.c.uuid == runs.c.uuid))
    return query.order_by(runs.c.created_at.desc(), runs.c.uuid.desc())


def record_rows(conn: Connection, cond: Cond, limit: int, offset: int) -> Sequence[Any]:
    return conn.execute(latest_runs(cond).limit(limit).offset(offset)).all()


def count_records(conn: Connection, cond: Cond) -> int:
    return int(conn.execute(select(func.count(func.distinct(_RECORD_ID))).where(*cond)).scalar_one())


def stream(db: Database, query: Select[Any], chunk: int = 500) -> Iterator[Any]:
    """Rows of one query from a server-side cursor (PostgreSQL) or SQLite's lazy cursor."""
    with db.read() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk).execute(query)
        yield from result


def stream_records(db: Database, cond: Cond, limit: int | None = None, offset: int = 0,
                   columns: Sequence[Any] | None = None) -> Iterator[Any]:
    query = latest_runs(cond, columns)
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return stream(db, query)


def records_runs(conn: Connection, cond: Cond) -> Sequence[Any]:
    """Matching runs as (uuid, record id, status): what cancelling records needs."""
    return conn.execute(select(runs.c.uuid, _RECORD_ID.label("record_id"), runs.c.status).where(*cond)).all()


# --- per-node metrics -----------------------------------------------------------------------------


def node_status_counts(conn: Connection, ws: str, workflow_uuid: str, scope: Select[Any],
                       statuses: Sequence[str]) -> Sequence[Any]:
    """(node_uuid, status, count, credits) over executions of the run trees whose root is in `scope`."""
    member = runs.alias("member")
    query = (select(executions.c.node_uuid, executions.c.status, func.count().label("n"),
                    func.coalesce(func.sum(executions.c.credits_used_count), 0).label("credits"))
             .select_from(executions.join(member, member.c.uuid == executions.c.run_uuid))
             .where(executions.c.workspace_uuid == ws, executions.c.workflow_uuid == workflow_uuid,
                    executions.c.status.in_(list(statuses)), member.c.root_run_uuid.in_(scope),
                    # A node's provider attempts (a waterfall's: rows naming their integration) are not
                    # executions of the node itself.
                    executions.c.integration_slug.is_(None))
             .group_by(executions.c.node_uuid, executions.c.status))
    return conn.execute(query).all()


def run_uuids(cond: Cond) -> Select[Any]:
    return select(runs.c.uuid).where(*cond)


def latest_release_nodes(conn: Connection, ws: str, workflow_uuid: str) -> list[Any]:
    """Nodes of the deployed release, else of the newest non-draft release, else of the draft."""
    for status in ("deployed", None, "draft"):
        query = select(releases.c.nodes).where(releases.c.workspace_uuid == ws,
                                               releases.c.workflow_uuid == workflow_uuid)
        query = query.where(releases.c.status == status) if status else query.where(releases.c.status != "draft")
        nodes = conn.execute(query.order_by(releases.c.created_at.desc()).limit(1)).scalar()
        if nodes is not None:
            return list(nodes)
    return []


# --- exports --------------------------------------------------------------------------------------


def _after(cursor: Cursor | None, upto: Cursor | None) -> Cond:
    cond: Cond = []
    if cursor is not None:
        ts, uuid = cursor
        cond.append(or_(runs.c.created_at > ts, and_(runs.c.created_at == ts, runs.c.uuid > uuid)))
    if upto is not None:
        ts, uuid = upto
        cond.append(or_(runs.c.created_at < ts, and_(runs.c.created_at == ts, runs.c.uuid <= uuid)))
    return cond


def runs_page(conn: Connection, cond: Cond, cursor: Cursor | None, limit: int,
              columns: Sequence[Any] | None = None, upto: Cursor | None = None) -> Sequence[Any]:
    """The next `limit` matching runs after `cursor` in (created_at, uuid) order, oldest first."""
    query = select(*(columns or [runs])).where(*cond, *_after(cursor, upto))
    return conn.execute(query.order_by(runs.c.created_at, runs.c.uuid).limit(limit)).all()


def executions_of(conn: Connection, ws: str, run_uuids_: Sequence[str]) -> Sequence[Any]:
    return conn.execute(select(executions).where(executions.c.workspace_uuid == ws,
                                                 executions.c.run_uuid.in_(list(run_uuids_)))
                        .order_by(executions.c.run_uuid, executions.c.id)).all()


def output_columns(slug: str) -> list[Any]:
    """What an outputs export needs of a run: identity, times, the start entry, the chosen node's entry."""
    return [runs.c.uuid, runs.c.record_id, runs.c.record_title, runs.c.status, runs.c.created_at,
            runs.c.finished_at, runs.c.input, runs.c.context["start"].label("start_output"),
            runs.c.context[slug].label("node_output")]


def release_slug_exists(conn: Connection, ws: str, slug: str, *, workflow_uuid: str | None = None,
                        release_uuid: str | None = None) -> bool:
    """Whether any release in scope (one release, or every release of a workflow) has a top-level `slug`."""
    query = select(releases.c.nodes).where(releases.c.workspace_uuid == ws)
    if release_uuid:
        query = query.where(releases.c.uuid == release_uuid)
    if workflow_uuid:
        query = query.where(releases.c.workflow_uuid == workflow_uuid)
    # Deployed and draft first: the usual answer, found without scanning ad-hoc releases.
    preferred = func.coalesce(func.nullif(releases.c.status, "adhoc"), "zz")
    result = conn.execution_options(stream_results=True, yield_per=50).execute(
        query.order_by(preferred, releases.c.created_at.desc()))
    for (nodes,) in result:
        if any(isinstance(n, dict) and n.get("slug") == slug for n in nodes or []):
            result.close()
            return True
    return False


def get_batch(conn: Connection, ws: str, uuid: str) -> Any | None:
    return conn.execute(select(batches).where(batches.c.workspace_uuid == ws, batches.c.uuid == uuid)).first()


def batch_runs(ws: str, batch_uuid: str) -> Cond:
    """Every run of a batch (a group's child batch included: its runs are not top-level)."""
    return [runs.c.workspace_uuid == ws, runs.c.batch_uuid == batch_uuid]


def group_scope(ws: str, *, parent_uuid: str | None = None, parent_node_uuid: str | None = None,
                parent_batch_uuid: str | None = None, is_group_parent: bool | None = None) -> Cond:
    """Child-run scope of `run download-outputs`: runs of a parent run, node or parent batch."""
    cond: Cond = []
    if parent_uuid:
        cond.append(runs.c.parent_run_uuid == parent_uuid)
    if parent_node_uuid:
        cond.append(runs.c.parent_node_uuid == parent_node_uuid)
    if parent_batch_uuid:
        parent = runs.alias("parent")
        cond.append(runs.c.parent_run_uuid.in_(select(parent.c.uuid).where(
            parent.c.workspace_uuid == ws, parent.c.batch_uuid == parent_batch_uuid)))
    if is_group_parent is not None:
        cond.append(runs.c.is_group_parent.is_(is_group_parent))
    return cond


def title_or_id(value: str) -> ColumnElement[bool]:
    """`--record-title-or-id`: the record id exactly, or a case-insensitive title substring."""
    return or_(runs.c.record_id == value, func.lower(runs.c.record_title).contains(value.lower(), autoescape=True))


def executions_match(ws: str, slug: str, statuses: Sequence[str]) -> ColumnElement[bool]:
    """The run has an execution of node `slug` in one of `statuses` (`--executions-filter`)."""
    return select(executions.c.id).where(
        executions.c.workspace_uuid == ws, executions.c.run_uuid == runs.c.uuid, executions.c.node_slug == slug,
        executions.c.status.in_(list(statuses))).exists()


def execution_condition(ws: str, slug: str, status: str, value: str | None) -> ColumnElement[bool]:
    """One condition of the Cargo client's `executionsFilter`: node `slug` executed in `status` (its
    title containing `value` for `success`, its error message for `error`), or `absent` (never executed)."""
    query = select(executions.c.id).where(executions.c.workspace_uuid == ws, executions.c.run_uuid == runs.c.uuid,
                                          executions.c.node_slug == slug)
    if status == "absent":
        return ~query.exists()
    query = query.where(executions.c.status == status)
    if value:
        column = executions.c.title if status == "success" else executions.c.error_message
        query = query.where(func.lower(column).contains(value.lower(), autoescape=True))
    return query.exists()


def record_id_in(record_ids: Sequence[str]) -> ColumnElement[bool]:
    return _RECORD_ID.in_(list(record_ids))


def run_uuid_in(run_uuids: Sequence[str]) -> ColumnElement[bool]:
    return runs.c.uuid.in_(list(run_uuids))
