"""The client side of the resident CLI helper: a read command answered by a forked copy of a process that
has already imported the CLI, so it pays neither interpreter-wide imports nor the command tree.

Why: an embedded read command (`run get`, `tool list` …) spends ~300 ms importing Typer, SQLAlchemy and
Pydantic before it runs a query of a few milliseconds; the budget is 250 ms (issue 16, decision 172).
The first read command of a session answers in-process and starts the helper in the background
(`lading.cli.resident_helper`); later ones connect to its Unix socket, hand over their argv,
environment, working directory and standard streams (file descriptors), and the helper forks a child
that runs the same `main(argv)` writing straight to this process's streams. This process waits, passes
on Ctrl-C, and exits with the child's code, so nothing a user sees differs but the time.

Only commands that read take this path (`READ_VERBS`): they never prompt, wait on runs or start
workers. `LADING_CLI_HELPER=0` turns it off; the helper exits after `LADING_CLI_HELPER_IDLE_SECONDS`
(600) without a request, or as soon as one of the modules it loaded changes on disk.

This module runs before anything else of the CLI is imported: it uses the standard library only, and
answers None (run in-process) on any doubt.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket

# The verbs that only read: `<group> <noun> <verb> …`, and `whoami`.
READ_VERBS = frozenset({"get", "list", "count", "get-deployed"})
HEADER_BYTES = 4  # the length of the request that follows, big-endian
MAX_SOCKET_PATH = 104  # what a Unix socket's address holds (108 on Linux, 104 on macOS)


def enabled() -> bool:
    return os.environ.get("LADING_CLI_HELPER", "1").strip().lower() not in ("0", "false", "no", "off")


def is_read(args: list[str]) -> bool:
    """Whether `lading <args>` only reads (and may be answered by the helper)."""
    if args == ["whoami"]:
        return True
    return len(args) >= 3 and not any(a.startswith("-") for a in args[:3]) and args[2] in READ_VERBS


def helper_dir() -> str:
    """Where the helpers' sockets live: a directory only this user can enter."""
    configured = os.environ.get("LADING_CLI_HELPER_DIR")
    if configured:
        return configured
    return os.path.join(os.environ.get("TMPDIR") or "/tmp", f"lading-cli-{os.getuid()}")


def helper_key() -> str:
    """One helper per interpreter, Lading installation and module path: a helper started by another
    Python or for another checkout never answers for this one. (The home, the store and every other
    setting travel with each request: one helper serves them all.)"""
    import zlib

    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    text = "\0".join((sys.executable, sys.version, here, os.environ.get("PYTHONPATH", "")))
    return f"{zlib.crc32(text.encode()):08x}{zlib.adler32(text.encode()):08x}"


def socket_path() -> str:
    return os.path.join(helper_dir(), f"{helper_key()}.sock")


def private_dir(path: str) -> bool:
    """The directory exists, is a real directory owned by this user and closed to others."""
    try:
        found = os.lstat(path)
    except OSError:
        return False
    import stat

    return stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() and not found.st_mode & 0o077


def answer(args: list[str]) -> int | None:
    """The exit code of `lading <args>` run by the helper, or None: run it in this process (not a read
    command, the helper off, not running yet — then it is started for the next command —, or any
    failure before the helper took the command)."""
    if not enabled() or not is_read(args):
        return None
    directory = helper_dir()
    path = socket_path()
    if len(path.encode()) >= MAX_SOCKET_PATH:
        return None  # a socket cannot live there (a very long TMPDIR): no helper, never one started
    if not private_dir(directory):
        _start_helper(directory)
        return None
    import socket

    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
    except OSError:
        connection.close()
        _start_helper(directory)
        return None
    with connection:
        return _hand_over(connection, args)


def _hand_over(connection: socket.socket, args: list[str]) -> int | None:
    import socket

    try:
        request = json.dumps({
            "argv": args, "cwd": os.getcwd(), "env": dict(os.environ),
            "streams": [[getattr(stream, "encoding", None) or "utf-8", getattr(stream, "errors", None) or "strict"]
                        for stream in (sys.stdin, sys.stdout, sys.stderr)],
        }).encode()
        socket.send_fds(connection, [len(request).to_bytes(HEADER_BYTES, "big") + request], [0, 1, 2])
    except (OSError, ValueError):  # a removed working directory, a closed standard stream, a helper
        return None  # that went away, an argument JSON cannot carry: answer here
    reader = connection.makefile("rb")
    started = _message(reader)
    child = (started or {}).get("pid")
    if not isinstance(child, int):
        return None  # the helper went away before running anything
    import signal

    def forward(signum: int, _frame: object) -> None:
        try:
            os.kill(child, signum)
        except OSError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    ended = _message(reader)  # a forwarded signal does not interrupt the wait (PEP 475)
    code = (ended or {}).get("exit")
    if not isinstance(code, int):
        sys.stderr.write("lading: the CLI helper stopped before the command ended; its output may be "
                         "incomplete (LADING_CLI_HELPER=0 runs commands without it)\n")
        return 1
    return code


def _message(reader: object) -> dict[str, object] | None:
    line = reader.readline()  # type: ignore[attr-defined]
    if not line:
        return None
    try:
        found = json.loads(line)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _start_helper(directory: str) -> None:
    """Start the helper, detached, for the commands that follow (this one answers in-process). Two
    commands starting one at once is harmless: the second helper finds the first's lock and leaves."""
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError:
        return
    if not private_dir(directory):
        return  # someone else's, or open to others: never used
    try:
        pid = os.fork()
    except OSError:
        return
    if pid:
        return
    try:  # the child: a new session, no terminal, then the helper's own interpreter
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.execv(sys.executable, [sys.executable, "-m", "lading.cli.resident_helper", socket_path()])
    finally:
        os._exit(0)
