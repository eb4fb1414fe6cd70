"""Executing one node on its own with an already-computed config (`node execute`, debugging).

No run is created: the caller gets the would-be execution and context entry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from lading.domain.errors import NodeExecutionError
from lading.engine import natives
from lading.engine.executor import success_title
from lading.engine.expressions import to_json_value
from lading.engine.natives.catalog import NATIVE_ACTIONS
from lading.engine.ports import ConnectorOutcome
from lading.store.clock import iso, utcnow

ConnectorCall = Callable[[dict[str, Any], dict[str, Any]], Awaitable[ConnectorOutcome]]


async def _execute(node: dict[str, Any], config: Any, context: dict[str, Any],
                   connector: ConnectorCall | None) -> natives.NativeResult:
    kind = node.get("kind")
    if kind == "connector" and connector is not None:
        called = await connector(node, config)
        return natives.NativeResult(called.output, called.child_index, credits=called.credits)
    if kind != "native":
        raise NodeExecutionError(f"{kind} nodes are not available in this installation yet")
    action = str(node.get("actionSlug"))
    spec = NATIVE_ACTIONS.get(action)
    if spec is None:
        raise NodeExecutionError(f"unknown native action '{action}'")
    if not spec.available:
        raise NodeExecutionError(spec.unavailable_reason)
    if not spec.runs_alone:
        raise NodeExecutionError(f"'{action}' nodes cannot be executed on their own; run the workflow instead")
    assert spec.run is not None
    scope = {"nodes": context.get("nodes") or {}, "parentNodes": context.get("parentNodes")
             or context.get("groupContext") or {}}
    # No run here: `start` outputs the computed config given as if it were the run input.
    return await spec.run(natives.NativeCall(node, config, scope, run_input=config))


def execute_node(node: dict[str, Any], computed_config: Any, context: dict[str, Any],
                 connector: ConnectorCall | None = None) -> dict[str, Any]:
    started = utcnow()
    credits = 0.0
    error: str | None
    try:
        result = asyncio.run(_execute(node, computed_config if isinstance(computed_config, dict) else {}, context,
                                      connector))
        credits = result.credits
    except NodeExecutionError as exc:
        status, output, title, error, child = "error", {"error": exc.message}, "❌ " + exc.message, exc.message, None
    else:
        output = to_json_value(result.output)
        status, title, error, child = "success", result.title or success_title(output), None, result.child_index
        if node.get("actionSlug") == "end":
            child = None
    finished = utcnow()
    return {
        "execution": {
            "nodeUuid": node.get("uuid"), "nodeSlug": node.get("slug"), "status": status, "title": title,
            "creditsUsedCount": credits, "nodeChildIndex": child, "errorMessage": error,
            "startedAt": iso(started), "finishedAt": iso(finished),
        },
        "output": output,
    }
