"""The four runtime tables of `orchestration query execute` as typed views over the state store.

Each view is a ClickHouse `SELECT` over the store's own tables (read through a `StoreSource`), with
the spec's column names and types (`spans` is the store's `executions` table; `records` is the latest
top-level run of each record id). The caller's workspace predicate, and any time/status predicates
the rewriter could push down, are applied directly on the store table so SQLite/PostgreSQL use their
indexes and chDB only receives the rows in scope. Expensive parts (the executions arrays of `runs`,
the run counters of `batches`, the run columns of `spans`) are joined only when the query uses them.

On a ClickHouse server the same names are real `ReplacingMergeTree` tables; only this module changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lading.analytics.store_source import StoreSource, quote

TABLES = ("runs", "batches", "spans", "records")
TERMINAL_RUN = "('success', 'error', 'cancelled', 'skipped')"
TERMINAL_BATCH = "('success', 'error', 'cancelled')"
EXEC_STATUSES = ("idle", "pending", "running", "success", "error", "cancelled", "skipped")

# Columns of each view that are ClickHouse `ALIAS` columns in the spec: usable by name, not part of `*`.
ALIAS_COLUMNS: dict[str, tuple[str, ...]] = {
    "runs": (),
    "batches": ("batch_uuid",),
    "spans": ("status", "started_at", "updated_at", "finished_at", "credits_used_count"),
    "records": ("record_id", "record_title"),
}

# View column → store column, for predicates the rewriter may push into the store scan.
TIME_COLUMNS: dict[str, dict[str, str]] = {
    "runs": {"created_at": "created_at"},
    "batches": {"created_at": "created_at"},
    "spans": {"execution_started_at": "started_at", "started_at": "started_at", "created_at": "started_at"},
    "records": {},
}
STATUS_COLUMNS: dict[str, dict[str, str]] = {
    "runs": {"status": "status"},
    "batches": {"status": "status"},
    "spans": {"execution_status": "status", "status": "status"},
    "records": {},
}


@dataclass
class Scope:
    """What the rewriter learnt about one table reference: predicates to push down, columns used."""

    lower_time_bounds: list[str] = field(default_factory=list)  # store predicates on the time column
    other_predicates: list[str] = field(default_factory=list)
    columns: set[str] | None = None  # None = every column (a `*` or an unqualified use we cannot bind)
    alias_columns: set[str] = field(default_factory=set)  # ALIAS columns the query names
    # `ORDER BY <time column> [DESC] LIMIT k` over this table alone: (store column, descending, k).
    top_n: tuple[str, bool, int] | None = None
    # Whether the pushed time bound is narrow enough for the store's index (set from its value).
    narrow: bool = False
    lower_time_values: list[str] = field(default_factory=list)  # the bounds' ClickHouse expressions
    # Filled from `top_n` by a store pre-query: the only store keys the query can return.
    keys: list[str] | None = None
    related_keys: list[str] | None = None  # the run uuids of those spans (spans → runs join)


def _in(column: str, values: list[str] | None, numeric: bool = False) -> list[str]:
    if values is None:
        return []
    literals = (str(int(v)) if numeric else quote(v) for v in values)
    return [f"{column} IN ({', '.join(literals) or 'NULL'})"]


def _uuid(col: str) -> str:
    return f"toUUIDOrZero(ifNull({col}, ''))"


def _uuid_null(col: str) -> str:
    return f"toUUIDOrNull({col})"


def _base(src: StoreSource, table: str, ws: str, predicates: Iterable[str], index: bool = True) -> str:
    """One store table limited to the workspace (and the pushed predicates), read through chDB.

    `index=False` (SQLite only) asks for a sequential scan: for a large share of a workspace's rows,
    reading the table in order beats an index walk with a random row lookup per match. SQLite cannot
    use an index for `LIKE` (case-insensitive by default), and the exact comparison, which chDB cannot
    push down (`lower`), is applied as rows arrive."""
    cap = src.row_cap_predicate()
    literal = quote(ws)
    scope = [f"workspace_uuid = {literal}"]
    if not index and src.backend == "sqlite":
        scope = [f"workspace_uuid LIKE {literal}", f"lower(workspace_uuid) = {literal}"]
    where = " AND ".join([*scope, *predicates, *([cap] if cap else [])])
    return f"(SELECT * FROM {src.table(table)} WHERE {where})"


def _indexed(scope: Scope) -> bool:
    """Walk the (workspace, time) index only for a narrow time window; with keys, SQLite must be left
    free to use the primary key (an equality on the workspace would make it walk that index instead)."""
    return scope.keys is None and scope.narrow


def _uses(scope: Scope, names: Iterable[str]) -> bool:
    return scope.columns is None or any(n in scope.columns for n in names)


def _exec_counters(prefix: str = "") -> list[str]:
    return [f"countIf({prefix}status = '{s}') AS {s}_n" for s in EXEC_STATUSES]


_EXEC_ARRAY_FIELDS = (
    # (view name, tuple index, conversion of the tuple element)
    ("node_uuid", 2, "toUUIDOrZero(ifNull(t.2, ''))"),
    ("node_slug", 3, "t.3"),
    ("node_kind", 4, "t.4"),
    ("node_action_slug", 5, "ifNull(t.5, '')"),
    ("node_child_index", 6, "CAST(t.6 AS Nullable(Int32))"),
    ("next_node_uuid", 7, "toUUIDOrNull(t.7)"),
    ("status", 8, "t.8"),
    ("title", 9, "ifNull(t.9, '')"),
    ("credits_used_count", 10, "toFloat64(t.10)"),
    ("started_at", 11, "assumeNotNull(t.11)"),
    ("updated_at", 12, "assumeNotNull(t.12)"),
    ("finished_at", 13, "t.13"),
)


def runs_view(src: StoreSource, ws: str, scope: Scope) -> str:
    base = _base(src, "runs", ws, [*scope.lower_time_bounds, *scope.other_predicates, *_in("uuid", scope.keys)],
                 index=_indexed(scope))
    ts, tsn = src.ts, src.ts_not_null
    need_exec = _uses(scope, ("executions", "error_node_slug", "attempts_count",
                              *(f"{s}_executions_count" for s in EXEC_STATUSES),
                              *(f"executions.{f[0]}" for f in _EXEC_ARRAY_FIELDS)))
    need_release = _uses(scope, ("release_version",))
    need_parent = _uses(scope, ("parent_batch_uuid",))
    cols = [
        f"{_uuid('r.uuid')} AS uuid", f"{_uuid('r.workspace_uuid')} AS workspace_uuid",
        f"{_uuid('r.workflow_uuid')} AS workflow_uuid", f"{_uuid('r.release_uuid')} AS release_uuid",
        ("ifNull(rel.version, '')" if need_release else "''") + " AS release_version",
        f"{_uuid_null('r.batch_uuid')} AS batch_uuid", f"{_uuid_null('r.parent_run_uuid')} AS parent_run_uuid",
        f"{_uuid_null('r.parent_node_uuid')} AS parent_node_uuid",
        f"{_uuid_null('pb.batch_uuid') if need_parent else 'CAST(NULL AS Nullable(UUID))'} AS parent_batch_uuid",
        "toBool(ifNull(r.is_group_parent, 0)) AS is_group_parent",
        "CAST(NULL AS Nullable(UUID)) AS user_uuid", "CAST(NULL AS Nullable(UUID)) AS model_uuid",
        "ifNull(r.record_id, '') AS record_id", "ifNull(r.record_title, '') AS record_title",
        "ifNull(toString(r.input), '') AS data", "CAST(r.status AS LowCardinality(String)) AS status",
        f"toBool(r.status IN {TERMINAL_RUN}) AS is_finished", "r.error_message AS error_message",
        ("x.error_node_slug" if need_exec else "CAST(NULL AS Nullable(String))") + " AS error_node_slug",
        f"if(r.status IN {TERMINAL_RUN}, NULL, {_uuid_null('r.cursor_node_uuid')}) AS current_node_uuid",
        ("toUInt16(ifNull(x.attempts, 0))" if need_exec else "toUInt16(0)") + " AS attempts_count",
        f"{tsn('r.created_at')} AS created_at", f"{tsn('r.updated_at')} AS updated_at",
        f"{ts('r.started_at')} AS started_at", f"{ts('r.finished_at')} AS finished_at",
        f"if(r.status = 'cancelled', {ts('r.finished_at')}, NULL) AS cancelled_at",
        f"if(r.status IN {TERMINAL_RUN} OR {ts('r.available_at')} <= now64(3), NULL, {ts('r.available_at')})"
        " AS resume_at",
        f"if(r.started_at IS NULL OR r.finished_at IS NULL, NULL, "
        f"toUInt64(greatest(dateDiff('millisecond', {ts('r.started_at')}, {ts('r.finished_at')}), 0))) AS duration_ms",
        "toFloat64(ifNull(r.credits_used_count, 0)) AS credits_used_count",
        "toUInt32(ifNull(r.executions_count, 0)) AS executions_count",
    ]
    for s in EXEC_STATUSES:
        cols.append((f"toUInt32(ifNull(x.{s}_n, 0))" if need_exec else "toUInt32(0)")
                    + f" AS {s}_executions_count")
    cols += ["concat('runs/', r.uuid, '/context.json') AS context_s3_filename",
             "concat('runs/', r.uuid, '/computed-configs.json') AS computed_configs_s3_filename"]
    for name, _i, conv in _EXEC_ARRAY_FIELDS:
        value = f"arrayMap(t -> {conv}, ifNull(x.execs, []))" if need_exec else "[]"
        cols.append(f"{value} AS `executions.{name}`")
    joins = ""
    if need_exec:
        # Executions of a run start at or after its creation: the runs' lower time bounds hold for them too.
        exec_bounds = [b.replace("created_at", "started_at", 1) for b in scope.lower_time_bounds]
        ex = _base(src, "executions", ws, [*exec_bounds, *_in("run_uuid", scope.keys)], index=_indexed(scope))
        joins += (
            " LEFT JOIN (SELECT run_uuid, " + ", ".join(_exec_counters()) + ", sum(attempts) AS attempts, "
            "if(countIf(status = 'error') > 0, argMaxIf(node_slug, id, status = 'error'), NULL) AS error_node_slug, "
            f"arraySort(groupArray(tuple(id, node_uuid, node_slug, node_kind, node_action_slug, node_child_index, "
            f"next_node_uuid, status, title, credits_used_count, {ts('started_at')}, {ts('updated_at')}, "
            f"{ts('finished_at')}))) AS execs FROM {ex} GROUP BY run_uuid) AS x ON x.run_uuid = r.uuid"
        )
    if need_parent:
        joins += (f" LEFT JOIN (SELECT uuid, batch_uuid FROM {_base(src, 'runs', ws, [], index=False)})"
                  " AS pb ON pb.uuid = r.parent_run_uuid")
    if need_release:
        joins += (f" LEFT JOIN (SELECT uuid, version FROM {_base(src, 'releases', ws, [])}) AS rel"
                  " ON rel.uuid = r.release_uuid")
    return f"(SELECT {', '.join(cols)} FROM {base} AS r{joins})"


def batches_view(src: StoreSource, ws: str, scope: Scope) -> str:
    base = _base(src, "batches", ws, [*scope.lower_time_bounds, *scope.other_predicates, *_in("uuid", scope.keys)])
    ts, tsn = src.ts, src.ts_not_null
    need_runs = _uses(scope, ("executed_runs_count", "failed_runs_count", "success_runs_count",
                              "cancelled_runs_count", "credits_used_count", "runs_status", "started_at"))
    y = (lambda e, d: e) if need_runs else (lambda e, d: d)
    cols = [
        f"{_uuid('b.uuid')} AS uuid", f"{_uuid('b.workspace_uuid')} AS workspace_uuid",
        f"{_uuid('b.workflow_uuid')} AS workflow_uuid", f"{_uuid('b.release_uuid')} AS release_uuid",
        "CAST(NULL AS Nullable(UUID)) AS user_uuid", "CAST(NULL AS Nullable(UUID)) AS parent_batch_uuid",
        f"{_uuid_null('b.parent_run_uuid')} AS parent_run_uuid",
        f"{_uuid_null('b.parent_node_uuid')} AS parent_node_uuid",
        "CAST(NULL AS Nullable(UUID)) AS model_uuid", "CAST(NULL AS Nullable(UUID)) AS segment_uuid",
        "CAST(NULL AS Nullable(UUID)) AS change_uuid",
        "CAST(JSONExtractString(ifNull(toString(b.data), ''), 'kind') AS LowCardinality(String)) AS data_kind",
        "CAST(b.status AS LowCardinality(String)) AS status",
        "CAST(" + y("if(ifNull(y.failed, 0) * 100 > (100 - ifNull(b.health_threshold, 80)) * ifNull(y.executed, 0), "
                    "'unhealthy', 'healthy')", "'healthy'") + " AS LowCardinality(String)) AS runs_status",
        f"toBool(b.status IN {TERMINAL_BATCH}) AS is_finished",
        "toUInt32(ifNull(b.runs_count, 0)) AS runs_count",
        y("toUInt32(ifNull(y.executed, 0))", "toUInt32(0)") + " AS executed_runs_count",
        y("toUInt32(ifNull(y.failed, 0))", "toUInt32(0)") + " AS failed_runs_count",
        y("toUInt32(ifNull(y.success, 0))", "toUInt32(0)") + " AS success_runs_count",
        y("toUInt32(ifNull(y.cancelled, 0))", "toUInt32(0)") + " AS cancelled_runs_count",
        y("toFloat64(ifNull(y.credits, 0))", "toFloat64(0)") + " AS credits_used_count",
        "b.error_message AS error_message",
        f"{tsn('b.created_at')} AS created_at", f"{tsn('b.updated_at')} AS updated_at",
        y("y.started_at", "CAST(NULL AS Nullable(DateTime64(3, 'UTC')))") + " AS started_at",
        f"{ts('b.finished_at')} AS finished_at",
    ]
    if "batch_uuid" in scope.alias_columns:
        cols.append(f"{_uuid('b.uuid')} AS batch_uuid")
    joins = ""
    if need_runs:
        # A batch's runs are created after it: its lower time bounds hold for the runs too.
        rn = _base(src, "runs", ws, ["batch_uuid IS NOT NULL", *scope.lower_time_bounds,
                                     *_in("batch_uuid", scope.keys)], index=_indexed(scope))
        joins = (" LEFT JOIN (SELECT batch_uuid, countIf(status IN ('success', 'error')) AS executed, "
                 "countIf(status = 'error') AS failed, countIf(status = 'success') AS success, "
                 "countIf(status = 'cancelled') AS cancelled, sum(credits_used_count) AS credits, "
                 f"min({ts('started_at')}) AS started_at FROM {rn} GROUP BY batch_uuid) AS y"
                 " ON y.batch_uuid = b.uuid")
    return f"(SELECT {', '.join(cols)} FROM {base} AS b{joins})"


def spans_view(src: StoreSource, ws: str, scope: Scope) -> str:
    base = _base(src, "executions", ws, [*scope.lower_time_bounds, *scope.other_predicates,
                                         *_in("id", scope.keys, numeric=True)], index=_indexed(scope))
    ts, tsn = src.ts, src.ts_not_null
    need_run = _uses(scope, ("record_id", "record_title", "parent_run_uuid", "parent_agent_uuid"))
    need_node = _uses(scope, ("node_integration_slug", "node_connector_uuid", "node_tool_uuid", "node_agent_uuid"))
    null_uuid = "CAST(NULL AS Nullable(UUID))"
    cols = [
        "toUUID(concat('00000000-0000-4000-8000-', leftPad(lower(hex(toUInt64(e.id))), 12, '0'))) AS uuid",
        f"{_uuid('e.workspace_uuid')} AS workspace_uuid", f"{_uuid('e.workflow_uuid')} AS workflow_uuid",
        f"{_uuid('e.release_uuid')} AS release_uuid", f"{_uuid('e.run_uuid')} AS run_uuid",
        f"{_uuid('e.node_uuid')} AS node_uuid", f"{_uuid_null('e.batch_uuid')} AS batch_uuid",
        (_uuid_null("r.parent_run_uuid") if need_run else null_uuid) + " AS parent_run_uuid",
        f"{null_uuid} AS user_uuid",
        (_uuid_null("r.parent_agent_uuid") if need_run else null_uuid) + " AS parent_agent_uuid",
        # A provider attempt inside a node (a waterfall's) names its own integration and connector.
        (f"{_uuid_null('coalesce(e.connector_uuid, nd.connector)')}" if need_node
         else _uuid_null("e.connector_uuid")) + " AS node_connector_uuid",
        *(f"{_uuid_null('nd.' + c) if need_node else null_uuid} AS node_{c}_uuid"
          for c in ("tool", "agent")),
        f"{_uuid_null('e.next_node_uuid')} AS next_node_uuid",
        ("ifNull(r.record_id, '')" if need_run else "''") + " AS record_id",
        ("ifNull(r.record_title, '')" if need_run else "''") + " AS record_title",
        "e.node_slug AS node_slug", "ifNull(e.node_action_slug, '') AS node_action_slug",
        ("ifNull(e.integration_slug, ifNull(nd.integration, ''))" if need_node
         else "ifNull(e.integration_slug, '')") + " AS node_integration_slug",
        "CAST(e.node_kind AS LowCardinality(String)) AS node_kind",
        "CAST(e.node_child_index AS Nullable(Int32)) AS node_child_index",
        "CAST(e.status AS LowCardinality(String)) AS execution_status",
        "ifNull(e.title, '') AS execution_title", "e.error_message AS execution_error_message",
        "toFloat64(ifNull(e.credits_used_count, 0)) AS execution_credits_used_count",
        "toUInt16(ifNull(e.attempts, 1)) AS execution_attempt",
        f"{tsn('e.started_at')} AS execution_started_at", f"{tsn('e.updated_at')} AS execution_updated_at",
        f"{tsn('e.started_at')} AS created_at", f"{ts('e.finished_at')} AS execution_finished_at",
        f"if(e.finished_at IS NULL, NULL, toUInt64(greatest(dateDiff('millisecond', {ts('e.started_at')}, "
        f"{ts('e.finished_at')}), 0))) AS execution_duration_ms",
    ]
    aliases = {"status": "CAST(e.status AS LowCardinality(String))", "started_at": tsn("e.started_at"),
               "updated_at": tsn("e.updated_at"), "finished_at": ts("e.finished_at"),
               "credits_used_count": "toFloat64(ifNull(e.credits_used_count, 0))"}
    cols += [f"{expr} AS {name}" for name, expr in aliases.items() if name in scope.alias_columns]
    joins = ""
    if need_run:
        joins = (f" LEFT JOIN (SELECT uuid, parent_run_uuid, parent_agent_uuid, record_id, record_title FROM "
                 f"{_base(src, 'runs', ws, _in('uuid', scope.related_keys), index=False)}) "
                 "AS r ON r.uuid = e.run_uuid")
    if need_node:
        # What the execution row does not carry comes from its node in the release's node list.
        joins += (" LEFT JOIN (SELECT uuid AS release_uuid, JSONExtractString(n, 'uuid') AS node_uuid, "
                  "nullIf(JSONExtractString(n, 'integrationSlug'), '') AS integration, "
                  "nullIf(coalesce(nullIf(JSONExtractString(n, 'connectorUuid'), ''), "
                  "JSONExtractString(n, 'config', 'advancedSettings', 'connectorUuid')), '') AS connector, "
                  "nullIf(JSONExtractString(n, 'toolUuid'), '') AS tool, "
                  "nullIf(JSONExtractString(n, 'agentUuid'), '') AS agent "
                  f"FROM {_base(src, 'releases', ws, [])} ARRAY JOIN JSONExtractArrayRaw(toString(nodes)) AS n) "
                  "AS nd ON nd.release_uuid = e.release_uuid AND nd.node_uuid = e.node_uuid")
    return f"(SELECT {', '.join(cols)} FROM {base} AS e{joins})"


def records_view(src: StoreSource, ws: str, scope: Scope) -> str:
    base = _base(src, "runs", ws, ["parent_run_uuid IS NULL"], index=False)
    ts, tsn = src.ts, src.ts_not_null
    latest = "(r.created_at, r.uuid)"
    empty_title = "ifNull(r.record_title, '')"

    def last(expr: str) -> str:
        return f"argMax({expr}, {latest})"

    cols = [
        "ifNull(r.record_id, r.uuid) AS id", f"{last(empty_title)} AS title",
        f"{_uuid('any(r.workspace_uuid)')} AS workspace_uuid", f"{_uuid('r.workflow_uuid')} AS workflow_uuid",
        f"{_uuid(last('r.uuid'))} AS run_uuid", f"{_uuid(last('r.release_uuid'))} AS release_uuid",
        f"{_uuid_null(last('r.batch_uuid'))} AS batch_uuid",
        "CAST(NULL AS Nullable(UUID)) AS model_uuid", "CAST(NULL AS Nullable(UUID)) AS user_uuid",
        f"{_uuid_null(last('r.parent_run_uuid'))} AS parent_run_uuid",
        f"{_uuid_null(last('r.parent_node_uuid'))} AS parent_node_uuid",
        "CAST(NULL AS Nullable(UUID)) AS parent_batch_uuid",
        f"CAST({last('r.status')} AS LowCardinality(String)) AS status",
        f"{last('r.error_message')} AS error_message",
        f"toBool({last('ifNull(r.is_group_parent, 0)')}) AS is_group_parent",
        "toUInt32(count()) AS runs_count", "toFloat64(sum(ifNull(r.credits_used_count, 0))) AS credits_used_count",
        f"{tsn('min(r.created_at)')} AS created_at", f"{tsn('max(r.updated_at)')} AS updated_at",
        f"{ts(last('r.finished_at'))} AS finished_at",
    ]
    if "record_id" in scope.alias_columns:
        cols.append("ifNull(r.record_id, r.uuid) AS record_id")
    if "record_title" in scope.alias_columns:
        cols.append(f"{last(empty_title)} AS record_title")
    return (f"(SELECT {', '.join(cols)} FROM {base} AS r "
            "GROUP BY r.workflow_uuid, ifNull(r.record_id, r.uuid))")


VIEWS = {"runs": runs_view, "batches": batches_view, "spans": spans_view, "records": records_view}


def view_sql(table: str, src: StoreSource, ws: str, scope: Scope) -> str:
    return VIEWS[table](src, ws, scope)
