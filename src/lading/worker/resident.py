"""The worker a server process holds (api.md §0.1: what the API creates runs with no other process
started by hand).

`lading serve` starts one `ResidentWorker` per server process: the ordinary run loop and scheduler,
in a thread of their own with their own event loop. Work created by a request is handed to it by
waking it (`hand_over` calls `wake_resident`), so a run created through the API starts within
milliseconds instead of at the next poll of a separate process. Other `lading worker` processes on
the same store share the work through the usual leases.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from lading.settings import Settings
from lading.store.database import Database

log = logging.getLogger("lading.worker")

_RESIDENT: ResidentWorker | None = None


class ResidentWorker:
    def __init__(self, db: Database, settings: Settings, *, concurrency: int = 256) -> None:
        self.db = db
        self.settings = settings
        self.concurrency = concurrency
        self._loop: asyncio.AbstractEventLoop | None = None
        self._worker: Any = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._scheduler: Any = None

    def start(self) -> ResidentWorker:
        """Start the loop thread and the scheduler; returns once the worker can be woken."""
        global _RESIDENT
        from lading.worker.scheduler import SchedulerLoop

        self._scheduler = SchedulerLoop(self.db, self.settings).start()
        self._thread = threading.Thread(target=self._main, name="lading-resident-worker", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        _RESIDENT = self
        return self

    def _main(self) -> None:
        from lading.worker.adapters import ServicePorts
        from lading.worker.loop import Worker, WorkerOptions

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            options = WorkerOptions(concurrency=self.concurrency, claim_batch=min(self.concurrency, 256),
                                    lease_seconds=self.settings.lease_seconds, poll_interval=0.5)
            self._worker = Worker(self.db, options, ports=ServicePorts(self.db))
            self._ready.set()
            await self._worker.run()

        try:
            asyncio.run(main())
        except Exception:
            log.exception("the server's worker stopped unexpectedly")
        finally:
            self._ready.set()

    def wake(self) -> None:
        loop, worker = self._loop, self._worker
        if loop is not None and worker is not None and not loop.is_closed():
            loop.call_soon_threadsafe(worker.wake)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful stop: claim nothing more; in-flight runs release their leases at their next node."""
        global _RESIDENT
        _RESIDENT = None
        loop, worker = self._loop, self._worker
        if loop is not None and worker is not None and not loop.is_closed():
            loop.call_soon_threadsafe(worker.request_stop)
            loop.call_soon_threadsafe(worker.wake)
        if self._thread is not None:
            self._thread.join(timeout)
        if self._scheduler is not None:
            self._scheduler.stop()


def wake_resident() -> bool:
    """Wake this process's resident worker; False when the process holds none (the caller then
    starts the embedded background worker instead)."""
    resident = _RESIDENT
    if resident is None or not resident.alive:
        return False
    resident.wake()
    return True
