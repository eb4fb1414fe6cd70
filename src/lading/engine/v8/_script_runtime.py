"""Inside a sandbox host: one `script` step run in a brand-new V8 context.

Why a fresh context per call: different workspaces share a host, and a fresh context is the one
guarantee that no global a step sets is seen by the next. The context gets only plain ECMAScript
plus the prelude (`_script_prelude`): no bridge to Python is ever installed, and V8 itself has no
network or file access. A context is always thrown away after its call.
"""

from __future__ import annotations

import json
import os
import time

from lading.engine.v8._contexts import fresh_context
from lading.engine.v8._errors import V8Error
from lading.engine.v8._script_prelude import PRELUDE

_SETUP_TIMEOUT_S = 10.0  # the prelude; generous because a loaded machine may be slow


def _js_string(text: str) -> str:
    """A JavaScript string literal for any text (JSON strings are valid JS since ES2019)."""
    return json.dumps(text, ensure_ascii=True)


def run_script_body(script: str, input_json: str, timeout_s: float, memory_bytes: int) -> str:
    """The prelude's status for the step: "ok:<json>", "err:<text>" or "syn:<text>".

    A returned promise is awaited within the same time limit. Raises V8Error("timeout"|"memory"|
    "error") when a limit stops the code or V8 itself reports a failure.
    """
    from py_mini_racer import JSEvalException, JSOOMException, JSTimeoutException

    start_code = f"__lading.start({_js_string(script)}, {_js_string(input_json)})"
    with fresh_context() as racer:
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
                    raise V8Error("timeout", "")
                if pause:
                    time.sleep(min(pause, left))
                pause = min(max(pause * 2, 0.001), 0.05)
                status = racer.eval("__lading.poll()", timeout_sec=max(deadline - time.monotonic(), 0.001))
        except JSTimeoutException:
            raise V8Error("timeout", "") from None
        except JSOOMException:
            raise V8Error("memory", "") from None
        except JSEvalException as error:
            if racer.was_hard_memory_limit_reached():
                raise V8Error("memory", "") from None
            raise V8Error("error", f"script failed: {_last_line(str(error))}") from None
    return status if isinstance(status, str) else ""


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "unknown error"
