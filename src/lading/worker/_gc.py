"""Fewer garbage-collector passes while a worker runs.

Why: a worker keeps hundreds of runs in flight and allocates a few hundred objects per step
(requests, responses, execution rows, futures), so CPython's default young-generation threshold
(700 allocations) started a collection every few steps: ~13 % of a connector-heavy worker's CPU
(`bench/io.py`). Almost everything a step allocates is freed by reference counting anyway; the
collector is only there for cycles, which a larger threshold still collects, in fewer passes.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG_THRESHOLD = 20_000


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """Raise the young-generation threshold for the block; the previous thresholds come back after."""
    previous = gc.get_threshold()
    gc.set_threshold(max(previous[0], YOUNG_THRESHOLD), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
