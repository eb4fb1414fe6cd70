"""What both sandboxes share: the error the user sees on a failed code step and the default limits.

Kept apart from the two runtimes so importing the error type never loads V8 or wasmtime.
"""

from __future__ import annotations

import json
from typing import Any

from lading.domain.errors import NodeExecutionError, shown
from lading.engine.sandbox._guest_runner import normalise

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024

_MIB = 1024 * 1024


class SandboxError(NodeExecutionError):
    """A `script` or `python` step failed; `message` is the text shown on the failed node.

    `kind` says why: "error" (the code threw), "syntax" (it does not parse), "timeout",
    "memory", or "unavailable" (the runtime itself could not run it).
    """

    def __init__(self, message: str, *, kind: str = "error", retryable: bool = True) -> None:
        super().__init__(message, retryable=retryable)
        self.kind = kind


def describe_seconds(seconds: float) -> str:
    """`30.0` → "30s", `1.5` → "1.5s": the limit as the user configured it."""
    return f"{seconds:g}s"


def describe_bytes(count: int) -> str:
    """`268435456` → "256 MiB"; odd sizes keep a decimal ("0.5 MiB") rather than lie."""
    return f"{round(count / _MIB, 2):g} MiB"


def timeout_error(what: str, seconds: float) -> SandboxError:
    return SandboxError(f"{what} exceeded its time limit of {describe_seconds(seconds)}", kind="timeout")


def memory_error(what: str, count: int) -> SandboxError:
    return SandboxError(f"{what} exceeded its memory limit of {describe_bytes(count)}", kind="memory")


def check_limits(timeout_s: float, memory_bytes: int) -> None:
    """Reject nonsense limits early: they are programming errors, not node failures."""
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be positive, got {shown(timeout_s)}")
    if memory_bytes < 16 * _MIB:
        raise ValueError(f"memory_bytes must be at least 16 MiB, got {shown(memory_bytes)}")


def step_input(nodes: Any, parent_nodes: Any, **fields: Any) -> str:
    """The JSON both runtimes hand their guest: `fields`, then `nodes` and `parentNodes` cleaned by the
    guest runner's own rules (a missing map is empty), so a step reads the same inputs in either language."""
    payload = {
        **fields,
        "nodes": normalise(nodes if nodes is not None else {}),
        "parentNodes": normalise(parent_nodes if parent_nodes is not None else {}),
    }
    return json.dumps(payload, allow_nan=False, separators=(",", ":"))
