"""Getting work done: the background worker started on demand, and inline waiting.

Embedded mode must never strand work (ARCHITECTURE principle 7): an async command makes sure a
detached `lading worker` is running; one that waits drives its own run tree in-process, so it
returns as soon as the run is terminal.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from typing import Any

from lading.domain.nodes import TERMINAL_STATUSES
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
        os.kill(int(pid_file.read_text()), 0)
    except (OSError, ValueError):
        return False
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


def drive_until_finished(session: Session, run_uuid: str, *, status_of: Any) -> None:
    """Execute this run's tree in-process until it is terminal (other workers may help)."""
    from lading.worker.adapters import ServicePorts
    from lading.worker.loop import WorkerOptions, run_worker

    deadline_check = {"last": 0.0, "done": False}

    def finished() -> bool:
        now = time.monotonic()
        if now - deadline_check["last"] >= 0.05:
            deadline_check["last"] = now
            deadline_check["done"] = status_of(run_uuid) in TERMINAL_STATUSES
        return bool(deadline_check["done"])

    options = WorkerOptions(root_run_uuid=run_uuid, lease_seconds=session.settings.lease_seconds,
                            poll_interval=0.05, stop_when=finished, concurrency=64)
    run_worker(session.db, options, ServicePorts(session.db))


def drive_batch_until_finished(session: Session, batch_uuid: str, *, status_of: Any,
                               on_progress: Any | None = None, progress_every: float = 0.5) -> None:
    """Feed and execute in-process until the batch is terminal (other workers may help).

    `on_progress()` is called from a helper thread every `progress_every` seconds (progress bars)."""
    import threading

    from lading.worker.adapters import ServicePorts
    from lading.worker.loop import WorkerOptions, run_worker

    state = {"last": 0.0, "done": False}

    def finished() -> bool:
        now = time.monotonic()
        if now - state["last"] >= 0.1:
            state["last"] = now
            state["done"] = status_of(batch_uuid) in TERMINAL_STATUSES
        return bool(state["done"])

    stop = threading.Event()
    ticker = None
    if on_progress is not None:
        def tick() -> None:
            while not stop.wait(progress_every):
                on_progress()

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
    try:
        options = WorkerOptions(lease_seconds=session.settings.lease_seconds, poll_interval=0.05, stop_when=finished,
                                batch_uuid=batch_uuid)
        run_worker(session.db, options, ServicePorts(session.db))
    finally:
        stop.set()
        if ticker is not None:
            ticker.join(timeout=2)
        if on_progress is not None:
            on_progress()
