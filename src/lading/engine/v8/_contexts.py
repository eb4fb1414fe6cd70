"""Fresh V8 contexts inside a sandbox host process, all reporting to one asyncio loop thread.

Why one shared loop: a plain `MiniRacer()` starts its own thread and loop (~12 ms) and leaves
callbacks behind after a timeout; `_make_context` on a shared loop costs ~3 ms. Concurrent first
isolates abort V8, and that cannot happen here: a host makes its first context alone at start-up,
then serves one call at a time.

`configure_v8` sets the process's V8 flags before the first isolate: WebAssembly memories are
capped (`--wasm-max-mem-pages`), so even a `WebAssembly.Memory` that a prelude failed to hide
could not grow past the sandbox's memory limit.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_WASM_PAGE = 64 * 1024
_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def configure_v8(max_memory_bytes: int) -> None:
    """Initialise V8 with Lading's flags (once per process, before any context exists)."""
    from py_mini_racer import init_mini_racer

    pages = max(1, max_memory_bytes // _WASM_PAGE)
    init_mini_racer(flags=("--single-threaded", f"--wasm-max-mem-pages={pages}"), ignore_duplicate_init=True)


def shared_loop() -> asyncio.AbstractEventLoop:
    """The daemon thread's loop that every context of this process reports completions to."""
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="lading-v8-loop", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


def open_context() -> tuple[Any, Any]:
    """A new `(MiniRacer, closer)`; call `close_context(closer, racer)` when done."""
    from py_mini_racer import MiniRacer

    try:
        from py_mini_racer._mini_racer import _make_context  # private, hence the fallback

        maker = _make_context(shared_loop())
        return MiniRacer(maker.__enter__()), maker
    except (ImportError, TypeError, AttributeError):
        return MiniRacer(), None


def close_context(racer: Any, maker: Any) -> None:
    try:
        if maker is not None:
            maker.__exit__(None, None, None)
        else:
            racer.close()
    except Exception:  # a broken context is being discarded anyway
        pass


@contextmanager
def fresh_context() -> Iterator[Any]:
    """A brand-new V8 context, closed on exit whatever happened in it."""
    racer, maker = open_context()
    try:
        yield racer
    finally:
        close_context(racer, maker)
