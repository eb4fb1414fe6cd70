"""Single-request speed of `lading serve`: a run created through the API and polled to its end.

Starts a real `lading serve` on 127.0.0.1 (embedded SQLite, or PostgreSQL with `--database-url`),
mints a token the way an operator does, then measures two rows at each concurrency (default 1 and 16):

- run create + wait: `POST /v1/orchestration/runs` with the small native graph of
  `five_node_graph.json` and one record, then `GET /v1/orchestration/runs/<uuid>` until terminal;
- action execute + wait: `POST /v1/orchestration/actions/execute` (a native `variables` action),
  then the same polling (what `orchestration action execute --wait` does in remote mode).

With `--rows ingest,segment` (in the default set) two data rows follow, each a median of `--rounds`
(≥ 3) rounds:

- ingest: `--ingest-records` records (default 100,000) pushed through
  `POST /v1/models/<uuid>/records/ingest?token=…` in batches of 1,000 (data spec §4.2; upsert by the
  model's id column), each round into a fresh model; records/s and per-batch p50 / p95. A second row
  re-sends the last round's batches (every record unchanged: what a sender's retry costs);
- segment fetch: `POST /v1/segmentation/segments/fetch` (api.md §4) on the ingested model, a number
  filter and a sort, a page of 100; p50 / p95 latency and fetches/s. When the server does not offer
  that route (404 `routeNotFound`), the row says so and is skipped.

Polling backs off as a real client would: the first poll `--first-poll` seconds after the create
answers, each later gap doubled up to `--max-poll` (the remote CLI starts at 20 ms and doubles).
Prints p50 / p95 latency, completed runs per second, polls per run and the CPU time the server and
this client spent per run (the client shares the machine's cores with the server), with the ratios
to the targets (p50 ≤ 15 ms at concurrency 1, ≥ 300 runs/s at 16) and to n8n's webhook path on this
machine (~18 ms p50, ~35–60 executions/s).

The load generator is a minimal keep-alive HTTP/1.1 client on asyncio streams (`--client raw`, the
default), so the client's own CPU leaves most of the machine to the server; `--client httpx` uses
httpx instead (about 1 ms more CPU per request, taken from the same cores).

    .venv/bin/python bench/api.py [--requests 300] [--concurrency 1,16] [--database-url postgresql://…]
        [--server-workers 2] [--client raw|httpx] [--first-poll 0.002] [--max-poll 0.05]
        [--rows run,action,ingest,segment] [--rounds 3] [--ingest-records 100000] [--fetches 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

GRAPH = json.loads(Path(__file__).with_name("five_node_graph.json").read_text())
ACTION = {"kind": "native", "actionSlug": "variables", "config": {}}
TERMINAL = {"success", "error", "cancelled", "skipped"}
REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str | None,
                 workers: int) -> tuple[subprocess.Popen[bytes], str, str, Path, dict[str, str]]:
    import httpx

    home = Path(tempfile.mkdtemp(prefix="lading-api-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LADING_")}
    env.update({"LADING_HOME": str(home), "PYTHONPATH": str(REPO / "src"), "LADING_WORKSPACE_NAME": "bench"})
    if database_url:
        env["LADING_DATABASE_URL"] = database_url
        env["LADING_WORKSPACE_NAME"] = f"bench-{os.getpid()}-{time.time_ns()}"
    token = json.loads(subprocess.run([sys.executable, "-m", "lading", "workspaceManagement", "token", "create",
                                       "--name", "bench"], env=env, capture_output=True, check=True).stdout)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, "-m", "lading", "serve", "--port", str(port), "--workers",
                                str(workers)], env={**env, "LADING_API_URL": url},
                               stdout=subprocess.DEVNULL, stderr=(home / "serve.log").open("ab"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return process, url, token["token"]["token"], home, env


def lading(env: dict[str, str], *args: str) -> Any:
    """`lading <args>` embedded on the server's store, as the operator (the bench workspace)."""
    done = subprocess.run([sys.executable, "-m", "lading", *args], env=env, capture_output=True, check=True)
    return json.loads(done.stdout)


class RawConnection:
    """One keep-alive HTTP/1.1 connection: JSON in, JSON out, nothing else (a load generator, not a
    client library: the server always answers with a Content-Length)."""

    def __init__(self, url: str, token: str) -> None:
        host, _, port = url.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port)
        self.head = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        payload = b"" if body is None else orjson.dumps(body)
        extra = f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n" if body is not None else ""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}{extra}\r\n".encode() + payload)
        status_line, *lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
        answer = orjson.loads(await self.reader.readexactly(length))
        if status >= 400:
            raise RuntimeError(f"{method} {path} → {status}: {answer}")
        return answer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class HttpxConnection:
    """The same interface over an httpx client (shared pool)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        answer = await self.client.request(method, path, json=body)
        answer.raise_for_status()
        return answer.json()

    async def close(self) -> None:
        pass


def create_run(index: int) -> tuple[str, dict[str, Any]]:
    return "/v1/orchestration/runs", {"nodes": GRAPH, "data": {"employees": index % 1000}}


def execute_action(index: int) -> tuple[str, dict[str, Any]]:
    return "/v1/orchestration/actions/execute", {
        "action": ACTION, "data": {"variables": [{"name": "x", "type": "number", "value": index}]}}


class Lane:
    """One client doing create-and-wait after create-and-wait."""

    def __init__(self, connection: Any, first_poll: float, max_poll: float) -> None:
        self.connection = connection
        self.first_poll, self.max_poll = first_poll, max_poll
        self.polls = 0

    async def one(self, create: Callable[[int], tuple[str, dict[str, Any]]], index: int) -> float:
        started = time.perf_counter()
        path, body = create(index)
        uuid = (await self.connection.request("POST", path, body))["run"]["uuid"]
        pause = self.first_poll
        while True:
            await asyncio.sleep(pause)
            self.polls += 1
            if (await self.connection.request("GET", f"/v1/orchestration/runs/{uuid}"))["run"]["status"] in TERMINAL:
                return time.perf_counter() - started
            pause = min(pause * 2, self.max_poll)


# --- data rows: ingest and segment fetch ---------------------------------------------------------------

INGEST_BATCH = 1000
COUNTRIES = ("US", "FR", "DE", "GB", "JP")
FETCH_FILTER = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
    {"kind": "number", "columnSlug": "n", "operator": "greaterThan", "value": 0}]}]}


def ingest_model(env: dict[str, str], slug: str) -> str:
    """A native model keyed by `key` (what the pushes upsert by)."""
    dataset = lading(env, "storage", "dataset", "list")["datasets"][0]["uuid"]
    columns = [{"slug": "key", "type": "string"}, {"slug": "n", "type": "number"},
               {"slug": "country", "type": "string"}]
    return str(lading(env, "storage", "model", "create", "--slug", slug, "--name", slug, "--dataset-uuid", dataset,
                      "--id-column-slug", "key", "--columns", json.dumps(columns))["model"]["uuid"])


def ingest_batches(total: int) -> list[list[dict[str, Any]]]:
    return [[{"key": f"k{i:07d}", "n": i, "country": COUNTRIES[i % len(COUNTRIES)]}
             for i in range(start, min(start + INGEST_BATCH, total))] for start in range(0, total, INGEST_BATCH)]


def latency_figures(latencies: list[float]) -> dict[str, float]:
    """p50 / p95 of request latencies (seconds) in milliseconds."""
    ordered = sorted(latencies)
    return {"p50_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000}


async def timed_requests(url: str, token: str, concurrency: int, requests: list[tuple[str, Any]],
                         check: Callable[[Any], None]) -> tuple[list[float], float]:
    """Each `(path, body)` POSTed once over `concurrency` keep-alive connections: the latencies and
    the wall time of the whole set. `check` asserts on each answer."""
    connections = [RawConnection(url, token) for _ in range(concurrency)]
    queue = list(reversed(requests))
    latencies: list[float] = []

    async def drive(connection: RawConnection) -> None:
        while queue:
            path, body = queue.pop()
            started = time.perf_counter()
            check(await connection.request("POST", path, body))
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(drive(c) for c in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        await connection.close()
    return latencies, elapsed


def _ingested(answer: Any) -> None:
    assert answer == {"message": "OK"}, answer


def _fetched(answer: Any) -> None:
    assert answer["records"] and answer["count"] > 0, answer.get("count")


async def measure_ingest(url: str, token: str, model: str, batches: list[list[dict[str, Any]]],
                         concurrency: int) -> dict[str, float]:
    """Every batch pushed once, `concurrency` connections at a time: records/s and batch latencies."""
    path = f"/v1/models/{model}/records/ingest?token={token}"
    latencies, elapsed = await timed_requests(url, token, concurrency, [(path, b) for b in batches], _ingested)
    return {"records_per_s": sum(len(b) for b in batches) / elapsed, **latency_figures(latencies)}


def segment_fetch_route_missing(url: str, token: str, model: str) -> str | None:
    """Why the segment fetch row cannot run here (None: the route answers)."""
    import httpx

    answer = httpx.post(f"{url}/v1/segmentation/segments/fetch", headers={"authorization": f"Bearer {token}"},
                        json={"modelUuid": model, "filter": FETCH_FILTER, "fetchingLimit": 1}, timeout=60)
    if answer.status_code == 200:
        return None
    reason = answer.json().get("reason") if answer.headers.get("content-type", "").startswith("application/json") \
        else None
    if answer.status_code == 404 and reason == "routeNotFound":
        return "POST /v1/segmentation/segments/fetch is not served by this build (404 routeNotFound)"
    return f"POST /v1/segmentation/segments/fetch answered {answer.status_code} {reason or answer.text[:200]}"


async def measure_fetch(url: str, token: str, model: str, fetches: int, concurrency: int) -> dict[str, float]:
    """`fetches` segment fetches (a filter, a sort, a page of 100 at a varying offset)."""
    requests = [("/v1/segmentation/segments/fetch",
                 {"modelUuid": model, "filter": FETCH_FILTER, "sort": [{"columnSlug": "n", "kind": "desc"}],
                  "fetchingLimit": 100, "fetchingOffset": (index * 100) % 5_000}) for index in range(fetches)]
    latencies, elapsed = await timed_requests(url, token, concurrency, requests, _fetched)
    return {**latency_figures(latencies), "per_s": fetches / elapsed}


def _median(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def data_rows(url: str, token: str, env: dict[str, str], args: argparse.Namespace, rows: list[str]) -> None:
    """The ingest and segment fetch rows, each figure the median of `args.rounds` rounds."""
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    batches = ingest_batches(args.ingest_records)
    print(f"\ndata rows: {args.ingest_records:,} records in batches of {INGEST_BATCH:,}; median of "
          f"{args.rounds} rounds (min–max in brackets)")
    print(f"{'row':<22} {'conc.':>5} {'p50 ms':>7} {'p95 ms':>7} {'per s':>20}")
    model = None
    for concurrency in concurrencies if "ingest" in rows else ():
        rounds, resent = [], []
        for index in range(args.rounds):
            model = ingest_model(env, f"ingest_c{concurrency}_r{index}_{time.time_ns() % 10**9}")
            rounds.append(asyncio.run(measure_ingest(url, token, model, batches, concurrency)))
        assert model is not None
        for _ in range(args.rounds):  # the same batches again: every record unchanged
            resent.append(asyncio.run(measure_ingest(url, token, model, batches, concurrency)))
        for title, figures in (("ingest (new records)", rounds), ("ingest (re-sent batch)", resent)):
            mid = _median(figures)
            speeds = [f["records_per_s"] for f in figures]
            spread = f"[{min(speeds):,.0f}–{max(speeds):,.0f}]"
            print(f"{title:<22} {concurrency:>5} {mid['p50_ms']:>7.1f} {mid['p95_ms']:>7.1f} "
                  f"{mid['records_per_s']:>8,.0f} records/s {spread}", flush=True)
    if "segment" not in rows:
        return
    if model is None:
        model = ingest_model(env, f"ingest_fetch_{time.time_ns() % 10**9}")
        asyncio.run(measure_ingest(url, token, model, batches, 1))
    missing = segment_fetch_route_missing(url, token, model)
    if missing is not None:
        print(f"{'segment fetch':<22} skipped: {missing}", flush=True)
        return
    for concurrency in concurrencies:
        asyncio.run(measure_fetch(url, token, model, min(20, args.fetches), concurrency))  # warm-up
        figures = [asyncio.run(measure_fetch(url, token, model, args.fetches, concurrency))
                   for _ in range(args.rounds)]
        mid = _median(figures)
        spread = f"[{min(f['p50_ms'] for f in figures):.1f}–{max(f['p50_ms'] for f in figures):.1f} ms p50]"
        print(f"{'segment fetch (100)':<22} {concurrency:>5} {mid['p50_ms']:>7.1f} {mid['p95_ms']:>7.1f} "
              f"{mid['per_s']:>8,.0f} fetches/s {spread}", flush=True)


def _server_cpu(pid: int) -> float:
    """CPU seconds of the server process and its children (`--workers N` forks), 0 where /proc is absent."""
    try:
        pids = [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        ticks = 0
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(url: str, token: str, concurrency: int, requests: int, create: Callable[[int], Any],
                  args: argparse.Namespace, server_pid: int) -> dict[str, float]:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {token}"}, limits=limits,
                                 timeout=60) as client:
        connections = [RawConnection(url, token) if args.client == "raw" else HttpxConnection(client)
                       for _ in range(concurrency)]
        lanes = [Lane(c, args.first_poll, args.max_poll) for c in connections]
        for i in range(min(20, requests)):  # warm-up: connections, sandbox, caches
            await lanes[i % concurrency].one(create, i)
        for lane in lanes:
            lane.polls = 0
        latencies: list[float] = []
        queue = list(range(requests))

        async def drive(lane: Lane) -> None:
            while queue:
                latencies.append(await lane.one(create, queue.pop()))

        server_before, client_before = _server_cpu(server_pid), _own_cpu()
        started = time.perf_counter()
        await asyncio.gather(*(drive(lane) for lane in lanes))
        elapsed = time.perf_counter() - started
        server_cpu, client_cpu = _server_cpu(server_pid) - server_before, _own_cpu() - client_before
        for connection in connections:
            await connection.close()
    latencies.sort()
    return {**latency_figures(latencies),
            "runs_per_s": requests / elapsed,
            "polls": sum(lane.polls for lane in lanes) / requests,
            "server_ms": server_cpu / requests * 1000, "client_ms": client_cpu / requests * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--server-workers", type=int, default=1)
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--first-poll", type=float, default=0.002,
                        help="Seconds between the create's answer and the first poll.")
    parser.add_argument("--max-poll", type=float, default=0.05, help="Longest gap between two polls (back-off cap).")
    parser.add_argument("--rows", default="run,action,ingest,segment",
                        help="Which rows, comma-separated: run, action, ingest, segment.")
    parser.add_argument("--rounds", type=int, default=3, help="Rounds of the data rows (their median; at least 3).")
    parser.add_argument("--ingest-records", type=int, default=100_000, help="Records pushed per ingest round.")
    parser.add_argument("--fetches", type=int, default=100, help="Segment fetches per round.")
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error("--rounds must be at least 3 (the rows print a median)")
    chosen = [row for row in args.rows.split(",") if row]
    unknown = set(chosen) - {"run", "action", "ingest", "segment"}
    if unknown:
        parser.error(f"unknown row(s): {', '.join(sorted(unknown))}")
    process, url, token, _home, env = start_server(args.database_url, args.server_workers)
    backend = "postgresql" if args.database_url else "sqlite"
    rows = {"run": ("run create + wait", create_run), "action": ("action execute + wait", execute_action)}
    try:
        print(f"through `lading serve` ({backend}, {args.server_workers} server process(es), {args.client} client, "
              f"load {os.getloadavg()[0]:.2f})")
        if {"run", "action"} & set(chosen):
            print(f"create + poll to terminal, polls {args.first_poll * 1000:g} ms doubling to "
                  f"{args.max_poll * 1000:g} ms")
            print(f"{'row':<22} {'conc.':>5} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'runs/s':>7} {'polls':>5} "
                  f"{'srv ms':>6} {'cli ms':>6}  vs target")
        for name in (row for row in chosen if row in rows):
            title, create = rows[name]
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                figures = asyncio.run(measure(url, token, concurrency, args.requests, create, args, process.pid))
                if concurrency == 1:
                    verdict = f"p50 {figures['p50_ms']:.1f} / 15 ms = {figures['p50_ms'] / 15:.2f}× target; " \
                              f"n8n webhook ~18 ms → {18 / figures['p50_ms']:.2f}× faster"
                else:
                    verdict = f"{figures['runs_per_s']:.0f} / 300 runs/s = {figures['runs_per_s'] / 300:.2f}× " \
                              f"target; n8n ~35–60/s → {figures['runs_per_s'] / 60:.1f}–" \
                              f"{figures['runs_per_s'] / 35:.1f}×"
                print(f"{title:<22} {concurrency:>5} {args.requests:>8} {figures['p50_ms']:>7.1f} "
                      f"{figures['p95_ms']:>7.1f} {figures['runs_per_s']:>7.0f} {figures['polls']:>5.1f} "
                      f"{figures['server_ms']:>6.2f} {figures['client_ms']:>6.2f}  {verdict}", flush=True)
        if {"ingest", "segment"} & set(chosen):
            data_rows(url, token, env, args, chosen)
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
