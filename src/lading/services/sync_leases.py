"""The lease of a connector sync run, shared by a model's sync (`services/storage/_sync.py`) and a
connector library's (`services/content/_sync.py`): both are rows of `storage_runs`, each driven by one
process at a time.

The driver holds the run's lease (`host:pid:nonce`), renewed with every committed page. Another process
takes the run over only once the driver is gone: its lease expired, or it names a process of this host
that no longer exists (a SIGKILLed CLI frees its sync at once instead of after the lease). One caller
that finds a live driver waits for that driver's end rather than running the sync a second time."""

from __future__ import annotations

import os
import socket
import time
import uuid as uuidlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from lading.services.session import Session
from lading.store.clock import utcnow
from lading.store.repositories import storage_runs as runs_repo

LEASE_SECONDS = 120.0
WAIT_POLL_SECONDS = 0.25
_HOST = socket.gethostname()


def new_owner() -> str:
    """A lease owner naming this process (host and pid, which `driver_alive` checks) and this claim."""
    return f"{_HOST}:{os.getpid()}:{uuidlib.uuid4().hex[:12]}"


def lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=LEASE_SECONDS)


def driver_alive(owner: str | None, expires: datetime | None, now: datetime) -> bool:
    if not owner or expires is None or expires <= now:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host == _HOST and pid_text.isdigit() and int(pid_text) != os.getpid():
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    return True


def claim_unfinished(conn: Any, ws: str, run: Any, owner: str, now: datetime) -> tuple[str, str | None]:
    """An unfinished run met by a new claim: (its uuid, `owner`) when its driver is gone and this claim
    took it over; (its uuid, None) when a live driver keeps it (or another claim was first)."""
    if driver_alive(run.lease_owner, run.lease_expires_at, now):
        return run.uuid, None
    if not runs_repo.takeover(conn, ws, run.uuid, run.lease_owner, owner, lease_until(now), now):
        return run.uuid, None
    return run.uuid, owner


def end_in_error(session: Session, run_uuid: str, owner: str, message: str) -> None:
    """End the run `error` with `message`, releasing its lease (lease-fenced: a run another process
    took over meanwhile is left to that process)."""
    now = utcnow()
    with session.db.write() as conn:
        runs_repo.checkpoint(conn, session.workspace_uuid, run_uuid, owner, {
            "status": "error", "error_message": message[:2000], "finished_at": now, "lease_owner": None,
            "lease_expires_at": None, "updated_at": now})


def sync_and_wait(session: Session, start: Callable[[], tuple[str, str | None]],
                  drive: Callable[[str, str], None]) -> str:
    """Claim the sync (`start`) and drive it here; when another live process drives it (a schedule
    tick, a resumed sync), wait for its end instead, taking it over if that driver dies meanwhile.
    Returns the run's uuid: when this returns, the sync has ended."""
    run_uuid, owner = start()
    while owner is None:
        time.sleep(WAIT_POLL_SECONDS)
        with session.db.read() as conn:
            run = runs_repo.get_run(conn, session.workspace_uuid, run_uuid)
        if run is None or run.status not in runs_repo.UNFINISHED:
            return run_uuid
        if not driver_alive(run.lease_owner, run.lease_expires_at, utcnow()):
            run_uuid, owner = start()
    drive(run_uuid, owner)
    return run_uuid


def orphaned(rows: Iterable[Any], key: str) -> list[tuple[str, str]]:
    """(workspace uuid, the row's `key` column) of the unfinished runs whose driver died."""
    now = utcnow()
    return [(r.workspace_uuid, getattr(r, key)) for r in rows
            if not driver_alive(r.lease_owner, r.lease_expires_at, now)]
