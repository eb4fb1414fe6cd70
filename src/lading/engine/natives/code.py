"""`python` and `script` steps: user code in the sandboxes, off the event loop."""

from __future__ import annotations

import asyncio
from typing import Any

from lading.domain.errors import NodeExecutionError

from ._result import NativeResult


async def run_code(action_slug: str, raw_config: dict[str, Any], scope: dict[str, Any]) -> NativeResult:
    from lading.engine import sandbox
    from lading.settings import load_settings

    script = raw_config.get("script")
    if not isinstance(script, str):
        raise NodeExecutionError("config.script must be a string", retryable=False)
    nodes = scope.get("nodes") or {}
    parent = scope.get("parentNodes") or {}
    runner = sandbox.run_python if action_slug == "python" else sandbox.run_script
    timeout = load_settings().code_timeout_seconds
    result = await asyncio.to_thread(runner, script, nodes, parent, timeout_s=timeout)
    return NativeResult({"result": result}, 0)
