"""Actions that act outside the run and so go through the executor's ports: `agent` (a language-model
turn), `modelUpsert` / `modelInsert` (a record write), `sendEmail` (SMTP through a connector),
`modelAsk` (a model's records put to a language model) and `fileSearch` (content-file passages). The
engine must not import the services that do the work; without a run (`node execute`) these actions
cannot run."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lading.domain.errors import NodeExecutionError
from lading.engine.expressions import to_json_value

from ._result import NativeCall, NativeResult
from .prices import charge

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


def _object_config(call: NativeCall) -> dict[str, Any]:
    if not isinstance(call.config, dict):
        raise NodeExecutionError("config must be an object", retryable=False)
    config = to_json_value(call.config)
    return config if isinstance(config, dict) else {}


async def send_email(call: NativeCall) -> NativeResult:
    """`sendEmail`: one message through the SMTP connector named by `connectorUuid`."""
    run, ports = _bound(call)
    config = _object_config(call)
    sent = await ports.send_email(run, config)
    return NativeResult(sent.output, 0, credits=charge(call.action) + sent.credits)


async def ask_model(call: NativeCall) -> NativeResult:
    """`modelAsk`: a language model answers `prompt` about a model's records (given in its prompt)."""
    run, ports = _bound(call)
    answered = await ports.ask_model(run, _object_config(call))
    return NativeResult(answered.output, 0, credits=charge(call.action))


async def search_files(call: NativeCall) -> NativeResult:
    """`fileSearch`: the workspace's content-file passages best matching `query` (BM25)."""
    run, ports = _bound(call)
    found = await ports.search_files(run, _object_config(call))
    tokens = sum(len(str(hit.get("text") or "")) for hit in found.get("results") or []) / 4
    return NativeResult(found, 0, credits=charge(call.action, max(tokens, 1.0)))
