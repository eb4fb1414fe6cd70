"""Connector I/O throughput: many slow HTTP calls in flight at once.

Why: connector nodes spend their time waiting on providers, so a worker must keep hundreds of
requests in flight. A local server answers every request after 200 ms (a slow provider); the
ideal wall time of N calls at concurrency C is N × 0.2 s ÷ C, and the ratio to it measures what
the engine's I/O path costs on top of the waiting.

1. `call_action` directly: 10,000 `http.request` calls at concurrency 500.
2. The real engine path: 10,000 ad-hoc runs (start → http connector → end) in a fresh embedded
   store, executed by `run_worker(concurrency=500)` with `ServicePorts`, after one untimed run
   (as part 1 makes one untimed call: start-up imports are not I/O; `--no-warm-up` times them).

Each part also prints the CPU time of this process (the server runs in its own), a figure that
varies less than wall time on a shared machine.

The http integration's own rate limit (50 requests/s, 32 at once per worker) would measure the
limit, not the engine, so both parts use a copy limited to 100,000 requests/s and 500 at once
(part 2 swaps it into the in-process integration registry).

    .venv/bin/python bench/io.py [--calls 10000] [--concurrency 500] [--runs 10000]
                                 [--skip-engine] [--skip-direct] [--no-warm-up]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lading.integrations._sdk import Integration

DELAY_S = 0.2
TARGET_RATIO = 2.0

if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)  # this file is `io.py`: keep its folder off the import path


# -- the slow server (its own process, so its work does not compete with the engine's) -----------


_BODY = b'{"ok":true}'
_RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
             + str(len(_BODY)).encode() + b"\r\n\r\n" + _BODY)


class _SlowProvider(asyncio.Protocol):
    """HTTP/1.1 keep-alive: each request (head, Content-Length body) is answered DELAY_S after it
    arrived. A protocol with one timer per request rather than a task per connection: the server
    shares the machine's cores with the engine, so it should cost as little CPU as it can."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = bytearray()
        self.loop = asyncio.get_running_loop()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            length = 0
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                length = int(head[at + 17:].split(b"\r\n", 1)[0].strip() or 0)
            if len(self.buffer) < end + 4 + length:
                return
            del self.buffer[:end + 4 + length]
            self.loop.call_later(DELAY_S, self._answer, b"connection: close" in head)

    def _answer(self, close: bool) -> None:
        if not self.transport.is_closing():
            self.transport.write(_RESPONSE)
            if close:
                self.transport.close()


def _serve(port_out: multiprocessing.connection.Connection) -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_SlowProvider, "127.0.0.1", 0, backlog=4096)
        port_out.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def start_server() -> tuple[str, multiprocessing.Process]:
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.Process(target=_serve, args=(send,), daemon=True)
    process.start()
    port = receive.recv()
    return f"http://127.0.0.1:{port}", process


# -- part 1: call_action directly ----------------------------------------------------------------


def fast_http_integration() -> Integration:
    """The http integration with a rate limit that cannot throttle this benchmark."""
    import dataclasses

    from lading.integrations._sdk import RateLimit
    from lading.integrations.http import INTEGRATION

    return dataclasses.replace(INTEGRATION, rate_limit=RateLimit(requests_per_second=100_000, max_concurrency=500))


async def direct_calls(server_url: str, calls: int, concurrency: int) -> tuple[float, int]:
    from lading.integrations._runtime import call_action

    integration = fast_http_integration()
    action = integration.action("request")
    semaphore = asyncio.Semaphore(concurrency)
    failures = 0

    async def one() -> None:
        nonlocal failures
        async with semaphore:
            try:
                result, _, _ = await call_action(integration, action, {"method": "GET", "url": "/x"},
                                                 {"baseUrl": server_url}, None)
                if result.output["status"] != 200:
                    failures += 1
            except Exception:  # counted, not fatal: the figure says how many failed
                failures += 1

    await one()  # warm-up: client, connection, schema validator imports
    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(calls)))
    return time.perf_counter() - started, failures


# -- part 2: the engine ---------------------------------------------------------------------------


def engine_graph(server_url: str) -> list[dict]:
    s, c, e = (str(uuid.uuid4()) for _ in range(3))

    def node(uid: str, slug: str, kind: str, action: str, config: dict, children: list, **extra: str) -> dict:
        return {"uuid": uid, "slug": slug, "kind": kind, "actionSlug": action, "config": config,
                "childrenUuids": children, "fallbackOnFailure": False, "position": {"x": 0, "y": 0}, **extra}

    return [
        node(s, "start", "native", "start", {}, [c]),
        node(c, "fetch", "connector", "request", {"method": "GET", "url": f"{server_url}/x?n={{{{nodes.start.n}}}}"},
             [e], integrationSlug="http"),
        node(e, "end", "native", "end",
             {"variables": [{"name": "status", "type": "number", "value": "{{nodes.fetch.status}}"}]}, []),
    ]


def engine_runs(server_url: str, runs: int, concurrency: int, warm: bool = True) -> tuple[float, int, dict, float]:
    os.environ["LADING_HOME"] = tempfile.mkdtemp(prefix="lading-bench-io-")
    os.environ.pop("LADING_DATABASE_URL", None)

    from sqlalchemy import func, select

    from lading.integrations._registry import all_integrations
    from lading.services.orchestration.runs import new_run_row
    from lading.services.wiring import open_session
    from lading.store.clock import utcnow
    from lading.store.repositories import runs as runs_repo
    from lading.store.repositories import workflows as wf_repo
    from lading.store.schema import runs as runs_table
    from lading.worker.adapters import ServicePorts
    from lading.worker.loop import WorkerOptions, run_worker

    all_integrations()["http"] = fast_http_integration()  # the unthrottled copy, this process only
    sess = open_session()
    release_uuid = str(uuid.uuid4())
    now = utcnow()

    def add_runs(first: int, count: int) -> None:
        with sess.db.write() as conn:
            runs_repo.insert_runs(conn, [
                new_run_row(sess.workspace_uuid, run_uuid, None, release_uuid, {"n": i}, run_uuid, "{}", now)
                for i in range(first, first + count) for run_uuid in [str(uuid.uuid4())]])

    def drive() -> int:
        return run_worker(sess.db, WorkerOptions(concurrency=concurrency, claim_batch=concurrency,
                                                 idle_exit_seconds=0.0), ServicePorts(sess.db))

    with sess.db.write() as conn:
        wf_repo.insert_release(conn, sess.workspace_uuid, {
            "uuid": release_uuid, "workflow_uuid": None, "user_uuid": sess.user_uuid, "version": None,
            "description": "bench io", "status": "adhoc", "form_fields": None, "nodes": engine_graph(server_url),
            "created_at": now, "updated_at": now})
    warm_up = 0
    if warm:
        # One run first, untimed, as part 1 makes one call first: the modules a worker imports on its
        # first steps, the expression runtime and the schema validators are then ready.
        warm_up = 1
        add_runs(0, warm_up)
        drive()
    add_runs(warm_up, runs)
    cpu = time.process_time()
    started = time.perf_counter()
    steps = drive()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    with sess.db.read() as conn:
        statuses = dict(conn.execute(select(runs_table.c.status, func.count()).group_by(runs_table.c.status)).all())
    return elapsed, steps, statuses, cpu


def report(label: str, count: int, elapsed: float, concurrency: int) -> float:
    ideal = max(count * DELAY_S / concurrency, DELAY_S)
    ratio = elapsed / ideal
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"{label}")
    print(f"  wall time:            {elapsed:.2f}s (ideal {ideal:.2f}s = {count} × {DELAY_S}s ÷ {concurrency})")
    print(f"  executions/s:         {count / elapsed:,.0f}")
    print(f"  ratio to ideal:       {ratio:.2f}× — {verdict} the {TARGET_RATIO}× target")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--skip-direct", action="store_true")
    parser.add_argument("--no-warm-up", action="store_true", help="time the engine's first run too")
    args = parser.parse_args()

    server_url, server = start_server()
    print(f"server:                 {server_url}, every answer after {DELAY_S * 1000:.0f} ms (separate process)")
    print("rate limit:             http integration copy with RateLimit(requests_per_second=100000, "
          "max_concurrency=500) — the shipped one (50/s, 32 at once) would throttle this benchmark")
    ratios = []
    try:
        failures = 0
        if not args.skip_direct:
            cpu = time.process_time()
            elapsed, failures = asyncio.run(direct_calls(server_url, args.calls, args.concurrency))
            ratios.append(report(f"call_action(http.request) × {args.calls}, concurrency {args.concurrency}"
                                 f" ({failures} failed)", args.calls, elapsed, args.concurrency))
            print(f"  CPU of this process:  {time.process_time() - cpu:.2f}s")
        if not args.skip_engine:
            elapsed, steps, statuses, cpu = engine_runs(server_url, args.runs, args.concurrency, not args.no_warm_up)
            report(f"engine: {args.runs} runs start → http → end, run_worker(concurrency={args.concurrency})",
                   args.runs, elapsed, args.concurrency)
            print(f"  node executions/s:    {steps / elapsed:,.0f} ({steps} executions); statuses {statuses}")
            print(f"  CPU of this process:  {cpu:.2f}s (the server's is not counted)")
    finally:
        server.terminate()
        server.join(5)
    if failures:
        sys.exit(f"{failures} calls failed")


if __name__ == "__main__":
    main()
