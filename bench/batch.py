"""Batch throughput and memory on the embedded store.

For each size, a CSV of N records is uploaded, a batch runs it through the five-node native graph
(start → variables → branch → variables → end), and `--workers` real `lading worker` processes
drain it. Prints runs/s, node executions/s and the peak RSS of the workers (flat across sizes).
`--graph js` adds two JavaScript expressions (domain from the email, a score), which run in the
sandbox host processes, so the figure includes the V8 round trips across the process boundary.

    .venv/bin/python bench/batch.py [--sizes 100000,1000000] [--workers 2] [--graph native|js]
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
from pathlib import Path

GRAPHS = {"native": Path(__file__).with_name("five_node_graph.json"),
          "js": Path(__file__).with_name("five_node_graph_js.json")}


def run_size(size: int, workers: int, concurrency: int, graph: Path) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="lading-batch-bench-"))
    env = {**os.environ, "LADING_HOME": str(home), "LADING_AUTOSTART_WORKER": "0"}
    env.pop("LADING_DATABASE_URL", None)
    csv_path = home / "records.csv"
    with csv_path.open("w") as fh:
        fh.write("_id,email,employees\n")
        for i in range(size):
            fh.write(f"r{i},user{i}@example{i % 97}.com,{i % 1000}\n")
    os.environ.update({"LADING_HOME": str(home), "LADING_AUTOSTART_WORKER": "0"})
    from lading.services.orchestration import batches
    from lading.services.wiring import open_session
    from lading.services.workspace import files
    from lading.store.database import reset_database_cache

    reset_database_cache()
    sess = open_session()
    upload = files.upload(sess, str(csv_path))
    nodes = json.loads(graph.read_text())
    started = time.perf_counter()
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
    for p in procs:
        p.wait()
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert doc["status"] == "success" and doc["executedRunsCount"] == size, doc
    reset_database_cache()
    shutil.rmtree(home, ignore_errors=True)
    return {"fed": fed_at or elapsed, "elapsed": elapsed, "runs_per_s": size / elapsed,
            "nodes_per_s": size * 5 / elapsed, "peak_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=512)
    parser.add_argument("--graph", choices=sorted(GRAPHS), default="native")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        r = run_size(size, args.workers, args.concurrency, GRAPHS[args.graph])
        print(f"{size:>9,} records | {args.graph} graph | {args.workers} workers | {r['elapsed']:7.1f} s | "
              f"{r['runs_per_s']:7,.0f} runs/s | "
              f"{r['nodes_per_s']:8,.0f} node executions/s | peak worker RSS {r['peak_mb']:5.0f} MiB | "
              f"all runs created after {r['fed']:.1f} s")
    print("targets: ≥ 2,000 runs/s (10,000 node executions/s), < 500 MB RSS")


if __name__ == "__main__":
    main()
