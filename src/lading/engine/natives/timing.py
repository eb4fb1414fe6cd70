"""`delay` (spec §2.3 "Delay"). The wait itself is the executor's: the run is suspended for
`config.minutes` without holding a worker. What runs here is the step after the wait (and all of it
in `node execute`): it outputs nothing and continues to the only child."""

from __future__ import annotations

from ._result import NativeCall, NativeResult


async def run_delay(call: NativeCall) -> NativeResult:
    return NativeResult({}, 0)
