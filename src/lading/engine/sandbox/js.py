"""The `script` step: a JavaScript function body run in V8, in a sandbox host process.

The V8 side (fresh context per call, the prelude, the host process that contains crashes and
enforces memory by any route) lives in `engine.v8`; this module prepares the step's input and
turns the host's answer into the step's result or a `SandboxError` with the text the user sees.
"""

from __future__ import annotations

import json
from typing import Any

from lading.engine.sandbox._common import (
    DEFAULT_MEMORY_BYTES,
    DEFAULT_TIMEOUT_S,
    SandboxError,
    check_limits,
    memory_error,
    step_input,
    timeout_error,
)

_WHAT = "script"


def run_script(
    script: str,
    nodes: dict[str, Any],
    parent_nodes: dict[str, Any],
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
) -> Any:
    """Run a `script` step's body with `nodes` and `parentNodes`; return what it returns.

    The value is JSON-normalised (undefined → None, Date → ISO text, Map → object, Set → list).
    A returned promise is awaited within the same time limit. Raises SandboxError with the text
    the user sees: the thrown error ("TypeError: …"), a syntax error, a passed limit, or
    `sandboxCrashed` when the code brought its sandbox process down (not retried: it would again).
    """
    from lading.engine.v8 import V8Error, run_script_body

    check_limits(timeout_s, memory_bytes)
    input_json = step_input(nodes, parent_nodes)
    try:
        status = run_script_body(script, input_json, timeout_s=timeout_s, memory_bytes=memory_bytes)
    except V8Error as failure:
        if failure.kind == "timeout":
            raise timeout_error(_WHAT, timeout_s) from None
        if failure.kind == "memory":
            raise memory_error(_WHAT, memory_bytes) from None
        if failure.kind == "crashed":
            raise SandboxError(f"sandboxCrashed: the script crashed its sandbox: {failure.message}",
                               kind="crashed", retryable=False) from None
        raise SandboxError(failure.message or "script failed") from None
    return _outcome(status)


def _outcome(status: Any) -> Any:
    tag, _, body = status.partition(":") if isinstance(status, str) else ("", "", "")
    if tag == "ok":
        return json.loads(body)
    if tag == "syn":
        raise SandboxError(body, kind="syntax", retryable=False)
    if tag == "err":
        raise SandboxError(body)
    raise SandboxError("script failed: the sandbox returned no result")
