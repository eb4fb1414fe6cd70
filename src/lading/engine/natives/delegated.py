"""Actions that act outside the run and so go through the executor's ports: `agent` (a language-model
turn) and `modelUpsert` / `modelInsert` (a record write). The engine must not import the services that
do the work; without a run (`node execute`) these actions cannot run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lading.domain.errors import NodeExecutionError
from lading.engine.expressions import to_json_value

from ._result import NativeCall, NativeResult

if TYPE_CHECKING:
    from lading.domain.run_state import RunState
    from lading.engine.ports import Ports


def _bound(call: NativeCall) -> tuple[RunState, Ports]:
    if call.run is None or call.ports is None:
        raise NodeExecutionError(f"'{call.action}' nodes cannot be executed on their own; run the workflow instead",
                                 retryable=False)
    return call.run, call.ports


async def run_agent(call: NativeCall) -> NativeResult:
    run, ports = _bound(call)
    if not isinstance(call.config, dict):
        raise NodeExecutionError("config must be an object", retryable=False)
    answered = await ports.run_agent(run, call.node, to_json_value(call.config))
    return NativeResult(answered.output, 0, credits=answered.credits)


async def write_model_record(call: NativeCall) -> NativeResult:
    run, ports = _bound(call)
    written = await ports.write_model_record(run, call.action, to_json_value(call.config))
    return NativeResult(written, 0)
