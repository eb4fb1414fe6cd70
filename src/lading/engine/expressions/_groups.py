"""Config evaluations of many runs in one V8 round trip (the worker's batch path).

Why: one round trip to a sandbox host costs far more than the expressions it carries (pipe
frames, the host's thread hops, a V8 entry), and a batch step makes hundreds of them at the same
moment, each blocking the worker's loop. Here a run's step plans its config (`ExpressionEvaluator.plan`,
plain paths resolved in Python), queues the payload and awaits; everything queued during one
turn of the event loop leaves in one request, sent from a thread so the loop goes on (commits,
claims) meanwhile. While `MAX_IN_FLIGHT` requests are out, new payloads wait and leave together.

Isolation is the single call's: each payload is parsed into its own objects in the host, one
config's thrown error answers that config only, and a group that hits the time or memory limit
or crashes its host is retried payload by payload, so only the config that caused it fails.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import orjson

from lading.engine.expressions._errors import ExpressionError
from lading.engine.expressions._evaluator import ConfigPlan, ExpressionEvaluator, _scrub
from lading.engine.expressions._v8 import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_S, V8Runtime

MAX_GROUP = 1024  # payloads per request
MAX_GROUP_BYTES = 4 * 1024 * 1024  # JSON text per request
MAX_IN_FLIGHT = 2  # requests out at once (each holds one host)


class _Waiting:
    __slots__ = ("dates", "future", "payload", "plan")

    def __init__(self, plan: ConfigPlan, payload: str, dates: bool, future: asyncio.Future[Any]) -> None:
        self.plan, self.payload, self.dates, self.future = plan, payload, dates, future


class ExpressionGroups:
    """Evaluates configs for the runs of one event loop, grouping their V8 round trips."""

    def __init__(self, *, timeout_s: float = DEFAULT_TIMEOUT_S, memory_bytes: int = DEFAULT_MEMORY_BYTES) -> None:
        self._evaluator = ExpressionEvaluator(timeout_s=timeout_s, memory_bytes=memory_bytes)
        self._runtime = V8Runtime(timeout_s=timeout_s, memory_bytes=memory_bytes)
        self._waiting: list[_Waiting] = []
        self._in_flight = 0
        self._scheduled = False
        self.requests = 0  # round trips made (tests and benchmarks read it)

    async def compute_config(self, config: Any, scope: dict[str, Any], *,
                             skip_keys: frozenset[str] = frozenset(),
                             variables: dict[str, Any] | None = None) -> Any:
        """`ExpressionEvaluator.compute_config`, with the V8 part shared with other runs' configs."""
        plan = self._evaluator.plan(config, scope, skip_keys=skip_keys, variables=variables)
        if not plan.needs_v8:
            return plan.finish(None)
        payload, dates = plan.payload()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._waiting.append(_Waiting(plan, payload, dates, future))
        if not self._scheduled and self._in_flight < MAX_IN_FLIGHT:
            self._scheduled = True
            loop.call_soon(self._send)
        return await future

    def _send(self) -> None:
        """Start requests for what is waiting (called on the loop, at most `MAX_IN_FLIGHT` out)."""
        self._scheduled = False
        while self._waiting and self._in_flight < MAX_IN_FLIGHT:
            group = self._take()
            self._in_flight += 1
            task = asyncio.get_running_loop().create_task(self._request(group))
            task.add_done_callback(self._sent)

    def _take(self) -> list[_Waiting]:
        """The next group: up to `MAX_GROUP` payloads and `MAX_GROUP_BYTES`, all with or all
        without dates (the host revives dates per request)."""
        dates = self._waiting[0].dates
        group: list[_Waiting] = []
        rest: list[_Waiting] = []
        size = 0
        for item in self._waiting:
            fits = not group or size + len(item.payload) <= MAX_GROUP_BYTES
            if item.dates == dates and len(group) < MAX_GROUP and fits:
                group.append(item)
                size += len(item.payload)
            else:
                rest.append(item)
        self._waiting = rest
        return group

    def _sent(self, _task: asyncio.Task[None]) -> None:
        self._in_flight -= 1
        if self._waiting and not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._send)

    async def _request(self, group: list[_Waiting]) -> None:
        try:
            results = await asyncio.to_thread(self._answer, group)
        except BaseException as exc:  # the loop is closing, or a bug: no run waits for ever
            for item in group:
                if not item.future.done():
                    item.future.set_exception(exc if isinstance(exc, Exception) else ExpressionError(str(exc)))
            if not isinstance(exc, Exception):
                raise
            return
        for item, (ok, value) in zip(group, results, strict=True):
            if item.future.done():
                continue
            if ok:
                item.future.set_result(value)
            else:
                item.future.set_exception(value)

    def _answer(self, group: list[_Waiting]) -> list[tuple[bool, Any]]:
        """Per payload (in a thread): (True, computed config) or (False, the exception to raise)."""
        from lading.engine.v8 import V8Error

        self.requests += 1
        if len(group) == 1:
            return [self._alone(group[0])]
        try:
            text = self._runtime.call_group([item.payload for item in group], group[0].dates)
        except V8Error:
            # A limit or a crash: whose code caused it is unknown, so each config runs alone.
            return [self._alone(item) for item in group]
        return [_settle(item.plan, entry) for item, entry in zip(group, _loads(text), strict=True)]

    def _alone(self, item: _Waiting) -> tuple[bool, Any]:
        try:
            return True, item.plan.finish(self._runtime.call(item.payload, item.dates))
        except Exception as exc:
            return False, exc


def _settle(plan: ConfigPlan, entry: list[Any]) -> tuple[bool, Any]:
    try:
        if entry[0] == 0:
            return True, plan.finish_results(entry[1])
        plan.fail(int(entry[1]), str(entry[2]))
    except Exception as exc:
        return False, exc
    raise AssertionError("unreachable")


def _loads(text: str) -> list[Any]:
    """The group's JSON answer (a lone UTF-16 surrogate becomes U+FFFD, as for one payload)."""
    try:
        return list(orjson.loads(text))
    except orjson.JSONDecodeError:
        return list(_scrub(json.loads(text)))
