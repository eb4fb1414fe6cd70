"""The resident CLI helper: a process that imports the CLI once and forks a child for each read command
a `lading` process hands it (`lading.cli.resident`, decision 172).

    python -m lading.cli.resident_helper <socket path>

It holds `<socket>.lock` for its lifetime (one helper per socket; the lock file names its pid), listens
on the socket (mode 0600, in a directory only its user can enter) and takes requests only from its own
user. Each request is the command's argv, environment, working directory and three file descriptors
(its standard streams): a forked child takes them over and runs `lading.cli.main.main(argv)`, so the
command reads the same settings and store and writes the same output as it would in its own process.
The helper answers `{"pid"}` when the child starts and `{"exit"}` when it ends.

It imports only modules, never opens a store: every child opens its own. It exits after
`LADING_CLI_HELPER_IDLE_SECONDS` (600) without a request, and as soon as a Lading module it loaded has
changed on disk (an upgrade or an edit), so it never answers with code older than a couple of seconds.
"""

from __future__ import annotations

import fcntl
import importlib
import io
import json
import os
import pkgutil
import selectors
import signal
import socket
import struct
import sys
import time
from dataclasses import dataclass
from typing import Any

from lading.cli import main as entry
from lading.cli.resident import HEADER_BYTES

MAX_REQUEST_BYTES = 4 * 1024 * 1024
CHECK_SOURCES_EVERY_SECONDS = 2.0


@dataclass
class Running:
    """A child running a command, and the connection of the `lading` process waiting for it."""

    pid: int
    connection: socket.socket


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m lading.cli.resident_helper <socket path>\n")
        return 2
    path = argv[0]
    lock = _hold_lock(path)
    if lock is None:
        return 0  # another helper serves this socket
    idle = _float_env("LADING_CLI_HELPER_IDLE_SECONDS", 600.0)
    signal.signal(signal.SIGTERM, _leave)  # stopped: its socket is removed on the way out
    listener = _listen(path)
    try:
        command = _preload()
        sources = _source_stamps()
        _serve(listener, command, sources, idle)
    finally:
        _unlink(path)
        listener.close()
        lock.close()
    return 0


def _leave(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)


def _hold_lock(path: str) -> Any | None:
    handle = open(os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600), "r+")  # noqa: SIM115 - held while it lives
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _listen(path: str) -> socket.socket:
    _unlink(path)  # a socket left by a helper that was killed: the lock says none serves it now
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old_mask)
    listener.listen(64)
    return listener


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _preload() -> Any:
    """Import what commands import (the CLI, its command tree, the services, the store, SQLAlchemy,
    Pydantic) and build the command tree, so a child only runs its command."""
    command = entry.build_command()
    _walk(command)
    for package in ("lading.services", "lading.store"):
        _import_all(package)
    return command


def _walk(command: Any) -> None:
    """Load every branch of the lazily built tree (each branch imports its command modules)."""
    for sub in list(getattr(command, "commands", {}).values()):
        _walk(sub)


def _import_all(package_name: str) -> None:
    package = importlib.import_module(package_name)
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
        try:
            importlib.import_module(info.name)
        except Exception:  # a module that cannot load here loads in the child that needs it
            continue


def _source_stamps() -> dict[str, int]:
    """The modification time of every Lading module loaded, to notice an upgrade or an edit."""
    stamps = {}
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "")
        path = getattr(module, "__file__", None)
        if path and (name == "lading" or name.startswith("lading.")):
            try:
                stamps[path] = os.stat(path).st_mtime_ns
            except OSError:
                stamps[path] = -1
    return stamps


def _changed(stamps: dict[str, int]) -> bool:
    for path, stamp in stamps.items():
        try:
            if os.stat(path).st_mtime_ns != stamp:
                return True
        except OSError:
            return True
    return False


def _serve(listener: socket.socket, command: Any, sources: dict[str, int], idle_seconds: float) -> None:
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, None)
    running: dict[int, Running] = {}  # pidfd → child
    last_request = time.monotonic()
    last_check = last_request
    while True:
        for key, _ in selector.select(timeout=CHECK_SOURCES_EVERY_SECONDS):
            if key.data is None:
                last_request = time.monotonic()
                _accept(listener, selector, running, command)
            else:
                _reap(key.data, selector, running)
        now = time.monotonic()
        if now - last_check >= CHECK_SOURCES_EVERY_SECONDS:
            last_check = now
            if _changed(sources):
                break
        if not running and now - last_request >= idle_seconds:
            break
    for child in running.values():  # leaving: the commands under way finish, their callers are told
        os.waitpid(child.pid, 0)


def _accept(listener: socket.socket, selector: selectors.BaseSelector, running: dict[int, Running],
            command: Any) -> None:
    try:
        connection, _ = listener.accept()
    except OSError:
        return
    fds: list[int] = []
    try:
        if not _same_user(connection):
            connection.close()
            return
        connection.settimeout(10)
        request, fds = _read_request(connection)
        if request is None or len(fds) != 3:
            raise ValueError("malformed request")
        pid = os.fork()
        if pid == 0:
            selector.close()
            listener.close()
            _run_child(command, request, fds, connection)
        pidfd = os.pidfd_open(pid)
        running[pidfd] = Running(pid, connection)
        selector.register(pidfd, selectors.EVENT_READ, pidfd)
        _send(connection, {"pid": pid})
    except (OSError, ValueError):
        connection.close()
    finally:
        for fd in fds:
            os.close(fd)


def _same_user(connection: socket.socket) -> bool:
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid == os.getuid()


def _read_request(connection: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    data, fds, _flags, _address = socket.recv_fds(connection, 65536, 3)
    if len(data) < HEADER_BYTES:
        return None, list(fds)
    size = int.from_bytes(data[:HEADER_BYTES], "big")
    if size > MAX_REQUEST_BYTES:
        return None, list(fds)
    body = data[HEADER_BYTES:]
    while len(body) < size:
        chunk = connection.recv(size - len(body))
        if not chunk:
            return None, list(fds)
        body += chunk
    request = json.loads(body)
    return (request if isinstance(request, dict) else None), list(fds)


def _send(connection: socket.socket, message: dict[str, Any]) -> None:
    try:
        connection.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass


def _reap(pidfd: int, selector: selectors.BaseSelector, running: dict[int, Running]) -> None:
    child = running.pop(pidfd)
    selector.unregister(pidfd)
    os.close(pidfd)
    _, status = os.waitpid(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    _send(child.connection, {"exit": code if code >= 0 else 128 - code})
    child.connection.close()


def _run_child(command: Any, request: dict[str, Any], fds: list[int], connection: socket.socket) -> None:
    """The forked child: become the `lading` process that asked (its streams, directory, environment and
    arguments) and run its command; never returns."""
    code = 1
    try:
        connection.close()
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        streams = request.get("streams") or [["utf-8", "strict"]] * 3
        sys.stdin, sys.stdout, sys.stderr = (_text_stream(fd, *streams[fd]) for fd in (0, 1, 2))
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in dict(request.get("env") or {}).items()})
        os.chdir(str(request.get("cwd") or "/"))
        argv = [str(a) for a in request.get("argv") or []]
        sys.argv = ["lading", *argv]
        code = entry.main(argv, command=command)
    except BaseException:  # the child must end here whatever happened
        code = 1
    finally:
        entry.end_now(code)


def _text_stream(fd: int, encoding: str | None, errors: str | None) -> io.TextIOWrapper:
    """A standard stream on `fd` as Python makes one (line-buffered on a terminal)."""
    writing = fd != 0
    raw = io.FileIO(fd, "w" if writing else "r", closefd=False)
    buffered: Any = io.BufferedWriter(raw) if writing else io.BufferedReader(raw)
    return io.TextIOWrapper(buffered, encoding=encoding or "utf-8", errors=errors or "strict",
                            line_buffering=writing and os.isatty(fd), write_through=fd == 2)


def _float_env(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
