"""Putting the pieces together: user SQL → workspace-scoped SQL over the store → an engine to run it."""

from __future__ import annotations

import dataclasses
import re

from lading.analytics.engine import ChdbEngine, QueryEngine
from lading.analytics.guard import QueryRefusedError, parse, rewrite
from lading.analytics.store_source import source_for
from lading.analytics.tables import Scope, view_sql
from lading.settings import Settings

_UUID = re.compile(r"^[0-9a-fA-F-]{36}$")


def scoped_sql(sql: str, settings: Settings, workspace_uuid: str, row_cap: int | None = None) -> str:
    """Check `sql` and replace each runtime-table reference by its view limited to `workspace_uuid`."""
    if not _UUID.match(workspace_uuid):
        raise ValueError("workspace uuid expected")
    src = dataclasses.replace(source_for(settings), row_cap=row_cap)
    try:
        tree = parse(sql)
        rewritten = rewrite(tree, src.ts_bound)
    except RecursionError:  # nesting deeper than the parser's stack: refused, never an internal error
        raise QueryRefusedError(306, "Stack size too large: the query is nested too deeply") from None
    final = rewritten.sql
    # Longest placeholders first so `lading_view_1` never matches inside `lading_view_10`.
    for placeholder in sorted(rewritten.views, key=len, reverse=True):
        table, scope = rewritten.views[placeholder]
        if scope.top_n is not None:
            _fetch_top_keys(settings, workspace_uuid, table, scope)
        if scope.lower_time_values and src.backend == "sqlite":
            scope.narrow = _newest_bound_age(scope.lower_time_values) <= NARROW_WINDOW_SECONDS

        def view(_match: re.Match[str], t: str = table, s: Scope = scope) -> str:
            return view_sql(t, src, workspace_uuid, s)

        final = re.sub(rf"\b{placeholder}\b", view, final)
    return final


def engine_for(settings: Settings) -> QueryEngine:
    """The engine of this installation (embedded chDB; a ClickHouse server would plug in here)."""
    src = source_for(settings)
    return ChdbEngine(src, secrets=tuple(s for s in (src.pg_password, src.sqlite_path) if s))


# A lower time bound at most this old selects few enough rows for an index walk to beat a table scan
# on SQLite (a row lookup per match); measured with bench/query.py.
NARROW_WINDOW_SECONDS = 3 * 86400


def _newest_bound_age(values: list[str]) -> float:
    """Seconds between now and the most recent of the (checked, constant) lower bounds."""
    from lading.analytics.engine import run_locked

    exprs = ", ".join(f"toFloat64(dateDiff('second', toDateTime({v}, 'UTC'), now()))" for v in values)
    try:
        # The bounds are user expressions: evaluated in a locked session with tight caps of its own.
        raw = run_locked(f"SELECT arrayMin([{exprs}]) AS age", "CSV", {
            "session_timezone": "UTC", "max_execution_time": 2, "max_rows_to_read": 100000,
            "max_memory_usage": 268435456, "send_logs_level": "none", "query_profiler_real_time_period_ns": 0,
            "query_profiler_cpu_time_period_ns": 0})
        return float(raw.decode().strip() or "inf")
    except Exception:  # an odd bound: let the query itself report it; scan sequentially
        return float("inf")


_KEYS = {"runs": ("runs", "uuid"), "batches": ("batches", "uuid"), "spans": ("executions", "id")}


def _fetch_top_keys(settings: Settings, workspace_uuid: str, table: str, scope: Scope) -> None:
    """For `ORDER BY <time> LIMIT k` over one table: the keys of the store's first k rows by that time
    (plus every row tied with the k-th), so the engine reads those rows only, not the whole table."""
    from sqlalchemy import String, select, type_coerce

    from lading.store import schema
    from lading.store.database import open_database

    assert scope.top_n is not None
    raw, descending, k = scope.top_n
    store_table = getattr(schema, _KEYS[table][0])
    key = store_table.c[_KEYS[table][1]]
    time = store_table.c[raw]
    db = open_database(settings)
    if not db.is_postgres:
        time = type_coerce(time, String)  # compare SQLite's stored text as is (it is not normalised)
    with db.read() as conn:
        ordered = time.desc() if descending else time.asc()
        edge = conn.execute(select(time).where(store_table.c.workspace_uuid == workspace_uuid, time.is_not(None))
                            .order_by(ordered).limit(1).offset(k - 1)).scalar()
        query = select(key, store_table.c.run_uuid) if table == "spans" else select(key)
        query = query.where(store_table.c.workspace_uuid == workspace_uuid)
        if edge is not None:
            query = query.where(time >= edge if descending else time <= edge)
        rows = conn.execute(query).all()
    scope.keys = [str(r[0]) for r in rows]
    if table == "spans":
        scope.related_keys = sorted({str(r[1]) for r in rows})
