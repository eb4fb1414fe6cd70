"""Sandboxes for user code steps: `script` (JavaScript in V8) and `python` (CPython on WebAssembly).

The executor calls these from worker threads, concurrently. Heavy runtimes (V8, wasmtime) load
lazily on first use, so importing this package is cheap.
"""

from lading.engine.sandbox._common import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_S, SandboxError
from lading.engine.sandbox.js import run_script
from lading.engine.sandbox.python import python_is_warm, run_python, warm_python

__all__ = [
    "DEFAULT_MEMORY_BYTES",
    "DEFAULT_TIMEOUT_S",
    "SandboxError",
    "python_is_warm",
    "run_python",
    "run_script",
    "warm_python",
]
