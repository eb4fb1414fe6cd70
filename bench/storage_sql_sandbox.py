"""Overhead of the engine-level storage SQL checks (SQLite authorizer, PostgreSQL workspace role) on a
simple query: the same guarded statement through the sandboxed runner and through a bare read-only
cursor. Run with `LADING_HOME` (and `LADING_DATABASE_URL` for PostgreSQL) pointing at a scratch store."""

from __future__ import annotations

import statistics
import time

from lading.services.storage import query as storage_query
from lading.services.wiring import open_session


def _bare(session: storage_query.Session, sql: str) -> None:
    """What the runner did before the sandbox: read-only transaction and timeout only."""
    if session.db.is_postgres:
        with session.db.engine.connect() as conn, conn.begin():
            cursor = conn.connection.cursor()
            cursor.execute("SET TRANSACTION READ ONLY")
            cursor.execute("SET LOCAL statement_timeout = 30000")
            cursor.execute(sql)
            cursor.fetchall()
        return
    raw = session.db.engine.raw_connection()
    dbapi = raw.driver_connection
    try:
        dbapi.execute("PRAGMA query_only = 1")
        dbapi.execute("BEGIN")
        dbapi.execute(sql).fetchall()
    finally:
        dbapi.execute("ROLLBACK")
        dbapi.execute("PRAGMA query_only = 0")
        raw.close()


def _seed() -> None:
    """A 1,000-row model `default.bench_sandbox` (through the CLI, once per store)."""
    import contextlib
    import io
    import json

    from lading.cli.main import main as cli

    def run(*args: str) -> dict:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cli(list(args))
        return json.loads(out.getvalue())

    datasets = run("storage", "dataset", "list")["datasets"]
    dataset = next(d["uuid"] for d in datasets if d["slug"] == "default")
    created = run("storage", "model", "create", "--slug", "bench_sandbox", "--name", "Bench", "--dataset-uuid", dataset,
                  "--extractor-slug", "native", "--config", "{}", "--columns",
                  json.dumps([{"slug": "v", "type": "number"}]))
    if "model" in created:
        run("storage", "record", "upsert", "--model-uuid", created["model"]["uuid"], "--records",
            json.dumps([{"_id": str(i), "v": i} for i in range(1000)]))


def main(rounds: int = 300) -> None:
    _seed()
    session = open_session()
    guarded = storage_query._guard(session, "SELECT count(*) AS n, max(v) AS m FROM default.bench_sandbox "
                                            "WHERE v > 10")
    for label, run in (("sandboxed", lambda: list(storage_query.run_guarded(session, guarded, None))),
                       ("bare", lambda: _bare(session, guarded.sql))):
        for _ in range(20):
            run()
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            run()
            samples.append((time.perf_counter() - start) * 1000)
        print(f"{session.db.backend} {label}: median {statistics.median(samples):.3f} ms, "
              f"p90 {sorted(samples)[int(rounds * 0.9)]:.3f} ms")


if __name__ == "__main__":
    main()
