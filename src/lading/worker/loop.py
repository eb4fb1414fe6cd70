"""The worker: an asyncio loop that leases due runs and drives them node by node.

Each claimed run is a task that executes one node at a time; every step's outcome goes to a
committer that writes all pending outcomes in one transaction (group commit), so state is
persisted after every node without paying one transaction per node. Leases are extended by a
heartbeat; a worker that dies stops heartbeating, its leases expire and another worker resumes
its runs from the last persisted node (at-least-once per node, never a lost run).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import uuid as uuidlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from lading.domain.run_state import ExecutionWrite, OpenExecution, RunState, StepOutcome
from lading.engine.executor import Executor, cursor_node, level_of
from lading.engine.graph import Graph, graph_for_release
from lading.engine.natives.catalog import NATIVE_ACTIONS, NativeAction
from lading.engine.ports import Ports
from lading.store.clock import utcnow
from lading.store.database import Database
from lading.store.repositories import batches as batch_repo
from lading.store.repositories import run_queue
from lading.worker._gc import collecting_less
from lading.worker.feeder import Feeder

log = logging.getLogger("lading.worker")

# A node whose worker died this many times while running it fails instead of crash-looping.
MAX_CRASH_RECOVERIES = 3
# Consecutive pure steps of a run (the catalog's `pure` natives: deterministic, no effect outside the
# run's own state) are chained: their executions and the run's new position are persisted in ONE
# transaction at the end of the chain. A crash mid-chain loses none of their effects (nothing of the
# chain was committed) and the chain re-runs from the last persisted node, so every execution is still
# recorded exactly once. Cancellation is honoured when the chain commits (a few microseconds later).
MAX_CHAIN = 64


def _native_action(node: dict[str, Any]) -> NativeAction | None:
    slug = node.get("actionSlug")
    return NATIVE_ACTIONS.get(slug) if node.get("kind") == "native" and isinstance(slug, str) else None


# Per node object of a cached release graph: (pure, slow), asked several times per step of every run.
_TRAITS: dict[int, tuple[dict[str, Any], bool, bool]] = {}


def _traits(node: dict[str, Any]) -> tuple[bool, bool]:
    cached = _TRAITS.get(id(node))
    if cached is not None and cached[0] is node:  # the entry keeps its node alive: ids are not reused
        return cached[1], cached[2]
    action = _native_action(node)
    pure = action is not None and action.pure
    slow = node.get("kind") in ("connector", "agent") or (action is not None and action.slow)
    if len(_TRAITS) > 20_000:
        _TRAITS.clear()
    _TRAITS[id(node)] = (node, pure, slow)
    return pure, slow


def _is_pure(node: dict[str, Any] | None) -> bool:
    return node is not None and _traits(node)[0]


def _is_slow(node: dict[str, Any] | None) -> bool:
    """Nodes that may take long: a "running" execution is persisted before they start, so a crash
    mid-node is visible and the node's re-run is counted."""
    return node is not None and _traits(node)[1]


def _running_marker(node: dict[str, Any], opened: OpenExecution | None, attempts: int) -> ExecutionWrite:
    """The `running` execution persisted before a slow node starts (new, or the open row reused)."""
    now = utcnow()
    kind = str(node.get("kind"))
    return ExecutionWrite(
        id=opened.id if opened else None, node_uuid=node["uuid"], node_slug=str(node.get("slug")), node_kind=kind,
        node_action_slug=node.get("actionSlug") if kind in ("native", "connector") else None, status="running",
        started_at=opened.started_at if opened else now, updated_at=now, attempts=attempts, keep_open=True)


@dataclass
class WorkerOptions:
    concurrency: int = 256
    claim_batch: int = 256
    lease_seconds: float = 30.0
    poll_interval: float = 0.5
    # Only runs of this tree (a waiting CLI drives its own run inline).
    root_run_uuid: str | None = None
    # Stop once nothing is active for this long (None = run forever).
    idle_exit_seconds: float | None = None
    stop_when: Callable[[], bool] | None = None
    # Feed only this batch (a waiting CLI); None = any batch.
    batch_uuid: str | None = None
    # While this returns True the worker never counts as idle (the on-demand worker stays up for the
    # scheduler while cron schedules exist).
    keep_alive: Callable[[], bool] | None = None
    # On a stop request, how long in-flight runs have to reach a node boundary before they are
    # abandoned (their leases released all the same); None waits for every one of them.
    stop_grace: float | None = None


@dataclass
class _Pending:
    outcome: StepOutcome
    future: asyncio.Future[tuple[bool, bool]]


@dataclass
class Worker:
    db: Database
    options: WorkerOptions = field(default_factory=WorkerOptions)
    ports: Ports | None = None
    owner: str = field(default_factory=lambda: f"{socket.gethostname()[:20]}:{os.getpid()}:{uuidlib.uuid4().hex[:8]}")

    def __post_init__(self) -> None:
        self._active: dict[str, asyncio.Task[None]] = {}
        self._queue: list[_Pending] = []
        self._wake_committer = asyncio.Event()
        # Set when a run task ends or a feed chunk is done: the main loop may claim or feed again.
        self._wake_loop = asyncio.Event()
        self._executor = Executor(self._group_results, self.ports)
        self._feeder = Feeder(self.db, self.owner, self.options.lease_seconds)
        self._feed_task: asyncio.Task[None] | None = None
        self._feed_stop = asyncio.Event()
        # The last feed attempt found a source to enumerate (the worker is not idle while feeding).
        self._feed_busy = True  # until a first feed attempt has found nothing to feed
        self._background: set[asyncio.Task[None]] = set()
        self._stopping = False
        # Set by a second interrupt: in-flight runs are abandoned without waiting for `stop_grace`.
        self._abandon = False
        # The signal that stopped a foreground worker (`interrupt`); None while none has.
        self.stopped_by: int | None = None
        self._commit_lock = asyncio.Lock()
        self._graphs: dict[str, Graph] = {}
        self.steps = 0
        # The heartbeat's own thread: long user-code steps (scripts) occupy the shared thread pool, and a
        # heartbeat queued behind them let this worker's leases lapse while it was still driving the runs.
        self._lease_thread: ThreadPoolExecutor | None = None  # made by `run`

    async def _group_results(self, parent_uuid: str, node_uuid: str) -> list[tuple[str, Any, str | None, float]]:
        return await asyncio.to_thread(run_queue.group_results, self.db, parent_uuid, node_uuid)

    # --- main loop ---------------------------------------------------------------------------

    def wake(self) -> None:
        """Look for work now rather than at the next poll (called on the worker's own loop; from
        another thread use `loop.call_soon_threadsafe(worker.wake)`)."""
        self._wake_loop.set()

    def request_stop(self) -> None:
        """Graceful stop (SIGTERM): claim nothing more; in-flight runs release their lease at the next
        node boundary so another worker resumes them at once."""
        if not self._stopping:
            log.info("stopping: releasing in-flight runs at their next node boundary")
        self._stopping = True

    def interrupt(self, signum: int) -> None:
        """A signal to a foreground worker (a waiting CLI's Ctrl-C): stop as `request_stop` does; a second
        one abandons in-flight runs at once. Only plain flags are set: this runs inside a signal handler,
        and the loop looks at them every `poll_interval`."""
        if self.stopped_by is None:
            self.stopped_by = signum
            self._stopping = True
        else:
            self._abandon = True

    async def run(self) -> None:
        self._lease_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lading-lease")
        committer = asyncio.create_task(self._committer())
        heartbeat = asyncio.create_task(self._heartbeat())
        idle_since = asyncio.get_running_loop().time()
        last_sweep = 0.0
        try:
            while True:
                if self._stopping or (self.options.stop_when and self.options.stop_when()):
                    break
                self._wake_loop.clear()  # cleared before looking, so no wake-up is missed
                loop_now = asyncio.get_running_loop().time()
                if loop_now - last_sweep > 5:
                    last_sweep = loop_now
                    await asyncio.to_thread(run_queue.sweep_stuck_parents, self.db, utcnow())
                    swept = await asyncio.to_thread(batch_repo.sweep_complete, self.db, utcnow())
                    self._announce(swept)
                if self._feed_task is None:
                    self._feed_task = asyncio.create_task(self._feed_loop())
                free = self.options.concurrency - len(self._active)
                claimed: list[RunState] = []
                if free > 0:
                    claimed = await asyncio.to_thread(
                        run_queue.claim_runs, self.db, self.owner, min(free, self.options.claim_batch),
                        self.options.lease_seconds, utcnow(), self.options.root_run_uuid)
                # A run this worker still drives is never driven twice (its lease can only have been
                # renewed by the claim; a second drive would take the step in flight for a crash).
                claimed = [state for state in claimed if state.uuid not in self._active]
                if claimed:
                    await self._load_graphs(claimed)
                    for state in claimed:
                        self._active[state.uuid] = asyncio.create_task(self._drive(state))
                    idle_since = loop_now
                    if len(claimed) >= min(free, self.options.claim_batch):
                        await asyncio.sleep(0)
                        continue
                if self._active:
                    idle_since = loop_now
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake_loop.wait(), self.options.poll_interval)
                    await asyncio.sleep(0.002)  # let a few more runs finish: one claim for all of them
                    continue
                active, due = await asyncio.to_thread(run_queue.next_due_time, self.db, self.options.root_run_uuid)
                if self._feed_busy or (self.options.keep_alive is not None and self.options.keep_alive()):
                    active += 1
                if active:
                    idle_since = loop_now
                if (self.options.idle_exit_seconds is not None and not active
                        and loop_now - idle_since >= self.options.idle_exit_seconds):
                    # Stop feeding, then look once more: a last feed attempt may have created runs.
                    self._feed_stop.set()
                    if self._feed_task is not None:
                        await asyncio.gather(self._feed_task, return_exceptions=True)
                    # A batch created since the loop's last attempt is fed now rather than left waiting.
                    fed = await asyncio.to_thread(self._feeder.feed_once, self.options.batch_uuid)
                    active, _due = await asyncio.to_thread(run_queue.next_due_time, self.db,
                                                           self.options.root_run_uuid)
                    if active or fed:
                        self._feed_stop.clear()
                        self._feed_task = None
                        idle_since = loop_now
                        continue
                    # Leave nothing half-finished: complete batches and wake group parents first.
                    await asyncio.to_thread(run_queue.sweep_stuck_parents, self.db, utcnow())
                    self._announce(await asyncio.to_thread(batch_repo.sweep_complete, self.db, utcnow()))
                    break
                if self.options.stop_when and self.options.stop_when():
                    break
                wait = self.options.poll_interval
                if due is not None:
                    wait = max(0.01, min(wait, (due - utcnow()).total_seconds() + 0.01))
                # Idle: sleep until the next poll, or until `wake` says work was just created.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake_loop.wait(), wait)
        finally:
            self._feed_stop.set()
            if self._feed_task is not None:
                await asyncio.gather(self._feed_task, return_exceptions=True)
            if self._active:
                if self._stopping and self.options.stop_grace is not None:
                    await self._abandon_after(self.options.stop_grace)
                await asyncio.gather(*self._active.values(), return_exceptions=True)
            if self._background:
                await asyncio.gather(*self._background, return_exceptions=True)
            async with self._commit_lock:  # a commit in flight lands before the leases are given up
                committer.cancel()
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await committer
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
            self._lease_thread.shutdown(wait=False)
            self._lease_thread = None
            if self._stopping:
                # Whatever this worker still holds (abandoned runs, a batch's feed) is free for another
                # worker now, not when the lease would have expired.
                released = await asyncio.to_thread(run_queue.release_leases, self.db, self.owner)
                if released:
                    log.info("released %d runs for other workers", released)

    async def _abandon_after(self, grace: float) -> None:
        """Give in-flight runs `grace` seconds to reach a node boundary (where they release their lease
        themselves), then cancel the rest: their uncommitted step is redone by the next worker, as after
        a crash (a slow node's `running` marker counts the re-run)."""
        deadline = asyncio.get_running_loop().time() + grace
        while self._active and not self._abandon and asyncio.get_running_loop().time() < deadline:
            await asyncio.wait(list(self._active.values()), timeout=0.05)
        for task in list(self._active.values()):
            task.cancel()

    async def _feed_loop(self) -> None:
        """Feed chunk after chunk, with no gap, while a batch source has rows (in a thread, beside
        the runs); when there is nothing to feed, look again every 0.5 s. A chunk in flight is
        always finished (it commits atomically) before the worker stops."""
        while not self._feed_stop.is_set():
            self._feed_busy = True  # an attempt in flight may be creating runs: the worker is not idle
            try:
                fed = await asyncio.to_thread(self._feeder.feed_once, self.options.batch_uuid)
            except Exception as exc:
                log.error("feeding a batch failed: %s", str(exc)[:500])
                fed = False
            self._feed_busy = bool(fed)
            self._wake_loop.set()
            if not fed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._feed_stop.wait(), 0.5)

    def _announce(self, batch_uuids: list[str]) -> None:
        if batch_uuids and self.ports is not None:
            task = asyncio.create_task(self.ports.batches_finished(list(batch_uuids)))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _load_graphs(self, states: list[RunState]) -> None:
        missing = sorted({s.release_uuid for s in states if s.release_uuid not in self._graphs})
        if missing:
            found = await asyncio.to_thread(run_queue.load_release_nodes, self.db, missing)
            for release_uuid, nodes in found.items():
                self._graphs[release_uuid] = graph_for_release(release_uuid, nodes)

    # --- one run -----------------------------------------------------------------------------

    async def _drive(self, run: RunState) -> None:
        try:
            graph = self._graphs.get(run.release_uuid)
            if graph is None:
                await self._submit(StepOutcome(run, None, status="error", release_lease=True,
                                               error_message=f"release {run.release_uuid} not found"))
                return
            if run.status == "cancelling":
                await self._finalize_cancel(run)
                return
            recovered = run.open_execution is not None and run.open_execution.recovered
            if recovered and not await self._resume_interrupted(run, graph):
                return
            chained: list[ExecutionWrite] = []
            while True:
                if self._stopping:
                    await self._submit(StepOutcome(run, None, status="running", next_node_uuid=run.cursor_node_uuid,
                                                   release_lease=True, earlier=chained))
                    return
                node = cursor_node(run, graph)
                opened = run.open_execution
                if node is not None and _is_slow(node) and (opened is None or opened.status == "idle"):
                    marker = _running_marker(node, opened, run.cursor_attempt + 1)
                    run.cursor_node_uuid = node["uuid"]
                    # Pure steps chained up to this node land in the marker's transaction.
                    ok, cancel = await self._submit(StepOutcome(run, marker, status="running",
                                                                next_node_uuid=node["uuid"], earlier=chained))
                    chained = []
                    if not ok:
                        return
                    if cancel:
                        await self._finalize_cancel(run)
                        return
                    assert marker.id is not None
                    run.open_execution = OpenExecution(marker.id, "running", marker.attempts, marker.started_at)
                outcome = await self._executor.step(run, graph)
                self.steps += 1
                if self._chainable(outcome, node, chained, graph, run):
                    assert outcome.execution is not None
                    chained.append(outcome.execution)
                    run.cursor_node_uuid = outcome.next_node_uuid
                    run.open_execution = None
                    continue
                # Spans the step made inside its node (a waterfall's attempts) follow the chained steps.
                outcome.earlier, chained = [*chained, *outcome.earlier], []
                ok, cancel = await self._submit(outcome)
                if not ok or outcome.terminal:
                    return
                if cancel:
                    # Also when the step parked the run (a delay, a child batch): a cancel that raced the
                    # commit must not wait for the park to end.
                    await self._finalize_cancel(run)
                    return
                if outcome.release_lease:
                    return
                run.cursor_node_uuid = outcome.next_node_uuid
                run.open_execution = None
        except Exception as exc:  # keep the worker alive; the lease expires and another attempt follows
            log.error("run %s failed inside the worker: %s", run.uuid, str(exc)[:500])
        finally:
            self._active.pop(run.uuid, None)
            self._wake_loop.set()

    def _chainable(self, outcome: StepOutcome, node: dict[str, Any] | None, chained: list[ExecutionWrite],
                   graph: Graph, run: RunState) -> bool:
        """A pure step whose run goes on, under its lease, to another pure node (see `MAX_CHAIN`), or to
        a slow one: its executions are then committed with that node's `running` marker.

        A slow node's result is never chained: its commit is where a cancel requested while it ran is
        honoured, before the run moves on."""
        execution = outcome.execution
        if (self._stopping or not _is_pure(node) or outcome.status != "running" or outcome.release_lease
                or execution is None or execution.keep_open or execution.id is not None
                or outcome.child_batch is not None or outcome.available_at is not None
                or len(chained) >= MAX_CHAIN):
            return False
        level = level_of(run, graph)
        following = level.node(outcome.next_node_uuid or "") if level is not None else None
        return _is_pure(following) or _is_slow(following)

    async def _resume_interrupted(self, run: RunState, graph: Graph) -> bool:
        """The node was in flight when its worker died: count the re-run, or give up after a few."""
        opened = run.open_execution
        assert opened is not None
        if opened.attempts >= MAX_CRASH_RECOVERIES:
            message = f"the worker stopped while running this node {opened.attempts} times; giving up"
            await self._submit(self._executor.give_up(run, graph, message))
            return False
        node = cursor_node(run, graph)
        if node is None:
            return True
        run.cursor_attempt = opened.attempts
        marker = _running_marker(node, opened, opened.attempts + 1)
        ok, cancel = await self._submit(StepOutcome(run, marker, status="running", next_node_uuid=node["uuid"]))
        if cancel:
            await self._finalize_cancel(run)
            return False
        opened.attempts += 1
        opened.recovered = False
        return ok

    async def _finalize_cancel(self, run: RunState) -> None:
        await asyncio.to_thread(run_queue.finalize_cancelled, self.db, self.owner, [run.uuid], utcnow())

    async def _submit(self, outcome: StepOutcome) -> tuple[bool, bool]:
        future: asyncio.Future[tuple[bool, bool]] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(outcome, future))
        self._wake_committer.set()
        return await future

    async def _committer(self) -> None:
        while True:
            await self._wake_committer.wait()
            self._wake_committer.clear()
            await asyncio.sleep(0)  # let other runs' steps join this commit
            batch, self._queue = self._queue, []
            if not batch:
                continue
            try:
                async with self._commit_lock:
                    result = await asyncio.to_thread(run_queue.commit_outcomes, self.db, self.owner,
                                                     [p.outcome for p in batch], utcnow())
            except Exception as exc:
                log.error("commit of %d outcomes failed: %s", len(batch), str(exc)[:500])
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(exc)
                continue
            for p in batch:
                uuid = p.outcome.run.uuid
                if not p.future.done():
                    p.future.set_result((uuid not in result.lost, uuid in result.cancelling))
            self._announce(result.finished_batches)

    async def _heartbeat(self) -> None:
        interval = max(0.2, self.options.lease_seconds / 3)
        while True:
            await asyncio.sleep(interval)
            uuids = list(self._active)
            if uuids:
                try:
                    await asyncio.get_running_loop().run_in_executor(
                        self._lease_thread, run_queue.extend_leases, self.db, self.owner, uuids,
                        self.options.lease_seconds, utcnow())
                except Exception:
                    log.exception("heartbeat failed")


def run_worker(db: Database, options: WorkerOptions, ports: Ports | None = None,
               handle_signals: bool = False, signalled: threading.Event | None = None) -> int:
    """Run a worker to completion in this thread; returns the number of node steps executed.

    With `handle_signals`, SIGTERM and SIGINT stop it gracefully (`Worker.request_stop`) and set
    `signalled`, so the caller can tell a requested stop from an idle exit."""
    async def main() -> int:
        worker = Worker(db, options, ports=ports)
        if handle_signals:
            import signal

            def stop() -> None:
                if signalled is not None:
                    signalled.set()
                worker.request_stop()

            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop)
        await worker.run()
        return worker.steps

    with collecting_less():
        return asyncio.run(main())


def run_until_interrupted(db: Database, options: WorkerOptions, ports: Ports | None,
                          signals: tuple[int, ...]) -> int | None:
    """`run_worker` for a caller waiting in the foreground (a CLI with `--wait-until-finished`).

    The first of `signals` stops the worker: in-flight runs get `options.stop_grace` seconds to reach a
    node boundary (a second signal abandons them at once), then every lease it holds is released so
    another worker takes over at once. Returns that signal, or None when the worker ended on its own.
    Outside the main thread (where signals cannot be handled) it is `run_worker`, returning None."""
    import signal
    import threading

    holder: dict[str, Any] = {}

    def on_signal(signum: int, _frame: object) -> None:
        worker = holder.get("worker")
        if worker is None:
            holder["early"] = signum
        else:
            worker.interrupt(signum)

    async def main() -> int | None:
        loop = asyncio.get_running_loop()
        threads = ThreadPoolExecutor(thread_name_prefix="lading-step")
        loop.set_default_executor(threads)
        worker = Worker(db, options, ports=ports)
        holder["worker"] = worker
        if "early" in holder:
            worker.interrupt(holder["early"])
        try:
            await worker.run()
        finally:
            if worker.stopped_by is not None:
                # An abandoned step may still be running in a thread (a long script): the loop must not
                # wait for it before the caller can say where its work went.
                loop.set_default_executor(ThreadPoolExecutor(max_workers=1))
                threads.shutdown(wait=False, cancel_futures=True)
        return worker.stopped_by

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in signals:
            previous[sig] = signal.signal(sig, on_signal)
    try:
        with collecting_less():
            return asyncio.run(main())
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


__all__ = ["Worker", "WorkerOptions", "run_until_interrupted", "run_worker"]
