"""Batch throughput and memory on the embedded store.

For each size, a CSV of N records is uploaded, a batch runs it through the five-node native graph
(start → variables → branch → variables → end), and `--workers` real `lading worker` processes
drain it. Prints runs/s, node executions/s and the peak RSS of the workers (flat across sizes).
`--graph js` adds two JavaScript expressions (domain from the email, a score), which run in the
sandbox host processes, so the figure includes the V8 round trips across the process boundary.

`--graph js` also runs the native graph at the same size and prints the ratio (js / native).
`--database-url postgresql://…` runs on PostgreSQL instead of the embedded SQLite store: each run
gets a fresh schema in that database (created, then dropped). `--workers-scaling 1,2,4` runs each
size with each worker count and prints the scaling ratios, with how busy the machine's CPUs were
during each run (extra workers can only add throughput while the CPUs have idle time to give them).
`--repeat 3` prints the median.

    .venv/bin/python bench/batch.py [--sizes 100000,1000000] [--workers 2] [--graph native|js]
        [--database-url URL] [--workers-scaling 1,2,4] [--repeat 3] [--no-compare]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

GRAPHS = {"native": Path(__file__).with_name("five_node_graph.json"),
          "js": Path(__file__).with_name("five_node_graph_js.json")}


@contextmanager
def fresh_database(database_url: str | None) -> Iterator[str | None]:
    """None (the embedded store of a fresh home), or a URL whose connections use a new, empty schema
    of `database_url` (its search path), dropped afterwards."""
    if not database_url:
        yield None
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in database_url else "?"
    try:
        yield f"{database_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def run_size(size: int, workers: int, concurrency: int, graph: Path,
             database_url: str | None = None) -> dict[str, float]:
    with fresh_database(database_url) as url:
        return _run_size(size, workers, concurrency, graph, url)


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine since boot (Linux `/proc/stat`); (0, 0) elsewhere."""
    try:
        fields = [float(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0.0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _run_size(size: int, workers: int, concurrency: int, graph: Path, database_url: str | None) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="lading-batch-bench-"))
    env = {**os.environ, "LADING_HOME": str(home), "LADING_AUTOSTART_WORKER": "0"}
    # One key for all workers, as deployed (a bench value, not a secret).
    env.setdefault("LADING_SECRET_KEY", "bGFkaW5nLWJlbmNoLWtleS1ub3QtYS1zZWNyZXQtMzI=")
    env.pop("LADING_DATABASE_URL", None)
    os.environ.pop("LADING_DATABASE_URL", None)
    if database_url:
        env["LADING_DATABASE_URL"] = os.environ["LADING_DATABASE_URL"] = database_url
    csv_path = home / "records.csv"
    with csv_path.open("w") as fh:
        fh.write("_id,email,employees\n")
        for i in range(size):
            fh.write(f"r{i},user{i}@example{i % 97}.com,{i % 1000}\n")
    os.environ.update({"LADING_HOME": str(home), "LADING_AUTOSTART_WORKER": "0"})
    started_rusage = resource.getrusage(resource.RUSAGE_CHILDREN)
    from lading.services.orchestration import batches
    from lading.services.wiring import open_session
    from lading.services.workspace import files
    from lading.store.database import reset_database_cache

    reset_database_cache()
    sess = open_session()
    upload = files.upload(sess, str(csv_path))
    nodes = json.loads(graph.read_text())
    started = time.perf_counter()
    cpu_before = cpu_times()
    batch = batches.create_batch(sess, nodes=nodes, data={"kind": "file", "s3Filename": upload["s3Filename"]})
    batch_uuid = batch["batch"]["uuid"]
    procs = [subprocess.Popen([sys.executable, "-m", "lading", "worker", "--concurrency", str(concurrency),
                               "--idle-exit", "2"], env=env, stdout=subprocess.DEVNULL)
             for _ in range(workers)]
    last = 0.0
    fed_at = None
    while True:
        time.sleep(0.5)
        doc = batches.get_batch(sess, batch_uuid)["batch"]
        if fed_at is None and doc["runsCount"] >= size:
            fed_at = time.perf_counter() - started
        if time.perf_counter() - last > 10:
            last = time.perf_counter()
            print(f"  … {doc['executedRunsCount']:,}/{doc['runsCount']:,} executed", file=sys.stderr)
        if doc["status"] in ("success", "error", "cancelled"):
            break
    elapsed = time.perf_counter() - started
    cpu_after = cpu_times()
    total = cpu_after[1] - cpu_before[1]
    busy = 100 * (cpu_after[0] - cpu_before[0]) / total if total else float("nan")
    for p in procs:
        p.wait()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = usage.ru_maxrss / 1024
    cpu = (usage.ru_utime + usage.ru_stime) - (started_rusage.ru_utime + started_rusage.ru_stime)
    assert doc["status"] == "success" and doc["executedRunsCount"] == size, doc
    reset_database_cache()
    shutil.rmtree(home, ignore_errors=True)
    return {"fed": fed_at or elapsed, "elapsed": elapsed, "runs_per_s": size / elapsed,
            "nodes_per_s": size * 5 / elapsed, "peak_mb": peak_mb, "cpu_ms_per_run": 1000 * cpu / size,
            "machine_busy": busy}


def measure(size: int, workers: int, args: argparse.Namespace, graph: str) -> dict[str, float]:
    """The median run (by runs/s) of `--repeat` runs, each line printed as it ends."""
    results = []
    for _ in range(args.repeat):
        r = run_size(size, workers, args.concurrency, GRAPHS[graph], args.database_url)
        load = os.getloadavg()[0]
        print(f"{size:>9,} records | {graph:>6} graph | {backend(args)} | {workers} workers | {r['elapsed']:7.1f} s | "
              f"{r['runs_per_s']:7,.0f} runs/s | {r['nodes_per_s']:8,.0f} node executions/s | "
              f"peak worker RSS {r['peak_mb']:5.0f} MiB | worker CPU {r['cpu_ms_per_run']:.3f} ms/run | "
              f"all runs created after {r['fed']:.1f} s | machine CPU busy {r['machine_busy']:.0f} % of "
              f"{os.cpu_count()} cores | load {load:.2f}", flush=True)
        results.append(r)
    return sorted(results, key=lambda r: r["runs_per_s"])[len(results) // 2]


def backend(args: argparse.Namespace) -> str:
    return "postgresql" if args.database_url else "sqlite"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--workers-scaling", default="",
                        help="worker counts to compare, e.g. 1,2,4 (overrides --workers)")
    parser.add_argument("--concurrency", type=int, default=512)
    parser.add_argument("--graph", choices=sorted(GRAPHS), default="native")
    parser.add_argument("--database-url", default="",
                        help="PostgreSQL URL (a fresh schema per run); default: the embedded SQLite store")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the median is reported")
    parser.add_argument("--no-compare", action="store_true", help="with --graph js, skip the native run")
    args = parser.parse_args()
    counts = [int(c) for c in args.workers_scaling.split(",") if c.strip()] or [args.workers]
    for size in (int(s) for s in args.sizes.split(",")):
        by_workers: dict[int, float] = {}
        busy_by_workers: dict[int, float] = {}
        for workers in counts:
            r = measure(size, workers, args, args.graph)
            by_workers[workers] = r["runs_per_s"]
            busy_by_workers[workers] = r["machine_busy"]
            median = f"median of {args.repeat}: " if args.repeat > 1 else ""
            print(f"  {median}{r['runs_per_s']:,.0f} runs/s ({args.graph}, {backend(args)}, {workers} workers)")
            if args.graph == "js" and not args.no_compare:
                native = measure(size, workers, args, "native")
                print(f"  {median}{native['runs_per_s']:,.0f} runs/s (native) — js / native = "
                      f"{r['runs_per_s'] / native['runs_per_s']:.2f}")
        if len(counts) > 1:
            first = by_workers[counts[0]]
            chain = " → ".join(f"{w} workers {by_workers[w]:,.0f} runs/s ({by_workers[w] / first:.2f}×)"
                               for w in counts)
            print(f"  scaling {size:,} records ({args.graph}, {backend(args)}): {chain}")
            # More workers can only add throughput while the machine has idle CPU to give them.
            print("  machine CPU busy during each run: " + " → ".join(
                f"{w} workers {busy_by_workers[w]:.0f} %" for w in counts) + f" of {os.cpu_count()} cores")
    print("targets (issue 16): js graph ≥ 3,500 runs/s on SQLite; ≥ 2,500 runs/s on PostgreSQL with 2 workers, "
          "growing 1 → 2 → 4 workers; < 300 MB RSS")


if __name__ == "__main__":
    main()
