"""Latency of `orchestration query execute` on a large embedded store.

Generates 1,000,000 runs and 10,000,000 spans (10 node executions per run, spread over the last
60 days, 20 workflows, 1,000 batches) into a fresh embedded SQLite store — plus a second workspace
of 100,000 runs that must stay invisible — then times the seed documents' example queries through
the real service (parse, check, scope, chDB over the store). Target: each under 3 s.

    .venv/bin/python bench/query.py [--runs 1000000] [--spans-per-run 10] [--home DIR] [--repeat 3]

`--home` keeps (and reuses) the generated store between invocations.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

QUERIES = [
    # seed: analytics
    "SELECT countIf(status='error') / count() AS error_rate FROM runs WHERE created_at > now() - INTERVAL 1 DAY",
    "SELECT workflow_uuid, count() AS errors FROM runs WHERE status='error' AND created_at > now() - INTERVAL 7 DAY "
    "GROUP BY workflow_uuid ORDER BY errors DESC",
    "SELECT node_slug, count() AS failures FROM spans WHERE execution_status='error' AND "
    "execution_started_at > now() - INTERVAL 1 DAY GROUP BY node_slug ORDER BY failures DESC",
    "SELECT workflow_uuid, sum(credits_used_count) AS credits FROM batches WHERE created_at >= toStartOfMonth(now()) "
    "GROUP BY workflow_uuid ORDER BY credits DESC",
    "SELECT status, count() FROM runs GROUP BY status",
    # seed: orchestration
    "SELECT count() FROM runs WHERE status='error'",
    "SELECT status, count() FROM batches GROUP BY status",
    "SELECT * FROM spans ORDER BY execution_started_at DESC LIMIT 10",
    "SELECT * FROM spans WHERE execution_started_at > now() - INTERVAL 1 HOUR ORDER BY execution_started_at DESC "
    "LIMIT 10",
]

STATUSES = ["success"] * 16 + ["error"] * 2 + ["cancelled", "running"]


def _generate(path: Path, ws: str, prefix: str, runs: int, per_run: int, batches: int) -> None:
    """Rows straight into the store with SQL (fast, deterministic); shapes as the worker writes them."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    status_case = "CASE " + " ".join(f"WHEN (n * 7) % 20 = {i} THEN '{s}'" for i, s in enumerate(STATUSES)) + " END"
    uid = "printf('{p}%07x-0000-4000-8000-%012x', {kind}, {n})"

    def u(kind: int, n: str) -> str:
        return uid.format(p=prefix, kind=kind, n=n)

    span_seconds = 60 * 86400
    created = f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ((n * 104729) % {span_seconds}) || ' seconds')"
    started = (f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || max((n * 104729) % {span_seconds} - i, 0) "
               "|| ' seconds')")
    con.execute("BEGIN")
    con.execute(
        "INSERT INTO batches (uuid, workspace_uuid, workflow_uuid, release_uuid, status, data, runs_count, "
        "health_threshold, source_position, source_done, created_at, updated_at) "
        f"WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {batches - 1}) "
        f"SELECT {u(2, 'n')}, '{ws}', {u(1, 'n % 20')}, {u(3, 'n % 20')}, "
        "CASE WHEN n % 10 = 0 THEN 'running' ELSE 'success' END, '{\"kind\": \"records\"}', "
        f"{runs // batches}, 80, 0, 1, "
        f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ({span_seconds} - n * {span_seconds // batches}) || ' seconds'), "
        f"strftime('%Y-%m-%d %H:%M:%f', 'now') FROM s")
    con.execute(
        "INSERT INTO runs (uuid, workspace_uuid, workflow_uuid, release_uuid, batch_uuid, root_run_uuid, status, "
        "record_id, record_title, input, context, computed_configs, credits_used_count, executions_count, "
        "is_group_parent, waiting_children, cursor_attempt, created_at, started_at, updated_at, finished_at) "
        f"WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {runs - 1}) "
        f"SELECT {u(4, 'n')}, '{ws}', {u(1, '(n % ' + str(batches) + ') % 20')}, "
        f"{u(3, '(n % ' + str(batches) + ') % 20')}, {u(2, 'n % ' + str(batches))}, {u(4, 'n')}, {status_case}, "
        "'rec-' || n, 'company' || n || '.com', '{\"domain\": \"x.com\"}', '{}', '{}', (n % 5) * 0.5, "
        f"{per_run}, 0, 0, 0, {created}, {created}, {created}, {created} FROM s")
    con.execute("COMMIT")
    con.execute("BEGIN")
    con.execute(
        "INSERT INTO executions (workspace_uuid, run_uuid, workflow_uuid, release_uuid, batch_uuid, node_uuid, "
        "node_slug, node_kind, node_action_slug, status, title, attempts, credits_used_count, execution_charge, "
        "started_at, updated_at, finished_at) "
        f"WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {runs - 1}), "
        f"k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < {per_run - 1}) "
        f"SELECT '{ws}', {u(4, 'n')}, {u(1, '(n % ' + str(batches) + ') % 20')}, "
        f"{u(3, '(n % ' + str(batches) + ') % 20')}, {u(2, 'n % ' + str(batches))}, {u(5, 'i')}, 'node' || i, "
        "CASE WHEN i = 3 THEN 'connector' ELSE 'native' END, 'action' || i, "
        f"CASE WHEN i = {per_run - 1} AND (n * 7) % 20 IN (16, 17) THEN 'error' ELSE 'success' END, 'step', 1, "
        "CASE WHEN i = 3 THEN 0.5 ELSE 0 END, 0.01, "
        f"{started}, {started}, {started} FROM s, k")
    con.execute("COMMIT")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--spans-per-run", type=int, default=10)
    parser.add_argument("--home", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    home = Path(args.home or tempfile.mkdtemp(prefix="lading-query-bench-"))
    os.environ.update({"LADING_HOME": str(home), "LADING_AUTOSTART_WORKER": "0", "LADING_WORKSPACE_NAME": "bench"})
    os.environ.pop("LADING_DATABASE_URL", None)
    from lading.services.orchestration.query import execute_query
    from lading.services.wiring import open_session
    from lading.store.repositories import workspaces

    session = open_session()
    marker = home / "generated"
    if not marker.exists():
        with session.db.write() as conn:
            other, _ = workspaces.get_or_create_workspace(conn, "bench-other")
        t0 = time.perf_counter()
        _generate(session.settings.sqlite_path, session.workspace_uuid, "a", args.runs, args.spans_per_run, 1000)
        _generate(session.settings.sqlite_path, str(other.uuid), "b", args.runs // 10, args.spans_per_run, 100)
        marker.write_text("ok")
        print(f"generated {args.runs:,} runs and {args.runs * args.spans_per_run:,} spans "
              f"(+10% in another workspace) in {time.perf_counter() - t0:.1f} s; store {home}")
    size = session.settings.sqlite_path.stat().st_size / 1e9
    print(f"store: {size:.1f} GB")
    for sql in QUERIES:
        times = []
        rows = 0
        error = ""
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            try:
                document, _truncated = execute_query(session, sql)
                rows = len(document["rows"])
            except Exception as exc:  # report, keep measuring the others
                error = str(getattr(exc, "message", exc))[:100]
            times.append(time.perf_counter() - t0)
        warm = times[1:] or times
        verdict = "ERR " if error else "ok  " if statistics.median(warm) < 3 else "SLOW"
        print(f"{verdict} first {times[0]:6.2f} s  warm median {statistics.median(warm):6.2f} s  rows {rows:>5}  "
              f"{sql[:80]}" + (f"  -> {error}" if error else ""))
    print("first = the first run after the store was generated or the page cache evicted (cold); "
          "target: warm median under 3 s")

if __name__ == "__main__":
    main()
