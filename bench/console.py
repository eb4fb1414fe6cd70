"""Web console page speed on a workspace with many runs (issue 17: pages answer in under 200 ms with
100,000 runs).

Starts a real `lading serve` (embedded SQLite, or PostgreSQL with `--database-url`), makes one tool with
a deployed graph and runs it once through the API, then writes `--runs` more runs (default 100,000,
spread over 60 days, mixed statuses, each with a record title) straight into the store in chunks,
signs in to the console with the workspace's token and times each page `--requests` times (p50 / p95
and the slowest), in the order a person clicks through them:

- `/tools`, the tool's page;
- `/runs` (newest first), a deep page (`before=` cursor after 20 pages), filtered by status, by
  record title (a substring matching a handful of runs), by tool, by a date range;
- a run's page (its executions, contexts and configs);
- `/batches`, the page of the batch all those runs belong to and its `progress.json` (what the live
  page polls: counts over the batch's 100,000 runs), `/plays`;
- `/data`, the Analytics SQL form, the usage page (last 30 days; the seeded runs carry no execution
  rows, so it reads little), `/agents`. A SQL query's own time is the query's, not the page's: it is
  not timed here.

A page over the target is marked `SLOW`; the exit status is 1 when any page's p95 is over it.

    .venv/bin/python bench/console.py [--runs 100000] [--requests 30] [--database-url postgresql://…]
        [--target-ms 200]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GRAPH = json.loads(Path(__file__).with_name("five_node_graph.json").read_text())
STATUSES = ("success",) * 8 + ("error", "cancelled")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(database_url: str | None) -> tuple[subprocess.Popen[bytes], str, str, dict[str, str]]:
    import httpx

    home = Path(tempfile.mkdtemp(prefix="lading-console-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LADING_")}
    env.update({"LADING_HOME": str(home), "PYTHONPATH": str(REPO / "src"),
                "LADING_WORKSPACE_NAME": f"console-bench-{os.getpid()}-{time.time_ns()}"})
    if database_url:
        env["LADING_DATABASE_URL"] = database_url
    token = json.loads(subprocess.run([sys.executable, "-m", "lading", "workspace", "token", "create",
                                       "--name", "bench"], env=env, capture_output=True, check=True).stdout)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, "-m", "lading", "serve", "--port", str(port)],
                               env={**env, "LADING_API_URL": url}, stdout=subprocess.DEVNULL,
                               stderr=(home / "serve.log").open("ab"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    return process, url, token["token"]["token"], env


def seed_runs(env: dict[str, str], workspace_uuid: str, workflow_uuid: str, release_uuid: str, count: int,
              batch_uuid: str | None = None) -> None:
    """`count` finished runs of the tool, written in chunks of 5,000 the way the store keeps them (all
    in one finished batch when `batch_uuid` is given)."""
    for key, value in env.items():
        if key.startswith("LADING_"):
            os.environ[key] = value
    from lading.settings import load_settings
    from lading.store.clock import utcnow
    from lading.store.database import open_database
    from lading.store.repositories import runs

    db = open_database(load_settings())
    now = utcnow()
    span = timedelta(days=60).total_seconds()
    if batch_uuid is not None:
        from lading.store.repositories import batches

        with db.write() as conn:
            batches.insert_batch(conn, workspace_uuid, {
                "uuid": batch_uuid, "workflow_uuid": workflow_uuid, "release_uuid": release_uuid, "status": "success",
                "data": {"kind": "records", "count": count}, "runs_count": count, "source_done": True,
                "created_at": now - timedelta(days=61), "updated_at": now, "finished_at": now})
    for first in range(0, count, 5000):
        rows = []
        for i in range(first, min(first + 5000, count)):
            created = now - timedelta(seconds=span * i / count + 60)
            run_uuid = str(uuidlib.uuid4())
            title = json.dumps({"name": f"person {i}", "domain": f"company{i % 977}.example"})
            rows.append({
                "uuid": run_uuid, "workspace_uuid": workspace_uuid, "workflow_uuid": workflow_uuid,
                "release_uuid": release_uuid, "batch_uuid": batch_uuid, "root_run_uuid": run_uuid,
                "status": STATUSES[i % len(STATUSES)], "record_id": run_uuid, "record_title": title,
                "input": {"name": f"person {i}"}, "context": {}, "computed_configs": {}, "available_at": created,
                "created_at": created, "updated_at": created, "started_at": created,
                "finished_at": created + timedelta(milliseconds=40 + i % 300), "credits_used_count": 0.01 * (i % 5),
                "executions_count": 5})
        with db.write() as conn:
            runs.insert_runs(conn, rows)
    if db.backend == "postgresql":
        with db.write() as conn:
            from sqlalchemy import text

            conn.execute(text("ANALYZE runs"))


def measure(client: Any, path: str, requests: int) -> list[float]:
    client.get(path)  # warm: the first request of a page loads its modules and templates
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return times


def main() -> int:
    import httpx

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000, help="Runs written into the workspace.")
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per page.")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: embedded SQLite).")
    parser.add_argument("--target-ms", type=float, default=200.0, help="The p95 a page must stay under.")
    args = parser.parse_args()

    process, url, token, env = start_server(args.database_url)
    try:
        api = httpx.Client(base_url=f"{url}/v1", headers={"authorization": f"Bearer {token}"}, timeout=120)
        workspace_uuid = api.get("/whoami").json()["workspace"]["uuid"]
        tool = api.post("/orchestration/tools", json={"name": "Bench tool", "icon": None}).json()["tool"]
        release = api.post("/orchestration/releases/draft/deploy",
                           json={"workflowUuid": tool["workflowUuid"], "nodes": GRAPH}).json()["release"]
        run = api.post("/orchestration/runs", json={"workflowUuid": tool["workflowUuid"],
                                                    "data": {"name": "Ada", "domain": "acme.example"}}).json()["run"]
        started = time.perf_counter()
        batch_uuid = str(uuidlib.uuid4())
        seed_runs(env, workspace_uuid, tool["workflowUuid"], release["uuid"], args.runs, batch_uuid)
        print(f"seeded {args.runs:,} runs in {time.perf_counter() - started:.1f} s "
              f"({'PostgreSQL' if args.database_url else 'SQLite'})")

        console = httpx.Client(base_url=url, timeout=120)
        form = console.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        signed = console.post("/login", data={"csrf": csrf.group(1), "token": token})
        assert signed.status_code == 303, signed.text
        deep = "/runs"
        for _ in range(20):
            found = re.search(r'href="(/runs\?[^"]*before=[^"]+)"', console.get(deep).text)
            assert found is not None
            deep = found.group(1).replace("&amp;", "&")
        pages = [
            ("tools", "/tools"), ("tool page", f"/tools/{tool['uuid']}"), ("runs", "/runs"),
            ("runs, page 21", deep), ("runs ?status=error", "/runs?status=error"),
            ("runs ?title=person 4242", "/runs?title=person+4242"), ("runs ?title=(no match)", "/runs?title=zzz"),
            ("runs ?tool=…", f"/runs?tool={tool['uuid']}"),
            ("runs ?from=…&to=… (one week)", "/runs?from=2000-01-01&to=2000-01-07"),
            ("run page", f"/runs/{run['uuid']}"),
        ]
        pages += [("batches", "/batches"), (f"batch page ({args.runs:,} runs)", f"/batches/{batch_uuid}"),
                  ("batch progress.json", f"/batches/{batch_uuid}/progress.json"), ("plays", "/plays"),
                  ("data", "/data"), ("analytics (SQL form)", "/analytics"),
                  ("usage, last 30 days", "/analytics/usage"), ("agents", "/agents")]
        slow = False
        print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for name, path in pages:
            times = sorted(measure(console, path, args.requests))
            p50 = statistics.median(times)
            p95 = times[max(int(len(times) * 0.95) - 1, 0)]
            over = p95 > args.target_ms
            slow = slow or over
            print(f"{name:34} {p50:8.1f} {p95:8.1f} {times[-1]:8.1f}{'  SLOW' if over else ''}")
        return 1 if slow else 0
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
