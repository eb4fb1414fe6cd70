"""What the executor reads and writes for one run step.

`RunState` is the persisted position of a run; `StepOutcome` is everything one step changes,
handed to the worker's committer so many runs' steps land in one transaction (group commit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class OpenExecution:
    """The execution row of the node a run is positioned on (idle: delay, back-off, children)."""

    id: int
    status: str
    attempts: int
    started_at: datetime
    # The node was in flight when its worker died: this execution is a re-run of it.
    recovered: bool = False


@dataclass
class RunState:
    uuid: str
    workspace_uuid: str
    workflow_uuid: str | None
    release_uuid: str
    batch_uuid: str | None
    root_run_uuid: str
    status: str
    input: Any
    context: dict[str, Any]
    computed_configs: dict[str, Any]
    parent_context: dict[str, Any] | None
    cursor_node_uuid: str | None
    cursor_attempt: int
    credits_used_count: float
    executions_count: int
    is_group_parent: bool
    started_at: datetime | None
    open_execution: OpenExecution | None = None
    # Group sub-graph iteration: which group node's `_nodes` this run executes.
    parent_node_uuid: str | None = None
    parent_run_uuid: str | None = None
    # "group" (iteration of a group's `_nodes`) or "tool" (a tool node's sub-run of another release).
    parent_kind: str | None = None
    # Tools on the way to this run (recursion guard for tool nodes).
    call_stack: list[str] = field(default_factory=list)


@dataclass
class ExecutionWrite:
    """Insert (id None) or update (id set) of one execution row."""

    id: int | None
    node_uuid: str
    node_slug: str
    node_kind: str
    node_action_slug: str | None
    status: str
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    node_child_index: int | None = None
    next_node_uuid: str | None = None
    title: str | None = None
    error_message: str | None = None
    attempts: int = 1
    credits_used_count: float = 0.0
    execution_charge: float = 0.0
    base_url: str | None = None
    # A provider attempt inside a node (waterfall): the integration and connector it called.
    integration_slug: str | None = None
    connector_uuid: str | None = None
    # Keep the row open on the run (cursor_execution_id) after this write.
    keep_open: bool = False


@dataclass
class ChildRun:
    """A group iteration to create."""

    uuid: str
    item_index: int
    input: Any
    record_id: str
    record_title: str


@dataclass
class ChildBatch:
    uuid: str
    group_node_uuid: str
    children: list[ChildRun]
    kind: str = "group"
    # Tool sub-runs execute another release (of another workflow).
    release_uuid: str | None = None
    workflow_uuid: str | None = None
    call_stack: list[str] = field(default_factory=list)


@dataclass
class StepOutcome:
    """The result of executing one node of one run."""

    run: RunState
    execution: ExecutionWrite | None
    # New run status: running | success | error | cancelled.
    status: str = "running"
    output: Any = None
    error_message: str | None = None
    # Next position; None with status running means "stay on the cursor node" (suspended).
    next_node_uuid: str | None = None
    available_at: datetime | None = None
    waiting_children: bool = False
    release_lease: bool = False
    child_batch: ChildBatch | None = None
    # Completed executions of pure native steps chained before this one (oldest first): they are
    # persisted in the same transaction as this outcome (see `engine.worker` "chaining").
    earlier: list[ExecutionWrite] = field(default_factory=list)

    @property
    def terminal(self) -> bool:
        return self.status in ("success", "error", "cancelled")
