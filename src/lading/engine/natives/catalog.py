"""The native actions as data: the one place that says which native actions exist and how many
children each takes. Validation, execution, diagrams and `native-integration get` read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NativeAction:
    """One built-in action of `kind: "native"` nodes."""

    slug: str
    name: str
    description: str
    # Fixed children count, or None when it depends on the config (switch).
    children: int | None
    # Whether the action can run in this installation yet; others fail at run time, clearly.
    available: bool = True
    unavailable_reason: str = ""


NATIVE_ACTIONS: dict[str, NativeAction] = {
    a.slug: a
    for a in (
        NativeAction("start", "Start", "Entry point; outputs the run input.", 1),
        NativeAction("end", "End", "Ends the run; its variables are the run output.", 0),
        NativeAction("variables", "Variables", "Computes named, typed values.", 1),
        NativeAction("filter", "Filter", "Continues only when the condition is true.", 1),
        NativeAction("branch", "Branch", "Routes to yes (true) or no (false).", 2),
        NativeAction("switch", "Switch", "Routes to the first matching route.", None),
        NativeAction("split", "Split", "Routes a percentage of runs to A, the rest to B.", 2),
        NativeAction("delay", "Delay", "Waits a number of minutes without holding a worker.", 1),
        NativeAction("group", "Group", "Runs a sub-graph once per item, as child runs.", 1),
        NativeAction("python", "Python", "Runs sandboxed Python; assign `result`.", 1),
        NativeAction("script", "Script", "Runs sandboxed JavaScript; `return` a value.", 1),
        NativeAction("agent", "Agent", "Asks a language model, which may call the actions it is given.", 1),
        NativeAction("modelUpsert", "Model upsert", "Inserts or updates a record of a model, by its id column.", 1),
        NativeAction("modelInsert", "Model insert", "Inserts a record into a model (fails on an existing id).", 1),
    )
}


def switch_children_counts(config: Any) -> tuple[int, ...]:
    """Allowed children counts of a switch: one per route, optionally plus a default."""
    routes = config.get("routes") if isinstance(config, dict) else None
    n = len(routes) if isinstance(routes, list) else 0
    return (n, n + 1)


def native_children_counts(action_slug: str, config: Any) -> tuple[int, ...] | None:
    """Allowed children counts for a native action, or None when the action is unknown."""
    action = NATIVE_ACTIONS.get(action_slug)
    if action is None:
        return None
    if action.children is None:
        return switch_children_counts(config)
    return (action.children,)
