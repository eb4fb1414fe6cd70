"""`python` and `script` steps: user code in the sandboxes, off the event loop."""

from __future__ import annotations

import asyncio

from lading.domain.errors import NodeExecutionError

from ._result import NativeCall, NativeResult


async def run_code(call: NativeCall) -> NativeResult:
    """Runs the node's script. Its `script` key is never evaluated (see the catalog's skip keys), so the
    computed config holds the authored text; `node execute` may pass a computed config with another one."""
    from lading.engine import sandbox
    from lading.settings import load_settings

    config = call.config
    script = config["script"] if isinstance(config, dict) and isinstance(config.get("script"), str) else None
    if script is None:
        script = (call.node.get("config") or {}).get("script")
    if not isinstance(script, str):
        raise NodeExecutionError("config.script must be a string", retryable=False)
    nodes = call.scope.get("nodes") or {}
    parent = call.scope.get("parentNodes") or {}
    runner = sandbox.run_python if call.action == "python" else sandbox.run_script
    timeout = load_settings().code_timeout_seconds
    result = await asyncio.to_thread(runner, script, nodes, parent, timeout_s=timeout)
    return NativeResult({"result": result}, 0)
