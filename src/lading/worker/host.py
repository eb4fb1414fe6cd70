"""The background host of embedded mode: one detached `lading worker` per home, started on demand.

Embedded mode must never strand work (ARCHITECTURE principle 7): when a command leaves work behind,
`ensure_background_worker` makes sure a detached worker is running. A file lock (`worker.lock`)
keeps it single per home, and its pid file lets whoever stops the home's worker find it.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from typing import Any

from lading.services.session import Session


def _lock_path(session: Session) -> str:
    return str(session.settings.home / "worker.lock")


def worker_running(session: Session) -> bool:
    """True when a background worker holds the worker lock."""
    session.settings.home.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(session), "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def ensure_background_worker(session: Session) -> None:
    """Start a detached worker unless one is running (or autostart is off)."""
    if not session.settings.autostart_worker or worker_running(session) or _starting(session):
        return
    log = open(session.settings.home / "worker.log", "ab")  # noqa: SIM115 - handed to the child
    env = dict(os.environ)
    child = subprocess.Popen(
        [sys.executable, "-m", "lading", "worker", "--background"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
        start_new_session=True, env=env, close_fds=True,
    )
    log.close()
    # Known from now on (the worker writes the same pid once it holds the lock): whoever stops the
    # home's worker finds it even while it is still starting. It stays up while cron schedules exist.
    (session.settings.home / "worker.pid").write_text(str(child.pid))


def _starting(session: Session) -> bool:
    """A worker spawned moments ago may not hold the lock yet: its pid file (written at spawn) is
    fresh and the process exists. Without this, two quick commands would spawn two workers and the
    pid file could name the one that gave up."""
    pid_file = session.settings.home / "worker.pid"
    try:
        if time.time() - pid_file.stat().st_mtime > 30:
            return False
        pid = int(pid_file.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    # A long-lived process (`lading serve`) is the parent of the workers it spawned: one that exited
    # stays a zombie, which `kill(pid, 0)` still finds, until it is reaped here.
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:  # not this process's child: it is alive
        pass
    return True


def hold_worker_lock(session: Session) -> Any | None:
    """Take the single-background-worker lock; None when another worker has it."""
    session.settings.home.mkdir(parents=True, exist_ok=True)
    fh = open(_lock_path(session), "a+")  # noqa: SIM115 - held for the worker's lifetime
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return None
    return fh
