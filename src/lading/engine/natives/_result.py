"""The values that cross between the engine and a native action: what it is given, what it hands back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lading.domain.run_state import RunState
    from lading.engine.ports import Ports


@dataclass
class NativeResult:
    """Output (the context entry), the child index to follow (None = the run stops, `success`)."""

    output: Any
    child_index: int | None
    title: str | None = None
    credits: float = 0.0


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

    @property
    def action(self) -> str:
        return str(self.node.get("actionSlug"))
