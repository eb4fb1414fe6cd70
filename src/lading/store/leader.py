"""Leadership: at most one process of an installation acts as the scheduler at a time.

PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) held on a connection kept for the
purpose; the server frees it when that connection ends, however the process dies. SQLite: an
exclusive `flock` of `scheduler.lock` under `$LADING_HOME` (next to the database), freed by the
kernel when the process exits. Leadership only narrows who fires: the store's compare-and-set on the
last fired tick (`repositories/schedules.advance`) is what makes a tick fire exactly once, even while
an old leader that lost its lock finishes what it was doing.
"""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import text

from lading.store.database import Database

# Distinct from the migration lock's key (7261234).
SCHEDULER_LOCK_KEY = 7261301
log = logging.getLogger("lading.scheduler")


class LeaderLock:
    """Try to become (and stay) the leader; `held()` re-checks on every call."""

    def __init__(self, db: Database, home: Path, key: int = SCHEDULER_LOCK_KEY) -> None:
        self.db = db
        self.home = home
        self.key = key
        self._conn: Any = None  # PostgreSQL: the connection holding the advisory lock
        self._file: Any = None  # SQLite: the open lock file

    def held(self) -> bool:
        """True while this process leads; tries to take the lock when it does not."""
        if self.db.is_postgres:
            return self._pg_held()
        return self._file_held()

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._conn.commit()
            except Exception:  # the connection is gone: the server already freed the lock
                pass
            self._close_conn()
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def _close_conn(self) -> None:
        try:
            self._conn.close()
        except Exception:
            pass
        self._conn = None

    def _pg_held(self) -> bool:
        if self._conn is not None:
            try:  # the lock lives as long as this connection: check that it is still there
                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
                return True
            except Exception as exc:
                log.warning("scheduler: lost the leader connection (%s)", str(exc)[:200])
                self._close_conn()
        conn = self.db.engine.connect()
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            conn.commit()
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        log.info("scheduler: this process is the leader")
        return True

    def _file_held(self) -> bool:
        if self._file is not None:
            return True
        self.home.mkdir(parents=True, exist_ok=True)
        fh = open(self.home / "scheduler.lock", "a+")  # noqa: SIM115 - held while leading
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        self._file = fh
        log.info("scheduler: this process is the leader")
        return True
