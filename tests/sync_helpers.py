"""What the sync tests share: a real `lading worker` left to finish a sync whose driver was killed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"


def worker_finishes(run_uuid: str, log_dir: Path, timeout: float = 90.0) -> Any:
    """Start `lading worker` on this test's embedded store and wait until the storage run `run_uuid`
    (a model's or a library's sync) is no longer running; returns the run. Nobody else asks for the
    sync: the worker's scheduler leader must find it by itself."""
    from lading.services.wiring import open_session
    from lading.store.repositories import storage_runs

    env = {k: v for k, v in os.environ.items() if k not in ("LADING_API_URL", "LADING_TOKEN")}
    env["PYTHONPATH"] = str(SRC)
    session = open_session()
    log = log_dir / "worker.log"
    deadline = time.monotonic() + timeout
    worker = subprocess.Popen([sys.executable, "-m", "lading", "worker", "--idle-exit", "2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        while True:
            with session.db.read() as conn:
                run = storage_runs.get_run(conn, session.workspace_uuid, run_uuid)
            if run.status != "running":
                return run
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(30)
