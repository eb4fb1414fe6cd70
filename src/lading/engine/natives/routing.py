"""Routing actions: `filter`, `branch`, `switch`, `split` (spec §2.3).

Conditions use JavaScript truthiness, exactly as `node compute` shows them.
"""

from __future__ import annotations

import random

from lading.domain.errors import NodeExecutionError
from lading.engine.expressions import is_truthy

from ._result import NativeCall, NativeResult

MATCHED = "✅ Condition is matched"
NOT_MATCHED = "❌ Condition is not matched"


async def run_filter(call: NativeCall) -> NativeResult:
    config = call.config
    ok = is_truthy(config.get("filter"))
    return NativeResult({"filter": ok}, 0 if ok else None, MATCHED if ok else NOT_MATCHED)


async def run_branch(call: NativeCall) -> NativeResult:
    config = call.config
    ok = is_truthy(config.get("condition"))
    return NativeResult({"condition": ok}, 0 if ok else 1, MATCHED if ok else NOT_MATCHED)


async def run_switch(call: NativeCall) -> NativeResult:
    """The first truthy route; else the default route when the node has one child more than routes."""
    config = call.config
    children_count = len(call.node.get("childrenUuids") or [])
    routes = config.get("routes") or []
    if not isinstance(routes, list):
        raise NodeExecutionError("config.routes must be a list", retryable=False)
    for index, route in enumerate(routes):
        if isinstance(route, dict) and is_truthy(route.get("value")):
            return NativeResult({"route": route.get("name"), "index": index}, index)
    if children_count == len(routes) + 1:
        return NativeResult({"route": "default", "index": len(routes)}, len(routes))
    return NativeResult({"route": None, "index": None}, None)


async def run_split(call: NativeCall, rng: random.Random | None = None) -> NativeResult:
    try:
        percentage = float(call.config.get("percentage", 50))
    except (TypeError, ValueError) as exc:
        raise NodeExecutionError("config.percentage must be a number from 0 to 100", retryable=False) from exc
    draw = (rng or random).random() * 100
    if draw < percentage:
        return NativeResult({"variant": "A"}, 0)
    return NativeResult({"variant": "B"}, 1)
