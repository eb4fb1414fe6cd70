"""`lading worker`: one worker process — the run loop, the scheduler, and (for the on-demand worker
of embedded mode) the single-instance lock and pid file."""

from __future__ import annotations

import logging
import os
import threading

from lading.services.session import Session
from lading.worker.adapters import ServicePorts
from lading.worker.host import hold_worker_lock
from lading.worker.loop import WorkerOptions, run_worker
from lading.worker.scheduler import SchedulerLoop, syncs_in_flight


def serve(session: Session, *, concurrency: int, idle_exit: float | None, background: bool) -> None:
    """Lease due runs and drive them until stopped (SIGTERM/SIGINT) or idle for `idle_exit` seconds.

    Every worker runs the scheduler; only the leader fires. The on-demand (`background`) worker is
    single per home, exits when idle, and stays up while cron schedules exist (nothing else would
    fire them in embedded mode)."""
    from lading.integrations._secrets import install_log_redaction

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    if session.settings.backend == "postgresql" and not os.environ.get("LADING_SECRET_KEY"):
        logging.getLogger("lading.worker").warning(
            "LADING_SECRET_KEY is not set: this worker uses its own key file and cannot decrypt connector "
            "credentials saved by other machines; set the same key on every process")
    pid_file = session.settings.home / "worker.pid"
    lock = None
    if background:
        lock = hold_worker_lock(session)
        if lock is None:
            return  # another background worker is already serving this home
        pid_file.write_text(str(os.getpid()))
        if idle_exit is None:
            idle_exit = session.settings.worker_idle_exit_seconds
    scheduler = SchedulerLoop(session.db, session.settings).start()
    options = WorkerOptions(concurrency=concurrency, claim_batch=min(concurrency, 256),
                            lease_seconds=session.settings.lease_seconds, idle_exit_seconds=idle_exit,
                            # Up while schedules exist (on demand) or a sync the leader resumed is going.
                            keep_alive=(lambda: scheduler.schedules_exist or syncs_in_flight()) if background
                            else syncs_in_flight)
    signalled = threading.Event()
    try:
        while True:
            run_worker(session.db, options, ServicePorts(session.db), handle_signals=True, signalled=signalled)
            if lock is None or signalled.is_set():
                break
            # Idle exit. Work created after the loop's last look but while this worker still held the
            # lock was not handed to a new worker (the command saw this one running): release the
            # lock, then look again; whichever of the two looks second sees the other.
            pid_file.unlink(missing_ok=True)
            lock.close()
            lock = None
            if not _work_left(session):
                break
            lock = hold_worker_lock(session)
            if lock is None:
                break  # a worker the command just started serves it
            pid_file.write_text(str(os.getpid()))
    finally:
        scheduler.stop()
        if lock is not None:
            pid_file.unlink(missing_ok=True)
            lock.close()


def _work_left(session: Session) -> bool:
    from lading.store.repositories import batches, run_queue

    active, _ = run_queue.next_due_time(session.db)
    return active > 0 or batches.unfed_exist(session.db)
