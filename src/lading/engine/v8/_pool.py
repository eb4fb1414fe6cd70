"""The parent side of the sandbox hosts: a small pool of `_host` processes, one call per host at a time.

Why one call per host: when user code kills its host (a V8 abort, the memory watchdog), only the
call that caused it is lost; no other run shares that process. Hosts are started on demand up to
`LADING_SANDBOX_PROCESSES` (default: 2 per core, at least 4) and reused; callers beyond that wait
for a free one. A host that died while idle is replaced before it is used, so an innocent call
never inherits a dead process. A host whose memory has grown is retired after its call; hosts
are reused most-recent-first, and one left idle for a minute is closed (the last one is kept).

Every wait on a host has a deadline: a host that does not answer within the call's time limit plus
a grace period is killed and the call fails as `timeout`.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from typing import IO, Any

from lading.engine.v8._errors import V8Error
from lading.engine.v8._frames import MEMORY_EXIT, PipeClosedError, read_frame, write_frame

_START_TIMEOUT_S = 30.0
_GRACE_S = 15.0  # beyond the call's own limit: the prelude, a loaded machine
_POLL_S = 0.25
_RETIRE_GROWTH_BYTES = 128 * 1024 * 1024
_IDLE_CLOSE_S = 60.0  # an idle host beyond the most recently used one is closed after this
HOST_MEMORY_CAP_BYTES = 256 * 1024 * 1024  # WebAssembly memories are capped at this (V8 flag)


def _pool_size() -> int:
    configured = os.environ.get("LADING_SANDBOX_PROCESSES", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(4, 2 * (os.cpu_count() or 1))


class _HostDiedError(Exception):
    def __init__(self, exit_code: int | None, detail: str) -> None:
        super().__init__(detail)
        self.exit_code = exit_code
        self.detail = detail


class _Host:
    """One running host process and the two pipe ends that talk to it."""

    def __init__(self) -> None:
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the host)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lading.engine.v8._host", str(HOST_MEMORY_CAP_BYTES)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._out = self.proc.stdin.fileno()
        self._in = self.proc.stdout.fileno()
        ready = self._receive(time.monotonic() + _START_TIMEOUT_S)
        self.ready_rss = int(ready.get("rss") or 0)
        self.rss = self.ready_rss
        self.idle_since = time.monotonic()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def call(self, request: dict[str, Any], deadline: float) -> dict[str, Any]:
        try:
            write_frame(self._out, request)
        except OSError:
            raise self._died() from None
        answer = self._receive(deadline)
        self.rss = int(answer.get("rss") or 0)
        return answer

    def _receive(self, deadline: float) -> dict[str, Any]:
        def wait() -> None:
            """Block until the host has written something, or kill it once the deadline passes."""
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise TimeoutError
                if select.select([self._in], [], [], min(left, _POLL_S))[0]:
                    return

        try:
            return read_frame(self._in, wait)
        except PipeClosedError:
            raise self._died() from None

    def _died(self) -> _HostDiedError:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            code = None
        self._stderr.seek(0)
        detail = _fatal_line(self._stderr.read()[-20000:].decode("utf-8", "replace"))
        self.close()
        return _HostDiedError(code, detail)

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self.close()

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout, self._stderr):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()


def _fatal_line(text: str) -> str:
    """V8's own words for an abort ("Fatal JavaScript out of memory: invalid table size")."""
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if stripped.startswith("Fatal") or "Check failed" in stripped:
            return stripped[:200]
    return ""


class HostPool:
    """Hosts of this process; `call` runs one request on a free host."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._idle: list[_Host] = []  # least recently used first
        self._running = 0
        self._changed = threading.Condition()
        self._pid = os.getpid()
        self.calls = 0

    def _acquire(self) -> _Host | None:
        """An idle live host, or None when the caller should start one (a slot is reserved)."""
        with self._changed:
            while True:
                while self._idle:
                    host = self._idle.pop()
                    if host.alive():
                        self._running += 1
                        return host
                    host.kill()
                if self._running < self._size:
                    self._running += 1
                    return None
                self._changed.wait()

    def _release(self, host: _Host | None) -> None:
        with self._changed:
            self._running -= 1
            if host is not None:
                host.idle_since = time.monotonic()
                self._idle.append(host)
            stale = time.monotonic() - _IDLE_CLOSE_S
            while len(self._idle) > 1 and self._idle[0].idle_since < stale:
                self._idle.pop(0).close()  # end of input: the host exits by itself
            self._changed.notify()

    def call(self, request: dict[str, Any], limit_s: float) -> dict[str, Any]:
        host = self._acquire()
        keep: _Host | None = None
        try:
            if host is None:
                try:
                    host = _Host()
                except (OSError, TimeoutError, _HostDiedError, ValueError) as failure:
                    raise V8Error("error", "the JavaScript sandbox could not start") from failure
            self.calls += 1
            try:
                answer = host.call(request, time.monotonic() + limit_s + _GRACE_S)
            except TimeoutError:
                raise V8Error("timeout", "") from None
            except _HostDiedError as death:
                if death.exit_code == MEMORY_EXIT:
                    raise V8Error("memory", "") from None
                reason = f" ({death.detail})" if death.detail else ""
                raise V8Error("crashed", f"the JavaScript sandbox process stopped{reason}") from None
            if host.rss - host.ready_rss < _RETIRE_GROWTH_BYTES:
                keep = host
            else:
                host.kill()
            return answer
        finally:
            self._release(keep)

    def close(self) -> None:
        with self._changed:
            hosts, self._idle = self._idle, []
        for host in hosts:
            host.close()  # end of input: the host exits by itself
            with contextlib.suppress(subprocess.TimeoutExpired):
                host.proc.wait(timeout=2)


_lock = threading.Lock()
_pool: HostPool | None = None


def pool() -> HostPool:
    """This process's pool (a forked child gets its own: pipes are not shared across processes)."""
    global _pool
    with _lock:
        if _pool is None or _pool._pid != os.getpid():
            _pool = HostPool(_pool_size())
        return _pool


@atexit.register
def _close_pool() -> None:
    if _pool is not None and _pool._pid == os.getpid():
        _pool.close()
