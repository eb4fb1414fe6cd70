"""Model import throughput: a CSV of N companies streamed into a native model (`storage record import`).

Prints, per backend: the import time, rows/s and the peak RSS of the process (flat: the file is
streamed in chunks), then the same file re-imported (every row `unchanged`) and a 10 % update file.
Target: at least 50,000 rows/s for a fresh import on a 2-core machine, SQLite and PostgreSQL.

    .venv/bin/python bench/storage_import.py [--rows 1000000] [--backend sqlite|postgresql|both]
        [--database-url postgresql+psycopg://lading:lading@127.0.0.1:5432/<db>]

`bench/segments.py` reuses `write_companies_csv` and `companies_model`.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

COUNTRIES = ("US", "FR", "DE", "GB", "ES", "IT", "NL", "CA", "BR", "JP")
INDUSTRIES = ("SaaS", "Fintech", "Retail", "Health", "Media", "Logistics", "Energy")
COLUMNS = [
    {"slug": "name", "type": "string", "label": "Company Name", "kind": "original"},
    {"slug": "domain", "type": "string", "label": "Domain", "kind": "original"},
    {"slug": "country", "type": "string", "label": "Country", "kind": "original"},
    {"slug": "industry", "type": "string", "label": "Industry", "kind": "original"},
    {"slug": "employee_count", "type": "number", "label": "Employees", "kind": "original"},
    {"slug": "revenue", "type": "number", "label": "Revenue", "kind": "original"},
    {"slug": "is_customer", "type": "boolean", "label": "Customer", "kind": "original"},
    {"slug": "founded_at", "type": "date", "label": "Founded", "kind": "original"},
]


def write_companies_csv(path: Path, rows: int, *, start: int = 0, revenue_bump: int = 0) -> Path:
    """A deterministic companies file: id `c<i>`, eight typed columns."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write("domain,name,country,industry,employee_count,revenue,is_customer,founded_at\n")
        for i in range(start, start + rows):
            fh.write(f"c{i}.example.com,Company {i},{COUNTRIES[i % 10]},{INDUSTRIES[i % 7]},{(i * 37) % 5000},"
                     f"{(i * 7919) % 10_000_000 + revenue_bump},{'true' if i % 5 == 0 else 'false'},"
                     f"{1980 + i % 45}-{1 + i % 12:02d}-{1 + i % 28:02d}\n")
    return path


def companies_model(session: Any, slug: str = "companies") -> str:
    """A native `default.<slug>` model keyed by `domain`; returns its uuid."""
    from lading.services.storage import datasets as storage_datasets
    from lading.services.storage import models as storage

    datasets = storage_datasets.list_datasets(session)["datasets"]
    default = next(d["uuid"] for d in datasets if d["slug"] == "default")
    model = storage.create_model(session, slug=slug, name="Companies", dataset_uuid=default, columns=COLUMNS,
                                 id_column_slug="domain", title_column_slug="name")
    return str(model["model"]["uuid"])


def _server_cpu(database: str | None) -> float:
    """CPU seconds used so far by the local PostgreSQL backends serving `database` (0 for SQLite)."""
    if not database:
        return 0.0
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not title.startswith("postgres: ") or f" {database} " not in title:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


def timed_import(session: Any, model_uuid: str, path: Path,
                 database: str | None = None) -> tuple[float, dict[str, Any]]:
    """(wall seconds, import report); also prints the CPU seconds of the importer and of its
    PostgreSQL backends, which tell the cost apart from the machine's load."""
    from lading.services.storage.records import import_records

    started, cpu, server = time.perf_counter(), time.process_time(), _server_cpu(database)
    report = import_records(session, model_uuid=model_uuid, file=str(path), strict=True)["import"]
    elapsed = time.perf_counter() - started
    server_used = _server_cpu(database) - server
    print(f"    (wall {elapsed:.1f} s, importer CPU {time.process_time() - cpu:.1f} s"
          + (f", PostgreSQL backend CPU {server_used:.1f} s" if database else "")
          + f", load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return elapsed, report


def run_backend(backend: str, rows: int, database_url: str | None) -> None:
    home = Path(tempfile.mkdtemp(prefix="lading-import-bench-"))
    os.environ["LADING_HOME"] = str(home)
    os.environ["LADING_WORKSPACE_NAME"] = f"bench-{uuid.uuid4().hex[:8]}"
    if backend == "postgresql":
        if not database_url:
            raise SystemExit("--database-url is required for PostgreSQL")
        os.environ["LADING_DATABASE_URL"] = database_url
    else:
        os.environ.pop("LADING_DATABASE_URL", None)
    from lading.services.storage.models import remove_model
    from lading.services.wiring import open_session
    from lading.store.database import reset_database_cache

    reset_database_cache()
    session = open_session()
    database = database_url.rsplit("/", 1)[-1].split("?")[0] if backend == "postgresql" and database_url else None
    model_uuid = companies_model(session)
    path = write_companies_csv(home / "companies.csv", rows)
    size_mb = path.stat().st_size / 1e6
    elapsed, report = timed_import(session, model_uuid, path, database)
    assert report["insertedRecordsCount"] == rows, report
    print(f"{backend}: import {rows:,} rows ({size_mb:.0f} MB CSV) in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s")
    elapsed, report = timed_import(session, model_uuid, path, database)
    assert report["unchangedRecordsCount"] == rows, report
    print(f"{backend}: re-import, all unchanged, in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s")
    update = write_companies_csv(home / "update.csv", rows // 10, revenue_bump=1)
    elapsed, report = timed_import(session, model_uuid, update, database)
    assert report["updatedRecordsCount"] == rows // 10, report
    print(f"{backend}: update {rows // 10:,} rows in {elapsed:.1f} s = {rows // 10 / elapsed:,.0f} rows/s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{backend}: peak RSS {rss:.0f} MB")
    remove_model(session, model_uuid)
    reset_database_cache()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--database-url", default=os.environ.get("LADING_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for backend in backends:
        run_backend(backend, args.rows, args.database_url)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
