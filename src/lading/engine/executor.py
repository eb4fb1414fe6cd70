"""One step of a run: resolve the cursor node's config, execute it, decide what comes next.

The executor is storage-free: it reads a `RunState` and returns a `StepOutcome` that the worker
persists. Actions that wait (delay, retry back-off, group children) return a suspended outcome
with `release_lease=True`, so no worker is held while they wait (spec §2.7, §2.3 "Delay").
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import orjson

from lading.domain.errors import NodeExecutionError, shown
from lading.domain.nodes import EXECUTION_CHARGE
from lading.domain.run_state import ChildBatch, ChildRun, ExecutionWrite, RunState, StepOutcome
from lading.engine import natives
from lading.engine.expressions import ExpressionGroups, to_json_value
from lading.engine.graph import Graph
from lading.engine.natives.catalog import CONFIG_SKIP_KEYS, NATIVE_ACTIONS, NativeAction, Scheduling
from lading.engine.ports import NoPorts, Ports
from lading.store.clock import utcnow

# Read a node's finished child runs: [(status, output, error_message, credits)] in item order.
GroupResults = Callable[[str, str], Awaitable[list[tuple[str, Any, str | None, float]]]]
MAX_TOOL_DEPTH = 8

TITLE_LIMIT = 200


_TITLE_DUMPS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def success_title(output: Any) -> str:
    try:  # plain JSON (most outputs) dumps as is; dates and `undefined` need `to_json_value` first
        text = orjson.dumps(output, option=_TITLE_DUMPS).decode()
    except TypeError:
        text = orjson.dumps(to_json_value(output), option=orjson.OPT_NON_STR_KEYS).decode()
    if len(text) > TITLE_LIMIT:
        text = text[: TITLE_LIMIT - 1] + "…"
    return "✅ " + text


def _record_title(item: Any) -> str:
    text = orjson.dumps(to_json_value(item), option=orjson.OPT_NON_STR_KEYS).decode()
    return text[:255]


class Executor:
    """Executes nodes of one graph for many runs; `group_results` reads finished group children."""

    def __init__(self, group_results: GroupResults, ports: Ports | None = None) -> None:
        self._group_results = group_results
        self._ports: Ports = ports or NoPorts()
        # Configs of the runs stepping at the same moment share one V8 round trip.
        self._expressions = ExpressionGroups()

    async def step(self, run: RunState, graph: Graph) -> StepOutcome:
        level = level_of(run, graph)
        if level is None:
            return self._fatal(run, "group node of this iteration is missing from the release")
        node_uuid = run.cursor_node_uuid or (level.start or {}).get("uuid")
        node = level.node(node_uuid) if node_uuid else None
        if node is None:
            return self._fatal(run, "the graph has no start node" if not node_uuid else f"node {node_uuid} not found")
        now = utcnow()
        opened = run.open_execution
        started_at = opened.started_at if opened else now
        exec_id = opened.id if opened else None
        scope = {"nodes": run.context, "parentNodes": run.parent_context or {}}
        kind = node.get("kind")
        action = node.get("actionSlug") if kind == "native" else None
        config_out: Any = None
        try:
            if kind == "connector":
                config_out = await self._expressions.compute_config(node.get("config") or {}, scope,
                                                                    skip_keys=CONFIG_SKIP_KEYS)
                if not isinstance(config_out, dict):
                    raise NodeExecutionError("config must be an object", retryable=False)
                called = await self._ports.call_connector(run, node, to_json_value(config_out))
                result = natives.NativeResult(called.output, called.child_index, credits=called.credits)
                outcome = self._success(run, level, node, config_out, result, exec_id, started_at, now)
                if outcome.execution is not None:
                    outcome.execution.base_url = called.base_url
                return outcome
            if kind == "tool":
                if opened is not None and opened.status == "idle":
                    return await self._finish_tool(run, level, node, exec_id, started_at, now)
                config_out = await self._expressions.compute_config(node.get("config") or {}, scope,
                                                                    skip_keys=CONFIG_SKIP_KEYS)
                return await self._start_tool(run, node, config_out, exec_id, started_at, now)
            spec = self._native_action(kind, action)
            waiting = opened is not None and opened.status == "idle"
            if spec.scheduling is Scheduling.GROUP and waiting:
                return await self._finish_group(run, level, node, exec_id, started_at, now)
            if spec.scheduling is Scheduling.DELAY and waiting and run.cursor_attempt == 0:
                # The wait is over: its config was computed when it started.
                config_out = run.computed_configs.get(node["slug"], {})
            else:
                config_out = (await self._expressions.compute_config(node.get("config") or {}, scope,
                                                                     skip_keys=spec.skip_keys)
                              if spec.evaluates_config else {})
                if spec.scheduling is Scheduling.DELAY:
                    return self._start_delay(run, node, config_out, exec_id, now)
                if spec.scheduling is Scheduling.GROUP:
                    return self._start_group(run, level, node, config_out, exec_id, started_at, now)
            if spec.run is None:
                raise NodeExecutionError(f"native action '{action}' cannot run here", retryable=False)
            async def evaluate(value: Any, variables: dict[str, Any]) -> Any:
                return await self._expressions.compute_config(value, scope, variables=variables or None)

            call = natives.NativeCall(node, config_out, scope, run.input, run=run, ports=self._ports,
                                      evaluate=evaluate)
            result = await spec.run(call)
        except NodeExecutionError as exc:
            # A permanent failure (404, invalid config…) skips the remaining attempts; fallbacks still apply.
            target = node if exc.retryable else {**node, "retry": None}
            return self._failure(run, target, config_out, exc.message, exec_id, started_at, now)
        except Exception as exc:  # an action bug must fail the node, never the worker
            return self._failure(run, node, config_out, f"{type(exc).__name__}: {exc}", exec_id, started_at, now)
        return self._success(run, level, node, config_out, result, exec_id, started_at, now)

    def give_up(self, run: RunState, graph: Graph, message: str) -> StepOutcome:
        """Fail the cursor node with no further retry (fallbacks still apply)."""
        node = cursor_node(run, graph)
        if node is None:
            return self._fatal(run, message)
        opened = run.open_execution
        now = utcnow()
        bare = {k: v for k, v in node.items() if k != "retry"}
        return self._failure(run, bare, None, message, opened.id if opened else None,
                             opened.started_at if opened else now, now)

    @staticmethod
    def _unavailable_kind(kind: Any) -> str:
        if kind == "connector":
            return "connector nodes are not available in this installation yet (the connections capability)"
        if kind == "tool":
            return "tool nodes are not available in this installation yet (the connections capability)"
        return f"unknown node kind {shown(kind)}"

    def _native_action(self, kind: Any, action: Any) -> NativeAction:
        """The catalog entry that drives the node; an `agent` node is the native `agent` step by another kind."""
        if kind == "agent":
            return NATIVE_ACTIONS["agent"]
        if kind != "native":
            raise NodeExecutionError(self._unavailable_kind(kind), retryable=False)
        spec = NATIVE_ACTIONS.get(str(action))
        if spec is None:
            raise NodeExecutionError(f"nativeInvalid: unknown native action '{action}'", retryable=False)
        if not spec.available:
            raise NodeExecutionError(spec.unavailable_reason, retryable=False)
        return spec

    # --- outcomes -------------------------------------------------------------------------

    def _execution(self, node: dict[str, Any], exec_id: int | None, started_at: datetime, now: datetime,
                   **fields: Any) -> ExecutionWrite:
        return ExecutionWrite(
            id=exec_id,
            node_uuid=node["uuid"],
            node_slug=str(node.get("slug")),
            node_kind=str(node.get("kind")),
            node_action_slug=node.get("actionSlug") if node.get("kind") in ("native", "connector") else None,
            started_at=started_at,
            updated_at=now,
            **fields,
        )

    def _success(self, run: RunState, level: Graph, node: dict[str, Any], config: Any,
                 result: natives.NativeResult, exec_id: int | None, started_at: datetime,
                 now: datetime) -> StepOutcome:
        slug = str(node.get("slug"))
        # Native, sandbox and provider outputs are plain JSON already (variables coerce their values).
        output = result.output
        run.context[slug] = output
        # Stored as computed; `undefined` becomes null when serialised (store.database.json_default).
        run.computed_configs[slug] = config if config is not None else {}
        run.executions_count += 1 + sum(1 for span in result.spans if span.status in ("success", "error"))
        run.credits_used_count += result.credits
        # The spans made inside the node hold their own credits; the node's row holds the rest.
        own_credits = result.credits - sum(span.credits_used_count for span in result.spans)
        children = node.get("childrenUuids") or []
        next_uuid: str | None = None
        if result.child_index is not None and result.child_index < len(children):
            next_uuid = children[result.child_index]
        is_end = node.get("actionSlug") == "end" and node.get("kind") == "native"
        execution = self._execution(
            node, exec_id, started_at, now,
            status="success", finished_at=now,
            node_child_index=None if is_end else result.child_index,
            next_node_uuid=next_uuid,
            title=result.title or success_title(output),
            attempts=run.cursor_attempt + 1,
            credits_used_count=round(own_credits, 9) if result.spans else result.credits,
            execution_charge=EXECUTION_CHARGE,
        )
        run.cursor_attempt = 0
        if result.spans:
            return self._with_spans(self._next(run, level, execution, next_uuid, is_end, output), result.spans)
        return self._next(run, level, execution, next_uuid, is_end, output)

    @staticmethod
    def _with_spans(outcome: StepOutcome, spans: list[ExecutionWrite]) -> StepOutcome:
        outcome.earlier = [*outcome.earlier, *spans]
        return outcome

    @staticmethod
    def _next(run: RunState, level: Graph, execution: ExecutionWrite, next_uuid: str | None, is_end: bool,
              output: Any) -> StepOutcome:
        if is_end:
            return StepOutcome(run, execution, status="success", output=output, release_lease=True)
        if next_uuid is None:
            # A stopping filter/switch or a null slot: the run ends `success` with no end output.
            return StepOutcome(run, execution, status="success", output=None, release_lease=True)
        if level.node(next_uuid) is None:
            return StepOutcome(run, execution, status="error", release_lease=True,
                               error_message=f"nodesNotFound: next node {next_uuid} is not in the graph")
        return StepOutcome(run, execution, status="running", next_node_uuid=next_uuid)

    def _failure(self, run: RunState, node: dict[str, Any], config: Any, message: str,
                 exec_id: int | None, started_at: datetime, now: datetime) -> StepOutcome:
        slug = str(node.get("slug"))
        retry = node.get("retry")
        retry = retry if isinstance(retry, dict) else {}
        attempts = run.cursor_attempt + 1
        maximum = int(retry.get("maximumAttempts") or 1) if retry else 1
        if config is not None:
            run.computed_configs[slug] = to_json_value(config)
        if attempts < maximum:
            initial = float(retry.get("initialInterval") or 0)
            coefficient = float(retry.get("backoffCoefficient") or 1)
            wait_ms = initial * coefficient ** (attempts - 1)
            run.cursor_attempt = attempts
            execution = self._execution(node, exec_id, started_at, now, status="idle", attempts=attempts,
                                        title="❌ " + message, error_message=message, keep_open=True)
            return StepOutcome(run, execution, status="running", available_at=now + timedelta(milliseconds=wait_ms),
                               release_lease=True)
        run.context[slug] = {"error": message}
        run.executions_count += 1
        run.cursor_attempt = 0
        fallback = node.get("fallbackChildUuid")
        children = node.get("childrenUuids") or []
        next_uuid = None
        if isinstance(fallback, str) and fallback:
            next_uuid = fallback
        elif node.get("fallbackOnFailure") is True and children:
            next_uuid = children[0]
        execution = self._execution(node, exec_id, started_at, now, status="error", finished_at=now,
                                    attempts=attempts, title="❌ " + message, error_message=message,
                                    next_node_uuid=next_uuid, execution_charge=EXECUTION_CHARGE)
        if next_uuid is None:
            if node.get("fallbackOnFailure") is True and not children:
                return StepOutcome(run, execution, status="success", release_lease=True)
            return StepOutcome(run, execution, status="error", error_message=f"{slug}: {message}",
                               release_lease=True)
        return StepOutcome(run, execution, status="running", next_node_uuid=next_uuid)

    def _fatal(self, run: RunState, message: str) -> StepOutcome:
        return StepOutcome(run, None, status="error", error_message=message, release_lease=True)

    def _start_delay(self, run: RunState, node: dict[str, Any], config: Any, exec_id: int | None,
                     now: datetime) -> StepOutcome:
        minutes = config.get("minutes", 0) if isinstance(config, dict) else 0
        try:
            minutes = float(minutes)
        except (TypeError, ValueError):
            return self._failure(run, node, config, "config.minutes must be a number", exec_id, now, now)
        if minutes < 0:
            return self._failure(run, node, config, "config.minutes must not be negative", exec_id, now, now)
        run.computed_configs[str(node.get("slug"))] = to_json_value(config)
        run.cursor_attempt = 0
        execution = self._execution(node, exec_id, now, now, status="idle", title="⏳ waiting",
                                    keep_open=True)
        return StepOutcome(run, execution, status="running", available_at=now + timedelta(minutes=minutes),
                           release_lease=True)

    def _start_group(self, run: RunState, level: Graph, node: dict[str, Any], config: Any, exec_id: int | None,
                     started_at: datetime, now: datetime) -> StepOutcome:
        items = config.get("items") if isinstance(config, dict) else None
        if not isinstance(items, list):
            return self._failure(run, node, config, "config.items must be an array", exec_id, started_at, now)
        slug = str(node.get("slug"))
        run.computed_configs[slug] = to_json_value(config)
        if not items:
            return self._success(run, level, node, config, natives.NativeResult([], 0), exec_id, started_at, now)
        children = [
            ChildRun(
                uuid=str(uuidlib.uuid4()),
                item_index=i,
                input=to_json_value(item) if isinstance(item, dict) else {"value": to_json_value(item)},
                record_id=str(item.get("_id")) if isinstance(item, dict) and item.get("_id") is not None else "",
                record_title=_record_title(item),
            )
            for i, item in enumerate(items)
        ]
        run.is_group_parent = True
        execution = self._execution(node, exec_id, started_at, now, status="idle",
                                    title=f"⏳ {len(items)} iterations", keep_open=True)
        batch = ChildBatch(uuid=str(uuidlib.uuid4()), group_node_uuid=node["uuid"], children=children)
        return StepOutcome(run, execution, status="running", waiting_children=True, release_lease=True,
                           child_batch=batch)

    async def _start_tool(self, run: RunState, node: dict[str, Any], config: Any, exec_id: int | None,
                          started_at: datetime, now: datetime) -> StepOutcome:
        """Run the tool's release as a child run whose input is the node's config (form field values)."""
        slug = str(node.get("slug"))
        if not isinstance(config, dict):
            return self._failure(run, node, config, "config must be an object", exec_id, started_at, now)
        try:
            target = await self._ports.resolve_tool(run, node)
        except NodeExecutionError as exc:
            return self._failure(run, node, config, exc.message, exec_id, started_at, now)
        if target.tool_uuid in run.call_stack:
            chain = " → ".join([*run.call_stack, target.tool_uuid])
            message = f"recursion detected: tool calls itself ({chain})"
            return self._failure(run, {**node, "retry": None}, config, message, exec_id, started_at, now)
        if len(run.call_stack) >= MAX_TOOL_DEPTH:
            return self._failure(run, {**node, "retry": None}, config,
                                 f"tool nodes nested deeper than {MAX_TOOL_DEPTH} levels", exec_id, started_at, now)
        data = to_json_value(config)
        for field in target.form_fields or []:
            if field.get("required") and data.get(field.get("slug")) in (None, ""):
                return self._failure(run, {**node, "retry": None}, config,
                                     f"invalidData: missing required field '{field.get('slug')}' for the tool",
                                     exec_id, started_at, now)
        run.computed_configs[slug] = data
        child = ChildRun(uuid=str(uuidlib.uuid4()), item_index=0, input=data,
                         record_id=str(data.get("_id") or ""), record_title=_record_title(data))
        execution = self._execution(node, exec_id, started_at, now, status="idle", title="⏳ running the tool",
                                    keep_open=True)
        batch = ChildBatch(uuid=str(uuidlib.uuid4()), group_node_uuid=node["uuid"], children=[child], kind="tool",
                           release_uuid=target.release_uuid, workflow_uuid=target.workflow_uuid,
                           call_stack=[*run.call_stack, target.tool_uuid])
        return StepOutcome(run, execution, status="running", waiting_children=True, release_lease=True,
                           child_batch=batch)

    async def _finish_tool(self, run: RunState, level: Graph, node: dict[str, Any], exec_id: int | None,
                           started_at: datetime, now: datetime) -> StepOutcome:
        results = await self._group_results(run.uuid, node["uuid"])
        config = run.computed_configs.get(str(node.get("slug")), {})
        if not results:
            return self._failure(run, node, config, "the tool's run is missing", exec_id, started_at, now)
        status, output, error, credits = results[-1]
        if status != "success":
            return self._failure(run, node, config, f"the tool's run ended {status}" + (f": {error}" if error else ""),
                                 exec_id, started_at, now)
        result = natives.NativeResult(output if output is not None else {}, 0, credits=credits)
        return self._success(run, level, node, config, result, exec_id, started_at, now)

    async def _finish_group(self, run: RunState, level: Graph, node: dict[str, Any], exec_id: int | None,
                            started_at: datetime, now: datetime) -> StepOutcome:
        results = await self._group_results(run.uuid, node["uuid"])
        config = run.computed_configs.get(str(node.get("slug")), {})
        fail_on_item = bool((node.get("config") or {}).get("failOnItemFailure"))
        outputs: list[Any] = []
        for index, (status, output, error, _credits) in enumerate(results):
            if status == "success":
                outputs.append(output)
                continue
            if fail_on_item:
                message = f"iteration {index} {status}" + (f": {error}" if error else "")
                return self._failure(run, node, config, message, exec_id, started_at, now)
            outputs.append(None)
        result = natives.NativeResult(outputs, 0, title=success_title(outputs))
        return self._success(run, level, node, config, result, exec_id, started_at, now)


def cursor_node(run: RunState, graph: Graph) -> dict[str, Any] | None:
    """The node a run is positioned on (its level's start node before the first step)."""
    level = level_of(run, graph)
    if level is None:
        return None
    uuid = run.cursor_node_uuid or (level.start or {}).get("uuid")
    return level.node(uuid) if uuid else None


def level_of(run: RunState, graph: Graph) -> Graph | None:
    """The graph level a run executes: a group iteration runs its group's `_nodes`; every other run
    (roots, tool sub-runs) runs its release's top level."""
    if not run.parent_node_uuid or run.parent_kind == "tool":
        return graph
    owner = graph.node(run.parent_node_uuid)
    if owner is None:
        found = graph.find_subgraph_owner(run.parent_node_uuid)
        owner = found[0].node(run.parent_node_uuid) if found else None
    if owner is None:
        return None
    return graph.subgraph(owner)
