"""The values that cross between the engine and a native action: what it is given, what it hands back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lading.domain.run_state import ExecutionWrite, RunState
    from lading.engine.ports import Ports

# Evaluates a config value (templates, expressions) in the node's scope, with extra named variables
# (`result`, `fields`…): what an action that evaluates parts of its config itself (waterfall) uses.
Evaluate = Callable[[Any, dict[str, Any]], Awaitable[Any]]


@dataclass
class NativeResult:
    """Output (the context entry), the child index to follow (None = the run stops, `success`)."""

    output: Any
    child_index: int | None
    title: str | None = None
    # Every provider credit of the step, its spans' included (the run's total grows by this).
    credits: float = 0.0
    # Completed executions the action made inside its node (a waterfall's provider attempts), each a
    # span of its own with its own credits; persisted with the node's execution, before it.
    spans: list[ExecutionWrite] = field(default_factory=list)


@dataclass(frozen=True)
class NativeCall:
    """Everything a native action's run function may read, so that every action has one signature and
    the run (executor) and `node execute` (single) call it the same way."""

    node: dict[str, Any]  # the node as authored: its raw config, childrenUuids, actionSlug
    config: Any  # its computed config (`{}` for an action that does not evaluate its config)
    scope: dict[str, Any]  # {"nodes", "parentNodes"}: what code steps see
    run_input: Any  # what `start` outputs
    # The run and the executor's ports, for actions that act outside the run (agent, model writes);
    # None when a node executes on its own.
    run: RunState | None = None
    ports: Ports | None = None
    # Evaluation of the config keys the action keeps as written (catalog `lazy_keys`); None alone.
    evaluate: Evaluate | None = None

    @property
    def action(self) -> str:
        return str(self.node.get("actionSlug"))
