"""Batch memory: the peak RSS of every process of a batch, at each size (flat from 100k to 1M).

For each size, a CSV of N records (the same records as `bench/batch.py`) goes through the real CLI
(`workspaceManagement file upload`, then `orchestration batch create --nodes …`), and `--workers`
real `lading worker` processes drain it. Prints the peak RSS of each process: the uploading CLI,
the creating CLI, each worker (it feeds the batch's source into runs and executes them), and the
sandbox hosts the workers start (JavaScript graphs). Peaks come from the kernel: `wait4`'s
`ru_maxrss` for the bench's own children, `VmHWM` sampled from /proc for their descendants.
Target: every process under 300 MB at 1,000,000 records, and flat from 100k to 1M.

    .venv/bin/python bench/batch_memory.py [--sizes 100000,1000000] [--workers 2] [--graph native|js]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GRAPHS = {"native": Path(__file__).with_name("five_node_graph.json"),
          "js": Path(__file__).with_name("five_node_graph_js.json")}
LIMIT_MB = 300


def _cli(env: dict[str, str], *args: str) -> tuple[dict[str, Any], float]:
    """Run one CLI command; its JSON answer and its peak RSS in MB (from the kernel at exit)."""
    proc = subprocess.Popen([sys.executable, "-m", "lading", *args], env=env, stdout=subprocess.PIPE)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, (args, out[-2000:])
    return json.loads(out), usage.ru_maxrss / 1024


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _descendants(pids: list[int], tree: dict[int, list[int]]) -> list[int]:
    found, stack = [], list(pids)
    while stack:
        for child in tree.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def run_size(size: int, workers: int, concurrency: int, graph: Path) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="lading-batch-memory-"))
    env = {**os.environ, "LADING_HOME": str(home), "LADING_AUTOSTART_WORKER": "0"}
    env.pop("LADING_DATABASE_URL", None)
    env.pop("LADING_API_URL", None)
    csv_path = home / "records.csv"
    with csv_path.open("w") as fh:
        fh.write("_id,email,employees\n")
        for i in range(size):
            fh.write(f"r{i},user{i}@example{i % 97}.com,{i % 1000}\n")
    peaks: dict[str, float] = {}
    uploaded, peaks["upload CLI"] = _cli(env, "workspaceManagement", "file", "upload", "--file-path", str(csv_path))
    started = time.perf_counter()
    created, peaks["batch create CLI"] = _cli(
        env, "orchestration", "batch", "create", "--nodes", graph.read_text(),
        "--data", json.dumps({"kind": "file", "s3Filename": uploaded["s3Filename"]}))
    batch_uuid = created["batch"]["uuid"]
    procs = [subprocess.Popen([sys.executable, "-m", "lading", "worker", "--concurrency", str(concurrency),
                               "--idle-exit", "2"], env=env, stdout=subprocess.DEVNULL) for _ in range(workers)]
    hosts: dict[int, float] = {}
    os.environ.update({"LADING_HOME": str(home), "LADING_AUTOSTART_WORKER": "0"})
    from lading.services.orchestration import batches
    from lading.services.wiring import open_session
    from lading.store.database import reset_database_cache

    reset_database_cache()
    sess = open_session()
    last = 0.0
    while True:
        time.sleep(0.5)
        for pid in _descendants([p.pid for p in procs], _children()):
            hwm = _hwm_mb(pid)
            if hwm is not None:
                hosts[pid] = max(hosts.get(pid, 0.0), hwm)
        if time.perf_counter() - last > 10:
            last = time.perf_counter()
            doc = batches.get_batch(sess, batch_uuid)["batch"]
            now = [_rss_mb(p.pid) for p in procs]
            print(f"  … {doc['executedRunsCount']:,}/{doc['runsCount']:,} executed, worker RSS now "
                  + ", ".join(f"{mb:.0f}" for mb in now if mb is not None) + " MB", file=sys.stderr)
        if all(p.poll() is not None for p in procs) or batches.batch_status(sess, batch_uuid) in (
                "success", "error", "cancelled"):
            break
    for i, p in enumerate(procs):
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        peaks[f"worker {i + 1}"] = usage.ru_maxrss / 1024
    elapsed = time.perf_counter() - started
    doc = batches.get_batch(sess, batch_uuid)["batch"]
    assert doc["status"] == "success" and doc["executedRunsCount"] == size, doc
    if hosts:
        peaks[f"sandbox hosts ({len(hosts)})"] = max(hosts.values())
    reset_database_cache()
    shutil.rmtree(home, ignore_errors=True)
    return {"peaks": peaks, "elapsed": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=512)
    parser.add_argument("--graph", choices=sorted(GRAPHS), default="native")
    args = parser.parse_args()
    results: dict[int, dict[str, float]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        r = run_size(size, args.workers, args.concurrency, GRAPHS[args.graph])
        results[size] = r["peaks"]
        print(f"{size:>9,} records | {args.graph} graph | {args.workers} workers | {r['elapsed']:7.1f} s | "
              f"{size / r['elapsed']:7,.0f} runs/s | peak RSS MB: "
              + ", ".join(f"{name} {mb:.0f}" for name, mb in r["peaks"].items()), flush=True)
    sizes = sorted(results)
    worst = max(mb for peaks in results.values() for mb in peaks.values())
    print(f"largest peak {worst:.0f} MB (target < {LIMIT_MB} MB): {'met' if worst < LIMIT_MB else 'NOT met'}")
    if len(sizes) > 1:
        small, large = results[sizes[0]], results[sizes[-1]]
        print(f"growth {sizes[0]:,} → {sizes[-1]:,}: " + ", ".join(
            f"{name} ×{large[name] / small[name]:.2f}" for name in small if name in large))


if __name__ == "__main__":
    main()
