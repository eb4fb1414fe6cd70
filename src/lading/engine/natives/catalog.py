"""The native actions as data: the one place that says which native actions exist, how many children
each takes, which function runs each and what the engine must know to drive it. Validation,
execution (the executor, `node execute`, the worker), `node compute`, diagrams and
`native-integration get` read it; nothing else lists native actions by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from . import code, delegated, routing, timing, values, waterfall
from ._result import NativeCall, NativeResult
from .config_schemas import CONFIG_SCHEMAS, EXAMPLES

NativeRun = Callable[[NativeCall], Awaitable[NativeResult]]

# Config keys never evaluated as expressions: `_nodes` is a group's sub-graph, evaluated by its own steps.
CONFIG_SKIP_KEYS = frozenset({"_nodes"})
# Code steps also keep their script as written: `{{…}}` in user code is code, not an expression.
CODE_SKIP_KEYS = CONFIG_SKIP_KEYS | {"script"}
# A waterfall evaluates its steps and validator itself, one step at a time, with the values filled so
# far (`fields`) and each provider's answer (`result`): the executor leaves them as written, validation
# still checks their expressions.
WATERFALL_LAZY_KEYS = frozenset({"steps", "validator"})


class Scheduling(StrEnum):
    """How the executor drives an action around its run function."""

    # Evaluate the config, call the run function, follow the child it chose.
    AT_ONCE = "atOnce"
    # First suspend the run for `config.minutes` (no worker held); the run function runs on resumption.
    DELAY = "delay"
    # Start one child run per item, then collect their outputs; there is no run function.
    GROUP = "group"


@dataclass(frozen=True)
class NativeAction:
    """One built-in action of `kind: "native"` nodes."""

    slug: str
    name: str
    description: str
    # Fixed children count, or None when it depends on the config (switch).
    children: int | None
    run: NativeRun | None = None
    scheduling: Scheduling = Scheduling.AT_ONCE
    skip_keys: frozenset[str] = CONFIG_SKIP_KEYS
    # Of `skip_keys`, those the action evaluates itself (through `NativeCall.evaluate`): their
    # expressions are checked by validation like any other.
    lazy_keys: frozenset[str] = frozenset()
    # False for `start`: its output is the run input and its config is not evaluated.
    evaluates_config: bool = True
    # Needs the run and the executor's ports (it acts outside the run): `node execute` cannot run it.
    needs_ports: bool = False
    # Deterministic, no effect outside the run's own state: the worker chains consecutive pure steps
    # into one commit.
    pure: bool = False
    # May take long: the worker persists a `running` execution before it starts.
    slow: bool = False
    # Whether the action can run in this installation yet; others fail at run time, clearly.
    available: bool = True
    unavailable_reason: str = ""

    @property
    def config_schema(self) -> dict[str, Any]:
        """The JSON Schema of this action's config (`config_schemas`): served, validated, documented."""
        return CONFIG_SCHEMAS[self.slug]

    @property
    def example_config(self) -> dict[str, Any]:
        """A config that validates, shown in `docs/natives.md`."""
        return EXAMPLES[self.slug]

    @property
    def runs_alone(self) -> bool:
        """Whether `node execute` can run it from a computed config, without a run."""
        return self.run is not None and not self.needs_ports


NATIVE_ACTIONS: dict[str, NativeAction] = {
    a.slug: a
    for a in (
        NativeAction("start", "Start", "Entry point; outputs the run input.", 1, values.run_start,
                     evaluates_config=False, pure=True),
        NativeAction("end", "End", "Ends the run; its variables are the run output.", 0, values.run_end, pure=True),
        NativeAction("variables", "Variables", "Computes named, typed values.", 1, values.run_variables, pure=True),
        NativeAction("filter", "Filter", "Continues only when the condition is true.", 1, routing.run_filter,
                     pure=True),
        NativeAction("branch", "Branch", "Routes to yes (true) or no (false).", 2, routing.run_branch, pure=True),
        NativeAction("switch", "Switch", "Routes to the first matching route.", None, routing.run_switch, pure=True),
        NativeAction("split", "Split", "Routes a percentage of runs to A, the rest to B.", 2, routing.run_split,
                     pure=True),
        NativeAction("delay", "Delay", "Waits a number of minutes without holding a worker.", 1, timing.run_delay,
                     scheduling=Scheduling.DELAY),
        NativeAction("group", "Group", "Runs a sub-graph once per item, as child runs.", 1,
                     scheduling=Scheduling.GROUP),
        NativeAction("python", "Python", "Runs sandboxed Python; assign `result`.", 1, code.run_code,
                     skip_keys=CODE_SKIP_KEYS, slow=True),
        NativeAction("script", "Script", "Runs sandboxed JavaScript; `return` a value.", 1, code.run_code,
                     skip_keys=CODE_SKIP_KEYS, slow=True),
        NativeAction("agent", "Agent", "Asks a language model, which may call the actions it is given.", 1,
                     delegated.run_agent, needs_ports=True, slow=True),
        NativeAction("modelUpsert", "Model upsert", "Inserts or updates a record of a model, by its id column.", 1,
                     delegated.write_model_record, needs_ports=True, slow=True),
        NativeAction("modelInsert", "Model insert", "Inserts a record into a model (fails on an existing id).", 1,
                     delegated.write_model_record, needs_ports=True, slow=True),
        NativeAction("waterfall", "Waterfall",
                     "Tries provider actions in order until the wanted fields are filled; each attempt is a span.",
                     1, waterfall.run_waterfall, skip_keys=CONFIG_SKIP_KEYS | WATERFALL_LAZY_KEYS,
                     lazy_keys=WATERFALL_LAZY_KEYS, needs_ports=True, slow=True),
    )
}


def config_skip_keys(action_slug: Any) -> frozenset[str]:
    """The config keys left unevaluated for a node with this action slug (every other node: `_nodes`)."""
    action = NATIVE_ACTIONS.get(action_slug) if isinstance(action_slug, str) else None
    return action.skip_keys if action is not None else CONFIG_SKIP_KEYS


def checked_skip_keys(action_slug: Any) -> frozenset[str]:
    """The config keys whose expressions validation does not check (kept as written for good)."""
    action = NATIVE_ACTIONS.get(action_slug) if isinstance(action_slug, str) else None
    return action.skip_keys - action.lazy_keys if action is not None else CONFIG_SKIP_KEYS


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
