"""The sandbox host: a child process that runs user JavaScript for its parent, one call at a time.

Why a process: some V8 failures cannot be caught (`new Array(2**28).fill(0)` aborts V8 before its
heap limit is checked), and memory outside the V8 heap (ArrayBuffers, WebAssembly memories) is not
counted by that limit. Here such a failure ends only this process; the parent sees the pipe close,
fails that one call as `crashed` (or `memory`, from the exit code), and starts a new host.

Protocol (parent ↔ host, over the pipes the parent made; see `_pool`): each frame is a 4-byte
big-endian length and a JSON document. The host first answers `{"ready": true, "rss": n}`. Then,
per request: `{"op": "expr", "payload", "dates", "timeout", "memory"}` or
`{"op": "exprs", "payload", "dates", "timeout", "memory"}` (a JSON array of expression payloads) or
`{"op": "script", "script", "input", "timeout", "memory"}` or
`{"op": "syntax", "sources", "timeout", "memory"}` (compile only) → `{"ok": <text>, "rss": n}` or
`{"error": <kind>, "message": <text>, "rss": n}`.

Limits that hold by any route:
- time: V8's own termination, and the parent kills the host if an answer is late;
- memory: V8's heap limit, WebAssembly removed and its memories capped by a V8 flag, and a watchdog
  thread that ends the process (exit code `MEMORY_EXIT`) as soon as its resident memory passes what
  the call may use, whatever allocated it.
The host ends with its parent (end of input, or its parent's pid changing), ignores Ctrl-C (the parent
handles it), and keeps stray output off the protocol pipe.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

from lading.engine.v8._frames import MEMORY_EXIT, PipeClosedError, read_frame, write_frame

# What V8 itself (code space, compiler zones, GC bookkeeping) may take beyond the heap limit
# before the watchdog counts it as the user's.
MEMORY_SLACK_BYTES = 64 * 1024 * 1024
_PAGE = os.sysconf("SC_PAGE_SIZE")
_BUSY_INTERVAL_S = 0.005
_IDLE_INTERVAL_S = 0.02


def resident_bytes(pid: int | str = "self") -> int:
    """Resident set size of a process (Linux `/proc`); 0 where it cannot be read."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


class _Watchdog:
    """Ends the process when resident memory passes the running call's ceiling.

    Why it polls instead of being woken per call: waking a thread on every call made it compete for
    the GIL with the call itself, and most calls last well under a millisecond. Between calls it
    reads the resident size every `_IDLE_INTERVAL_S` (the baseline of the next call's ceiling);
    during a call, every `_BUSY_INTERVAL_S`.
    """

    def __init__(self) -> None:
        self.idle_rss = resident_bytes()
        self._allowance = 0  # bytes the running call may add; 0 between calls
        threading.Thread(target=self._watch, name="lading-v8-watchdog", daemon=True).start()

    def arm(self, allowance: int) -> None:
        self._allowance = allowance

    def disarm(self) -> None:
        self._allowance = 0

    def _watch(self) -> None:
        while True:
            allowance = self._allowance
            rss = resident_bytes()
            if not allowance:
                self.idle_rss = rss
                time.sleep(_IDLE_INTERVAL_S)
                continue
            if rss > self.idle_rss + allowance and self._allowance:
                os._exit(MEMORY_EXIT)
            time.sleep(_BUSY_INTERVAL_S)


def _exit_with_parent() -> None:
    """End this host when its parent is gone, even mid-call (`PR_SET_PDEATHSIG` would fire when the
    parent's spawning *thread* ends, which kills hosts of a live parent)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="lading-v8-parent", daemon=True).start()


def _serve(requests: int, answers: int, max_memory: int) -> None:
    from lading.engine.v8._contexts import configure_v8, fresh_context
    from lading.engine.v8._errors import V8Error
    from lading.engine.v8._expression_runtime import ExpressionRuntime
    from lading.engine.v8._script_runtime import run_script_body

    configure_v8(max_memory)
    with fresh_context() as racer:  # V8's first isolate, made before any call can race it
        racer.eval("1")
    expressions = ExpressionRuntime()
    watchdog = _Watchdog()
    write_frame(answers, {"ready": True, "rss": resident_bytes()})
    while True:
        try:
            request = read_frame(requests)
        except PipeClosedError:
            return  # the parent closed the pipe
        memory = int(request["memory"])
        timeout = float(request["timeout"])
        watchdog.arm(memory + MEMORY_SLACK_BYTES)
        try:
            if request["op"] == "expr":
                text = expressions.call(request["payload"], bool(request["dates"]), timeout, memory)
            elif request["op"] == "exprs":
                text = expressions.call_many(request["payload"], bool(request["dates"]), timeout, memory)
            elif request["op"] == "syntax":
                text = expressions.check_syntax(request["sources"], timeout, memory)
            else:
                text = run_script_body(request["script"], request["input"], timeout, memory)
            answer: dict[str, Any] = {"ok": text}
        except V8Error as failure:
            answer = {"error": failure.kind, "message": failure.message}
        except Exception as failure:  # a V8 binding failure: reported, the host stays up
            answer = {"error": "error", "message": f"{type(failure).__name__}: {failure}"}
        finally:
            watchdog.disarm()
        answer["rss"] = watchdog.idle_rss
        write_frame(answers, answer)


def main() -> None:
    """Entry point: `python -m lading.engine.v8._host <max memory bytes>`."""
    _exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol gets private copies of the pipes; fds 0 and 1 become /dev/null and stderr, so
    # nothing printed by accident can corrupt a frame.
    requests, answers = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    max_memory = int(sys.argv[1]) if len(sys.argv) > 1 else 256 * 1024 * 1024
    try:
        _serve(requests, answers, max_memory)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    os._exit(0)  # never wait for V8's threads or the loop thread on the way out


if __name__ == "__main__":
    main()
