"""Segment bench: import 1,000,000 companies into a native model, then time `segment fetch`.

Prints the import time and rows/s, saves a segment (which indexes the model for its filter and its
sort, and runs the first sync), then the latency of `segment fetch` with the segment's three-condition
filter plus its sort, page of 100 (median and worst of several runs after one warm-up), and with
`--explain` the plans of the fetch's count and page queries. Runs on the embedded SQLite store, and
on PostgreSQL when `--database-url` (or LADING_BENCH_DATABASE_URL) is given.
Targets: import at least 50,000 rows/s; fetch at most 150 ms on both backends.

    .venv/bin/python bench/segments.py [--rows 1000000] [--database-url postgresql+psycopg://…] [--explain]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

COLUMNS = [{"slug": "name", "type": "string"}, {"slug": "country", "type": "string"},
           {"slug": "industry", "type": "string"}, {"slug": "employee_count", "type": "number"},
           {"slug": "revenue", "type": "number"}, {"slug": "founded", "type": "date"},
           {"slug": "active", "type": "boolean"}]
COUNTRIES = ("US", "FR", "DE", "GB", "ES")
INDUSTRIES = ("Software", "Retail", "Finance", "Health")
FILTER = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
    {"kind": "string", "columnSlug": "country", "operator": "is", "values": ["US"]},
    {"kind": "number", "columnSlug": "employee_count", "operator": "greaterThan", "value": 100},
    {"kind": "string", "columnSlug": "industry", "operator": "startsWith", "values": ["soft"]},
]}]}
SORT = [{"columnSlug": "revenue", "kind": "desc"}]


def write_csv(path: Path, rows: int) -> None:
    rnd = random.Random(5)
    with path.open("w") as fh:
        fh.write("_id,name,country,industry,employee_count,revenue,founded,active\n")
        for i in range(rows):
            fh.write(f"co{i:07d},Company {i},{COUNTRIES[i % 5]},{INDUSTRIES[(i // 5) % 4]},{rnd.randint(1, 5000)},"
                     f"{rnd.randint(10_000, 50_000_000)},20{10 + i % 15:02d}-0{1 + i % 9}-1{i % 10}T00:00:00Z,"
                     f"{'true' if i % 3 else 'false'}\n")


def explain(sess: object, model: str) -> None:
    """The plans of the fetch's two queries, as the store runs them (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE)."""
    from lading.services.segmentation.indexes import page_index
    from lading.services.segmentation.segments import _evaluate

    with sess.db.read() as conn:  # type: ignore[attr-defined]
        ev = _evaluate(sess, conn, model, FILTER, SORT, None)  # type: ignore[arg-type]
        count = ev.count(conn)
        page = ev.page([ev.table.c["_id"], ev.table.c["revenue"]], 100, 0, page_index(conn, ev, count, 100))
        from sqlalchemy import func, select

        for label, query in (("count", select(func.count()).select_from(ev.table).where(ev.where)), ("page", page)):
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
            print(f"  {label}:")
            for row in conn.exec_driver_sql(prefix + sql):
                print("    " + str(row[-1]))


def run(backend_url: str | None, csv_path: Path, rows: int, repeats: int, show_plans: bool = False) -> None:
    home = Path(tempfile.mkdtemp(prefix="lading-segments-bench-"))
    os.environ["LADING_HOME"] = str(home)
    os.environ["LADING_WORKSPACE_NAME"] = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ.pop("LADING_DATABASE_URL", None)
    if backend_url:
        os.environ["LADING_DATABASE_URL"] = backend_url
    from lading.services.segmentation import segments
    from lading.services.storage import datasets as storage_datasets
    from lading.services.storage import models as storage
    from lading.services.storage import records as storage_records
    from lading.services.wiring import open_session
    from lading.store.database import reset_database_cache

    reset_database_cache()
    sess = open_session()
    dataset = storage_datasets.list_datasets(sess)["datasets"][0]["uuid"]
    model = storage.create_model(sess, slug=f"companies_{uuid.uuid4().hex[:6]}", name="Companies",
                                 dataset_uuid=dataset, columns=COLUMNS)["model"]["uuid"]
    started = time.perf_counter()
    result = storage_records.import_records(sess, model_uuid=model, file=str(csv_path))["import"]
    elapsed = time.perf_counter() - started
    assert result["insertedRecordsCount"] == rows, result
    print(f"[{sess.db.backend}] import {rows:,} rows: {elapsed:.1f} s, {rows / elapsed:,.0f} rows/s")
    # Saving the segment validates it, indexes its sort column and runs its first sync.
    started = time.perf_counter()
    seg = segments.create_segment(sess, name="US software", model_uuid=model, filter=FILTER, sort=SORT)["segment"]
    print(f"[{sess.db.backend}] segment create + first sync ({seg['recordsCount']:,} members): "
          f"{time.perf_counter() - started:.1f} s")
    latencies = []
    count = 0
    for i in range(repeats + 1):
        started = time.perf_counter()
        out = segments.fetch(sess, model_uuid=model, filter=FILTER, sort=SORT, fetching_limit=100)
        if i:  # the first run warms caches
            latencies.append((time.perf_counter() - started) * 1000)
        count = out["count"]
        assert len(out["records"]) == min(100, count)
    print(f"[{sess.db.backend}] segment fetch (3 conditions + sort, page 100, {count:,} matches): "
          f"median {statistics.median(latencies):.0f} ms, worst {max(latencies):.0f} ms")
    if show_plans:
        explain(sess, model)
    segments.remove_segment(sess, seg["uuid"])
    storage.remove_model(sess, model)
    reset_database_cache()
    shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("LADING_BENCH_DATABASE_URL"))
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--explain", action="store_true", help="print the plans of the fetch's queries")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lading-segments-data-"))
    csv_path = folder / "companies.csv"
    write_csv(csv_path, args.rows)
    try:
        if not args.skip_sqlite:
            run(None, csv_path, args.rows, args.repeats, args.explain)
        if args.database_url:
            run(args.database_url, csv_path, args.rows, args.repeats, args.explain)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
