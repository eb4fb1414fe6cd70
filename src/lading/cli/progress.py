"""Live progress of a waited-for batch on stderr (only when stderr is a terminal)."""

from __future__ import annotations

import sys
import time
from typing import Any


class BatchProgress:
    """done / failed / total, rate and ETA, redrawn in place."""

    def __init__(self, read: Any) -> None:
        self._read = read
        self._start = time.monotonic()
        self._enabled = sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None
        if self._enabled:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.completed}/{task.total}"), TextColumn("{task.fields[extra]}"),
                                      TimeRemainingColumn(), console=Console(stderr=True), transient=False)
            self._task = self._progress.add_task("batch", total=None, extra="")
            self._progress.start()

    def __call__(self) -> None:
        if not self._enabled:
            return
        batch = self._read()
        done, failed, total = batch["executedRunsCount"], batch["failedRunsCount"], batch["runsCount"]
        rate = done / max(0.001, time.monotonic() - self._start)
        self._progress.update(self._task, completed=done, total=total or None,
                              description=f"batch {batch['status']}",
                              extra=f"failed {failed} · {rate:,.0f} runs/s")

    def close(self) -> None:
        if self._enabled:
            self._progress.stop()
