"""The `script` step: a JavaScript function body run in V8 (`py_mini_racer`).

Why a fresh V8 context per call: different workspaces share a worker, and a fresh context is
the one guarantee that no global a step sets is seen by the next. It costs ~3 ms because every
context is driven from one shared asyncio loop thread (a plain `MiniRacer()` starts its own
thread and loop each time, ~12 ms, and leaves noisy callbacks behind after a timeout).

The context gets only plain ECMAScript plus our prelude (`_js_prelude`): no bridge to Python
is ever installed, and V8 itself has no network or file access. A context that hit its time or
memory limit is always thrown away. Concurrent calls from several threads are safe: each call
owns its context; the shared loop only dispatches completions.

Contexts are created through `engine.v8_once.create_context` (concurrent first isolates abort V8).

Known limit: a few V8 failures are fatal to the whole process rather than catchable (e.g.
`new Array(2**28).fill(0)` overflows an internal table before the heap limit is checked). Only
running V8 in a separate process could contain those.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lading.engine.sandbox._common import (
    DEFAULT_MEMORY_BYTES,
    DEFAULT_TIMEOUT_S,
    SandboxError,
    check_limits,
    memory_error,
    timeout_error,
)
from lading.engine.sandbox._guest_runner import normalise
from lading.engine.sandbox._js_prelude import PRELUDE
from lading.engine.v8_once import create_context

_WHAT = "script"
_SETUP_TIMEOUT_S = 10.0  # the prelude; generous because a loaded machine may be slow

_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def _shared_loop() -> asyncio.AbstractEventLoop:
    """One daemon thread running the loop that all our V8 contexts report completions to."""
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="lading-v8-loop", daemon=True).start()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


@contextmanager
def _fresh_racer() -> Iterator[Any]:
    """A brand-new V8 context, closed on exit whatever happened in it."""
    from py_mini_racer import MiniRacer

    maker = None
    try:
        from py_mini_racer._mini_racer import _make_context  # private, hence the fallback

        maker = _make_context(_shared_loop())
        context = create_context(maker.__enter__)
    except (ImportError, TypeError, AttributeError):
        maker = None
    if maker is None:
        with create_context(MiniRacer) as racer:
            yield racer
        return
    try:
        racer = MiniRacer(context)
        yield racer
    finally:
        maker.__exit__(None, None, None)


def _js_string(text: str) -> str:
    """A JavaScript string literal for any text (JSON strings are valid JS since ES2019)."""
    return json.dumps(text, ensure_ascii=True)


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
    the user sees: the thrown error ("TypeError: …"), a syntax error, or a passed limit.
    """
    from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException

    check_limits(timeout_s, memory_bytes)
    payload = {
        "nodes": normalise(nodes if nodes is not None else {}),
        "parentNodes": normalise(parent_nodes if parent_nodes is not None else {}),
    }
    input_json = json.dumps(payload, allow_nan=False, separators=(",", ":"))
    start_code = f"__lading.start({_js_string(script)}, {_js_string(input_json)})"
    with _fresh_racer() as racer:
        try:
            racer.set_hard_memory_limit(memory_bytes)
            racer.eval(PRELUDE, timeout_sec=_SETUP_TIMEOUT_S)
            racer.eval(f"__lading.seed('{os.urandom(32).hex()}')", timeout_sec=_SETUP_TIMEOUT_S)
            deadline = time.monotonic() + timeout_s
            status = racer.eval(start_code, timeout_sec=timeout_s)
            pause = 0.0
            while status == "pending":
                left = deadline - time.monotonic()
                if left <= 0:
                    raise timeout_error(_WHAT, timeout_s)
                if pause:
                    time.sleep(min(pause, left))
                pause = min(max(pause * 2, 0.001), 0.05)
                status = racer.eval("__lading.poll()", timeout_sec=max(deadline - time.monotonic(), 0.001))
        except JSTimeoutException:
            raise timeout_error(_WHAT, timeout_s) from None
        except JSOOMException:
            raise memory_error(_WHAT, memory_bytes) from None
        except JSEvalException as error:
            if racer.was_hard_memory_limit_reached():
                raise memory_error(_WHAT, memory_bytes) from None
            raise SandboxError(f"script failed: {_last_line(str(error))}") from None
    return _outcome(status)


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "unknown error"


def _outcome(status: Any) -> Any:
    tag, _, body = status.partition(":") if isinstance(status, str) else ("", "", "")
    if tag == "ok":
        return json.loads(body)
    if tag == "syn":
        raise SandboxError(body, kind="syntax", retryable=False)
    if tag == "err":
        raise SandboxError(body)
    raise SandboxError("script failed: the sandbox returned no result")
