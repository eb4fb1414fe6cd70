"""A tool's `creditsCost`: cheapest and dearest start→end path (spec §1, "Credits").

Each node on a path costs its list price (0 for natives; connector prices arrive with the
connections capability) plus the 0.01 platform charge per node execution.
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


def credits_cost(nodes: list[dict[str, Any]], node_price: PriceOf = free) -> tuple[float, float]:
    graph = Graph.from_nodes([n for n in nodes if isinstance(n, dict)])
    if graph.start is None:
        return (0.0, 0.0)

    @cache
    def walk(uuid: str, depth: int) -> tuple[float, float] | None:
        node = graph.node(uuid)
        if node is None or depth > len(graph.nodes):
            return None
        here = node_price(node) + EXECUTION_CHARGE
        if node.get("actionSlug") == "end":
            return (here, here)
        options = [walk(c, depth + 1) for c in node.get("childrenUuids") or [] if isinstance(c, str)]
        found = [o for o in options if o is not None]
        if not found:
            return (here, here)
        return (here + min(o[0] for o in found), here + max(o[1] for o in found))

    result = walk(graph.start["uuid"], 0) or (0.0, 0.0)
    return (round(result[0], 4), round(result[1], 4))
