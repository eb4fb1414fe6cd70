"""Engine throughput on the embedded store.

10,000 runs of a five-node native graph (start → variables → branch → variables → end) are
queued, then one in-process worker executes them. Prints runs/s, node executions/s and peak RSS.

    .venv/bin/python bench/engine.py [--runs 10000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid


def graph() -> list[dict]:
    ids = [str(uuid.uuid4()) for _ in range(6)]
    s, v, b, hi, lo, e = ids

    def n(uid: str, slug: str, action: str, config: dict, children: list) -> dict:
        return {"uuid": uid, "slug": slug, "kind": "native", "actionSlug": action, "config": config,
                "childrenUuids": children, "fallbackOnFailure": False, "position": {"x": 0, "y": 0}}

    return [
        n(s, "start", "start", {}, [v]),
        n(v, "vars", "variables", {"variables": [{"name": "n", "type": "number", "value": "{{nodes.start.n}}"}]}, [b]),
        n(b, "big", "branch", {"condition": "{{nodes.vars.n > 50}}"}, [hi, lo]),
        n(hi, "tag", "variables", {"variables": [{"name": "tier", "type": "string", "value": "large"}]}, [e]),
        n(lo, "tag", "variables", {"variables": [{"name": "tier", "type": "string", "value": "small"}]}, [e]),
        n(e, "end", "end", {"variables": [{"name": "tier", "type": "string", "value": "{{nodes.tag.tier}}"}]}, []),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="lading-bench-")
    os.environ["LADING_HOME"] = home
    os.environ.pop("LADING_DATABASE_URL", None)

    from lading.services.orchestration.runs import new_run_row
    from lading.services.wiring import open_session
    from lading.store.clock import utcnow
    from lading.store.repositories import runs as runs_repo
    from lading.store.repositories import workflows as wf_repo
    from lading.store.schema import runs
    from lading.worker.loop import WorkerOptions, run_worker

    sess = open_session()
    release_uuid = str(uuid.uuid4())
    now = utcnow()
    t0 = time.perf_counter()
    with sess.db.write() as conn:
        wf_repo.insert_release(conn, sess.workspace_uuid, {
            "uuid": release_uuid, "workflow_uuid": None, "user_uuid": sess.user_uuid, "version": None,
            "description": "bench", "status": "adhoc", "form_fields": None, "nodes": graph(), "created_at": now,
            "updated_at": now})
        rows = []
        for i in range(args.runs):
            ru = str(uuid.uuid4())
            rows.append(new_run_row(sess.workspace_uuid, ru, None, release_uuid, {"n": i % 100}, ru, "{}", now))
        runs_repo.insert_runs(conn, rows)
    t1 = time.perf_counter()
    steps = run_worker(sess.db, WorkerOptions(concurrency=512, claim_batch=512, idle_exit_seconds=0.0))
    t2 = time.perf_counter()
    with sess.db.read() as conn:
        from sqlalchemy import func, select

        statuses = dict(conn.execute(select(runs.c.status, func.count()).group_by(runs.c.status)).all())
    elapsed = t2 - t1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"runs queued:          {args.runs} in {t1 - t0:.2f}s ({args.runs / (t1 - t0):,.0f} runs/s)")
    print(f"statuses:             {statuses}")
    print(f"execution time:       {elapsed:.2f}s")
    print(f"runs/s:               {args.runs / elapsed:,.0f}")
    print(f"node executions/s:    {steps / elapsed:,.0f}  ({steps} executions)")
    print(f"peak RSS:             {peak_mb:,.0f} MiB")
    target = 500
    verdict = "meets" if args.runs / elapsed >= target else "BELOW"
    print(f"target:               {target} runs/s — {verdict}")
    if statuses.get("success") != args.runs:
        sys.exit("not every run succeeded")


if __name__ == "__main__":
    main()
