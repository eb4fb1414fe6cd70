"""Wait for it, or hand it to a worker: the one policy every face uses (CLI, MCP, chats, the API).

A command that does not wait hands its work to the background worker (`hand_over`); one that waits
drives its own run tree (or batch) in this process until it is terminal, while any other worker may
help, so it answers as soon as the work is done whether or not a worker is running. Work a service
left behind without a caller to wait for it (a play's batch, a new cron schedule) is announced on
the session (`Session.work`) and handed over once the command is done (`settle`).

Waiting never strands work: a waiting caller interrupted by Ctrl-C (SIGINT) or a closed terminal
(SIGHUP) stops driving, releases every lease it holds at once, starts (or wakes) the background
worker and raises `WaitInterrupted`, so the work carries on without it.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from lading.domain.nodes import TERMINAL_STATUSES
from lading.services.session import Session
from lading.worker.adapters import ServicePorts
from lading.worker.host import ensure_background_worker
from lading.worker.loop import WorkerOptions, run_until_interrupted

# What ends a foreground wait: Ctrl-C and the terminal going away.
STOP_SIGNALS = (signal.SIGINT, signal.SIGHUP)
# How long in-flight runs of an interrupted wait have to reach a node boundary before they are
# abandoned to the background worker (their uncommitted step is redone there).
INTERRUPT_GRACE_SECONDS = 0.5


class WaitInterrupted(KeyboardInterrupt):
    """A waiting caller was interrupted by `signum`; its work is already in the background worker's
    hands. A KeyboardInterrupt, so code that lets Ctrl-C through lets this through too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """The shell's convention for a process ended by a signal: 128 + its number (130, 129)."""
        return 128 + self.signum


def hand_over(session: Session) -> None:
    """Make sure a worker will run what was just created: the server's own worker when this process
    holds one (woken at once), else the embedded background worker (started if none runs)."""
    from lading.worker.resident import wake_resident

    if not wake_resident():
        ensure_background_worker(session)


def settle(session: Session) -> None:
    """After a command: hand over the work its services announced (no-op when none was)."""
    if session.work.announced:
        session.work.announced = False
        hand_over(session)


def finish_run(session: Session, run_uuid: str, *, wait: bool) -> None:
    """The run just created: driven here until terminal when the caller waits, else handed over."""
    from lading.services.orchestration.runs import run_status

    if not wait:
        hand_over(session)
        return
    drive_until_finished(session, run_uuid, status_of=lambda uuid: run_status(session, uuid))


def finish_batch(session: Session, batch_uuid: str, *, wait: bool,
                 on_progress: Callable[[], None] | None = None) -> None:
    """The batch just created: fed and driven here until terminal when the caller waits, else handed over."""
    from lading.services.orchestration.batches import batch_status

    if not wait:
        hand_over(session)
        return
    drive_batch_until_finished(session, batch_uuid, status_of=lambda uuid: batch_status(session, uuid),
                               on_progress=on_progress)


def _terminal_check(status_of: Callable[[str], Any], uuid: str, *, every: float) -> Callable[[], bool]:
    """The worker's `stop_when` for a caller that waits on one run or batch: is it terminal yet? The
    loop asks far more often than a status read is worth, so the answer is read at most every `every`
    seconds and repeated in between."""
    state = {"last": 0.0, "done": False}

    def finished() -> bool:
        now = time.monotonic()
        if now - state["last"] >= every:
            state["last"] = now
            state["done"] = status_of(uuid) in TERMINAL_STATUSES
        return bool(state["done"])

    return finished


def drive_until_finished(session: Session, run_uuid: str, *, status_of: Callable[[str], Any]) -> None:
    """Execute this run's tree in-process until it is terminal (other workers may help)."""
    finished = _terminal_check(status_of, run_uuid, every=0.05)
    options = WorkerOptions(root_run_uuid=run_uuid, lease_seconds=session.settings.lease_seconds,
                            poll_interval=0.05, stop_when=finished, concurrency=64,
                            stop_grace=INTERRUPT_GRACE_SECONDS)
    _drive(session, options)


def _drive(session: Session, options: WorkerOptions) -> None:
    """Drive in this process until `options.stop_when`; on Ctrl-C or SIGHUP hand the work over and raise."""
    stopped_by = run_until_interrupted(session.db, options, ServicePorts(session.db), STOP_SIGNALS)
    if stopped_by is not None:
        hand_over(session)
        raise WaitInterrupted(stopped_by)


def drive_batch_until_finished(session: Session, batch_uuid: str, *, status_of: Callable[[str], Any],
                               on_progress: Callable[[], None] | None = None, progress_every: float = 0.5) -> None:
    """Feed and execute in-process until the batch is terminal (other workers may help).

    `on_progress()` is called from a helper thread every `progress_every` seconds (progress bars)."""
    finished = _terminal_check(status_of, batch_uuid, every=0.1)
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
                                batch_uuid=batch_uuid, stop_grace=INTERRUPT_GRACE_SECONDS)
        _drive(session, options)
    finally:
        stop.set()
        if ticker is not None:
            ticker.join(timeout=2)
        if on_progress is not None:
            on_progress()
