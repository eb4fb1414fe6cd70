"""Single-request speed of `lading serve`: a run created through the API and polled to its end.

Starts a real `lading serve` on 127.0.0.1 (embedded SQLite, or PostgreSQL with `--database-url`),
mints a token the way an operator does, then measures run-create-and-wait: `POST
/v1/orchestration/runs` with the small native graph of `five_node_graph.json` and one record, then
`GET /v1/orchestration/runs/<uuid>` until the run is terminal. Prints p50 / p95 latency and
completed runs per second at each concurrency (default 1 and 16), with the ratios to the targets
(p50 ≤ 15 ms at concurrency 1, ≥ 300 runs/s at 16) and to n8n's webhook path on this machine
(~18 ms p50, ~35–60 executions/s).

    .venv/bin/python bench/api.py [--requests 300] [--concurrency 1,16] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRAPH = json.loads(Path(__file__).with_name("five_node_graph.json").read_text())
TERMINAL = {"success", "error", "cancelled", "skipped"}
REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str | None, workers: int) -> tuple[subprocess.Popen[bytes], str, str, Path]:
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
    return process, url, token["token"]["token"], home


async def one_run(client: object, index: int, poll: float) -> float:
    started = time.perf_counter()
    created = await client.post("/v1/orchestration/runs",  # type: ignore[attr-defined]
                                json={"nodes": GRAPH, "data": {"employees": index % 1000}})
    created.raise_for_status()
    uuid = created.json()["run"]["uuid"]
    while True:
        answer = await client.get(f"/v1/orchestration/runs/{uuid}")  # type: ignore[attr-defined]
        answer.raise_for_status()
        if answer.json()["run"]["status"] in TERMINAL:
            return time.perf_counter() - started
        await asyncio.sleep(poll)


async def measure(url: str, token: str, concurrency: int, requests: int, poll: float) -> dict[str, float]:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"authorization": f"Bearer {token}"}, limits=limits,
                                 timeout=60) as client:
        for i in range(min(20, requests)):  # warm-up: connections, sandbox, caches
            await one_run(client, i, poll)
        latencies: list[float] = []
        queue = list(range(requests))

        async def lane() -> None:
            while queue:
                latencies.append(await one_run(client, queue.pop(), poll))

        started = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {"p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
            "runs_per_s": requests / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", default="1,16")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--server-workers", type=int, default=1)
    parser.add_argument("--poll", type=float, default=0.002, help="Seconds between two polls of one run.")
    args = parser.parse_args()
    process, url, token, _home = start_server(args.database_url, args.server_workers)
    backend = "postgresql" if args.database_url else "sqlite"
    try:
        print(f"run create + poll to terminal through `lading serve` ({backend}, {args.server_workers} server "
              f"process(es), load {os.getloadavg()[0]:.2f})")
        print(f"{'concurrency':>11} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'runs/s':>8}  vs target")
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            figures = asyncio.run(measure(url, token, concurrency, args.requests, args.poll))
            if concurrency == 1:
                verdict = f"p50 {figures['p50_ms']:.1f} / 15 ms = {figures['p50_ms'] / 15:.2f}× target; " \
                          f"n8n webhook ~18 ms → {18 / figures['p50_ms']:.2f}× faster"
            else:
                verdict = f"{figures['runs_per_s']:.0f} / 300 runs/s = {figures['runs_per_s'] / 300:.2f}× target; " \
                          f"n8n ~35–60/s → {figures['runs_per_s'] / 60:.1f}–{figures['runs_per_s'] / 35:.1f}×"
            print(f"{concurrency:>11} {args.requests:>8} {figures['p50_ms']:>8.1f} {figures['p95_ms']:>8.1f} "
                  f"{figures['runs_per_s']:>8.0f}  {verdict}")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
