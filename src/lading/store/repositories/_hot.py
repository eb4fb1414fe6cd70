"""Driver-level SQL for the two statements a worker runs per node step (execution insert, run
update). SQLAlchemy's per-row parameter processing was ~40% of the commit cost at batch scale;
these go straight to `cursor.executemany` with values already in the driver's types."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from lading.store.database import json_default

_EXECUTION_COLUMNS = (
    "workspace_uuid", "run_uuid", "workflow_uuid", "release_uuid", "batch_uuid", "node_uuid", "node_slug",
    "node_kind", "node_action_slug", "node_child_index", "next_node_uuid", "status", "title", "error_message",
    "attempts", "credits_used_count", "execution_charge", "started_at", "updated_at", "finished_at", "base_url",
    "integration_slug", "connector_uuid",
)


def _mark(postgres: bool) -> str:
    return "%s" if postgres else "?"


def _json(postgres: bool) -> str:
    return "%s::jsonb" if postgres else "?"


class _Stamps:
    """SQLite stores datetimes as text; format each distinct timestamp once per commit."""

    def __init__(self, postgres: bool) -> None:
        self._postgres = postgres
        self._seen: dict[datetime, str] = {}

    def __call__(self, value: datetime | None) -> Any:
        if value is None or self._postgres:
            return value
        text = self._seen.get(value)
        if text is None:
            text = self._seen[value] = value.isoformat(" ")
        return text


def _execution_params(pairs: Sequence[tuple[Any, Any]], stamp: _Stamps) -> list[tuple[Any, ...]]:
    return [(r.workspace_uuid, r.uuid, r.workflow_uuid, r.release_uuid, r.batch_uuid, e.node_uuid,
             e.node_slug, e.node_kind, e.node_action_slug, e.node_child_index, e.next_node_uuid, e.status,
             e.title, e.error_message, e.attempts, e.credits_used_count, e.execution_charge,
             stamp(e.started_at), stamp(e.updated_at), stamp(e.finished_at), e.base_url,
             e.integration_slug, e.connector_uuid) for r, e in pairs]


def insert_executions(conn: Connection, postgres: bool, pairs: Sequence[tuple[Any, Any]]) -> None:
    """Completed executions: `(domain.run_state.RunState, ExecutionWrite)` pairs, in order."""
    if not pairs:
        return
    m = _mark(postgres)
    params = _execution_params(pairs, _Stamps(postgres))
    if postgres and len(params) >= _COPY_FROM_ROWS:
        _copy_rows(conn, "executions", _EXECUTION_COLUMNS, params)
        return
    sql = (f"INSERT INTO executions ({', '.join(_EXECUTION_COLUMNS)}) "
           f"VALUES ({', '.join([m] * len(_EXECUTION_COLUMNS))})")
    conn.exec_driver_sql(sql, params)


# Rows per multi-row INSERT … RETURNING: 23 parameters each stays well under SQLite's and PostgreSQL's
# limits on parameters per statement.
_RETURNING_ROWS = 400


def insert_open_executions(conn: Connection, postgres: bool, pairs: Sequence[tuple[Any, Any]]) -> dict[str, int]:
    """Executions that stay open on their run (a slow node's `running` marker, an idle wait), whose
    ids the runs keep: `(RunState, ExecutionWrite)` pairs, at most one per run (a run has one step
    in a commit), inserted a few hundred per statement. Returns each run's new execution id.

    Why: one INSERT … RETURNING per row cost a statement round trip per run through a connector
    node, the largest share of a group commit's time (`bench/io.py`)."""
    if len({r.uuid for r, _e in pairs}) != len(pairs):  # the worker submits one step per run at a time
        raise ValueError("two open executions of one run in one commit")
    m = _mark(postgres)
    row = "(" + ", ".join([m] * len(_EXECUTION_COLUMNS)) + ")"
    stamp = _Stamps(postgres)
    ids: dict[str, int] = {}
    for start in range(0, len(pairs), _RETURNING_ROWS):
        chunk = pairs[start:start + _RETURNING_ROWS]
        params = [value for values in _execution_params(chunk, stamp) for value in values]
        sql = (f"INSERT INTO executions ({', '.join(_EXECUTION_COLUMNS)}) "
               f"VALUES {', '.join([row] * len(chunk))} RETURNING id, run_uuid")
        for execution_id, run_uuid in conn.exec_driver_sql(sql, tuple(params)):
            ids[_uuid_key(run_uuid)] = int(execution_id)
    return {r.uuid: ids[_uuid_key(r.uuid)] for r, _e in pairs}


def _uuid_key(value: Any) -> str:
    """A run's uuid as one spelling: PostgreSQL answers `uuid.UUID`s, SQLite the text it stored."""
    return str(value).replace("-", "").lower()


def update_executions(conn: Connection, postgres: bool, pairs: Sequence[tuple[Any, Any]]) -> None:
    """Executions already in the table (a `running` marker now finished, an idle wait resumed):
    `(RunState, ExecutionWrite)` pairs whose `ExecutionWrite.id` is set, every column rewritten but
    the row's workspace and run."""
    if not pairs:
        return
    m = _mark(postgres)
    columns = _EXECUTION_COLUMNS[2:]  # all but workspace_uuid, run_uuid
    params = [(*values[2:], e.id) for values, (_r, e) in zip(_execution_params(pairs, _Stamps(postgres)), pairs,
                                                            strict=True)]
    sql = f"UPDATE executions SET {', '.join(f'{c} = {m}' for c in columns)} WHERE id = {m}"
    conn.exec_driver_sql(sql, params)


# From this many rows, PostgreSQL gets them by COPY: one stream instead of a statement per row
# (a batch commit inserts five executions per run).
_COPY_FROM_ROWS = 32


def _copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """`COPY table (columns) FROM STDIN` inside the connection's open transaction (psycopg 3)."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def _dumps(value: Any) -> str | None:
    if value is None:
        return None
    return orjson.dumps(value, default=json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def update_runs(conn: Connection, postgres: bool, owner: str, rows: Sequence[dict[str, Any]]) -> None:
    """Persist each run's position and context after a step (fenced by the lease owner; a run whose
    cancel was requested keeps `cancelling` until it reaches a terminal status). A run that goes on
    under its lease keeps its `available_at`, sparing the claim index a write per step."""
    if not rows:
        return
    m, j = _mark(postgres), _json(postgres)
    sql = (
        "UPDATE runs SET "
        f"status = CASE WHEN status = 'cancelling' AND {m} THEN 'cancelling' ELSE {m} END, "
        f"context = {j}, computed_configs = {j}, output = {j}, cursor_node_uuid = {m}, "
        f"cursor_execution_id = {m}, cursor_attempt = {m}, "
        f"available_at = CASE WHEN {m} THEN available_at ELSE {m} END, waiting_children = {m}, "
        f"lease_owner = {m}, lease_expires_at = CASE WHEN {m} THEN NULL ELSE lease_expires_at END, "
        f"credits_used_count = {m}, executions_count = {m}, error_message = {m}, is_group_parent = {m}, "
        f"updated_at = {m}, finished_at = {m} "
        f"WHERE uuid = {m} AND lease_owner = {m}"
    )
    stamp = _Stamps(postgres)
    params = [(
        r["b_active"], r["b_status"], _dumps(r["context"]), _dumps(r["computed_configs"]), _dumps(r["output"]),
        r["cursor_node_uuid"], r["cursor_execution_id"], r["cursor_attempt"], r["keep_available_at"],
        stamp(r["available_at"]),
        r["waiting_children"], r["lease_owner"], r["lease_expires_at_clear"], r["credits_used_count"],
        r["executions_count"], r["error_message"], r["is_group_parent"], stamp(r["updated_at"]),
        stamp(r["finished_at"]), r["b_uuid"], owner,
    ) for r in rows]
    conn.exec_driver_sql(sql, params)


_RUN_COLUMNS = (
    "uuid", "workspace_uuid", "workflow_uuid", "release_uuid", "batch_uuid", "root_run_uuid", "status", "record_id",
    "record_title", "input", "context", "computed_configs", "available_at", "created_at", "updated_at", "call_stack",
)
_RUN_JSON = frozenset({"input", "context", "computed_configs", "call_stack"})

# A batch run to create: (run uuid, record id, record title, input as JSON text).
NewRun = tuple[str, str, str, str]


def insert_batch_runs(conn: Connection, postgres: bool, batch: Any, new_runs: Sequence[NewRun],
                      now: datetime) -> None:
    """New pending runs of one fed chunk of `batch` (a `batches` row), in one statement. Every value
    shared by the chunk is computed once; per row only the four `NewRun` values differ."""
    if not new_runs:
        return
    m, j = _mark(postgres), _json(postgres)
    marks = ", ".join(j if c in _RUN_JSON else m for c in _RUN_COLUMNS)
    sql = f"INSERT INTO runs ({', '.join(_RUN_COLUMNS)}) VALUES ({marks})"
    at = _Stamps(postgres)(now)
    call_stack = _dumps((batch.data or {}).get("callStack") or [])
    ws, wf, rel, b = batch.workspace_uuid, batch.workflow_uuid, batch.release_uuid, batch.uuid
    params = [(uuid, ws, wf, rel, b, uuid, "pending", record_id, title, text, "{}", "{}", at, at, at, call_stack)
              for uuid, record_id, title, text in new_runs]
    if postgres and len(params) >= _COPY_FROM_ROWS:
        _copy_rows(conn, "runs", _RUN_COLUMNS, params)  # JSON columns take the JSON text as is
        return
    conn.exec_driver_sql(sql, params)
