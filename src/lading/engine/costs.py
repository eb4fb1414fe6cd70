"""A tool's `creditsCost`: cheapest and dearest start→end path (spec §1, "Credits").

Each node on a path costs its list price (0 for natives, a connector's from its integration's price
table) plus the 0.01 platform charge per node execution. A `waterfall` native costs a range of its
own: at least its first provider when that one is always tried, at most every provider and every
validator call it may make, each attempt also charged as an execution (its spans are).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from lading.domain.nodes import EXECUTION_CHARGE
from lading.engine.graph import Graph

PriceOf = Callable[[dict[str, Any]], float]


def free(node: dict[str, Any]) -> float:
    """List price of a node when no catalog is at hand: natives are free."""
    return 0.0


def _as_connector(step: Any) -> dict[str, Any]:
    return {**step, "kind": "connector"} if isinstance(step, dict) else {}


def waterfall_range(node: dict[str, Any], node_price: PriceOf) -> tuple[float, float]:
    """(cheapest, dearest) credits of a waterfall node's provider attempts, with their execution charges."""
    found = node.get("config")
    config: dict[str, Any] = found if isinstance(found, dict) else {}
    steps = [s for s in config.get("steps") or [] if isinstance(s, dict)]
    prices = [node_price(_as_connector(s)) + EXECUTION_CHARGE for s in steps]
    low = prices[0] if prices and "condition" not in steps[0] else 0.0
    high = sum(prices)
    validator = config.get("validator")
    if isinstance(validator, dict) and steps:
        fields = validator.get("fields") or config.get("fields") or []
        checked = len(fields) if isinstance(fields, list) else 1
        # Each step may propose a value for each checked field, each checked once.
        high += (node_price(_as_connector(validator)) + EXECUTION_CHARGE) * checked * len(steps)
    return low, high


def _range_of(node: dict[str, Any], node_price: PriceOf) -> tuple[float, float]:
    if node.get("kind") == "native" and node.get("actionSlug") == "waterfall":
        low, high = waterfall_range(node, node_price)
        return low + EXECUTION_CHARGE, high + EXECUTION_CHARGE
    here = node_price(node) + EXECUTION_CHARGE
    return here, here


def credits_cost(nodes: list[dict[str, Any]], node_price: PriceOf = free) -> tuple[float, float]:
    graph = Graph.from_nodes([n for n in nodes if isinstance(n, dict)])
    if graph.start is None:
        return (0.0, 0.0)

    @cache
    def walk(uuid: str, depth: int) -> tuple[float, float] | None:
        node = graph.node(uuid)
        if node is None or depth > len(graph.nodes):
            return None
        low, high = _range_of(node, node_price)
        if node.get("actionSlug") == "end":
            return (low, high)
        options = [walk(c, depth + 1) for c in node.get("childrenUuids") or [] if isinstance(c, str)]
        found = [o for o in options if o is not None]
        if not found:
            return (low, high)
        return (low + min(o[0] for o in found), high + max(o[1] for o in found))

    result = walk(graph.start["uuid"], 0) or (0.0, 0.0)
    return (round(result[0], 4), round(result[1], 4))
