"""`orchestration query execute` guardrails: forbidden statements are refused before anything runs and
change nothing; each cap is hit on purpose and reported; another workspace's rows are never returned."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from analytics_store import Filled, fill, other_workspace, remove
from conftest import run_cli


@pytest.fixture
def stores() -> Iterator[tuple[Filled, Filled]]:
    from lading.services.wiring import open_session

    session = open_session()
    mine = fill(session.db, session.workspace_uuid, seed=3, runs_count=60, title_prefix="acme")
    theirs = fill(session.db, other_workspace(session.db, f"other-{session.workspace_uuid}"), seed=4,
                  runs_count=60, title_prefix="secret")
    yield mine, theirs
    remove(session.db, mine, theirs)


def _store_counts(workspaces: tuple[str, ...]) -> dict[str, int]:
    """Rows of every workspace-scoped store table in these workspaces (other tests share the database)."""
    from lading.services.wiring import open_session
    from lading.store.schema import ALL_TABLES

    counts = {}
    with open_session().db.read() as conn:
        for table in ALL_TABLES:
            if "workspace_uuid" in table.c:
                counts[table.name] = conn.execute(select(func.count()).select_from(table).where(
                    table.c.workspace_uuid.in_(workspaces))).scalar_one()
    return counts


def refused(sql: str) -> str:
    code, out = run_cli("orchestration", "query", "execute", sql)
    assert code != 0, out
    assert set(out) >= {"errorMessage"} and "rows" not in out
    message: str = out["errorMessage"]
    assert message.startswith("Code: ")
    assert "sqlite(" not in message and "postgresql(" not in message and "lading_view" not in message
    return message


FORBIDDEN = [
    ("CREATE TABLE t (a Int32) ENGINE = Memory", 497),
    ("DROP TABLE runs", 497),
    ("INSERT INTO runs (status) VALUES ('error')", 497),
    ("ALTER TABLE runs DELETE WHERE 1", 497),
    ("SET readonly = 0", 497),
    ("SELECT * FROM runs SETTINGS readonly=0", 497),
    ("SELECT count() FROM runs SETTINGS max_rows_to_read = 0", 497),
    ("SELECT * FROM runs FORMAT CSV", 497),
    ("SELECT 1 INTO OUTFILE '/tmp/x.csv'", 497),
    ("SELECT * FROM file('/etc/passwd', 'LineAsString')", 497),
    ("SELECT file('/etc/passwd')", 497),
    ("SELECT * FROM url('http://127.0.0.1:1/x', CSV)", 497),
    ("SELECT * FROM sqlite('/tmp/lading.db', 'runs')", 497),
    ("SELECT * FROM postgresql('127.0.0.1:5432', 'db', 'runs', 'u', 'p')", 497),
    ("SELECT * FROM remote('127.0.0.1', system.one)", 497),
    ("SELECT * FROM cluster('c', default.t)", 497),
    ("SELECT * FROM numbers(10)", 497),
    ("SELECT dictGet('d', 'a', 1)", 497),
    ("SELECT joinGet('j', 'a', 1)", 497),
    ("SELECT hostName()", 497),
    ("SELECT getSetting('readonly')", 497),
    ("SELECT * FROM system.tables", 497),
    ("SELECT name FROM system.databases", 497),
    ("SELECT * FROM information_schema.tables", 497),
    ("SELECT uuid FROM runs WHERE uuid IN (SELECT name FROM system.tables)", 497),
    ("SELECT count() FROM runs WHERE 0 IN system.one", 497),
    ("SELECT count() FROM runs WHERE uuid GLOBAL IN runs", 497),
    ("SELECT system.one.dummy FROM runs", 497),
    ("SELECT * FROM runs ARRAY JOIN system.one AS x", 497),
    ("SELECT * FROM runs r JOIN system.one s ON 1", 497),
    ("SHOW DATABASES", 497),
    ("DESCRIBE TABLE system.tables", 497),
    ("DESCRIBE (SELECT 1)", 497),
    ("EXPLAIN SELECT 1", 497),
    ("SYSTEM DROP DNS CACHE", 497),
    ("KILL QUERY WHERE 1", 497),
    ("SELECT 1; DROP TABLE runs", 62),
    ("SELECT 1; SELECT 2", 62),
    ("WITH runs AS (SELECT 1 AS uuid) SELECT uuid FROM runs", 497),
    ("SELECT 1 FROM orchestration.runs", 60),
    ("SELECT 1 FROM unknown", 60),
    ("SELECT 1 FROM executions", 60),
    ("SELECT play_uuid FROM runs", 47),
    ("SELECT FROM WHERE", 62),
    ("SELECT uuid FROM runs WHERE uuid IN (SELECT uuid FROM (SELECT uuid FROM (SELECT uuid FROM (SELECT uuid FROM "
     "(SELECT uuid FROM (SELECT uuid FROM runs))))))", 162),
]


def test_forbidden_constructs_are_refused_and_change_nothing(stores: tuple[Filled, Filled]) -> None:
    workspaces = (stores[0].workspace_uuid, stores[1].workspace_uuid)
    before = _store_counts(workspaces)
    assert before["runs"] == 120 and before["executions"] > 120
    for sql, code in FORBIDDEN:
        message = refused(sql)
        assert message.startswith(f"Code: {code}."), (sql, message)
        if code == 497:
            assert "ACCESS_DENIED" in message, (sql, message)
    assert _store_counts(workspaces) == before
    assert refused("SELECT play_uuid FROM runs") == "Code: 47. Unknown expression identifier 'play_uuid'"
    assert refused("SELECT 1 FROM unknown") == "Code: 60. Table orchestration.unknown doesn't exist"


def _all_values(rows: list[dict[str, Any]]) -> str:
    return repr(rows)


def test_another_workspace_is_invisible_through_any_join_or_subquery(stores: tuple[Filled, Filled]) -> None:
    mine, theirs = stores
    other_ws = theirs.workspace_uuid
    their_run = theirs.runs[0]["uuid"]
    queries = [
        "SELECT * FROM runs",
        "SELECT * FROM spans",
        "SELECT * FROM batches",
        "SELECT * FROM records",
        f"SELECT * FROM runs WHERE workspace_uuid = '{other_ws}'",
        f"SELECT * FROM runs WHERE uuid = '{their_run}'",
        f"SELECT r.uuid, s.node_slug FROM runs r JOIN spans s ON s.run_uuid = r.uuid WHERE r.uuid = '{their_run}'",
        "SELECT r.record_title, s.record_title FROM runs AS r FULL OUTER JOIN spans AS s ON s.run_uuid = r.uuid",
        f"SELECT * FROM spans WHERE run_uuid IN (SELECT uuid FROM runs WHERE workspace_uuid = '{other_ws}')",
        "WITH x AS (SELECT * FROM runs WHERE record_title LIKE '%secret%') SELECT count() AS n FROM x",
        "SELECT uuid FROM runs UNION ALL SELECT run_uuid FROM spans UNION ALL SELECT uuid FROM batches",
        "SELECT b.uuid, r.uuid FROM batches b CROSS JOIN runs r LIMIT 1000",
        "SELECT * FROM records r LEFT JOIN (SELECT * FROM runs) x ON x.uuid = r.run_uuid",
        "SELECT (SELECT count() FROM runs) AS total, (SELECT groupArray(record_title) FROM runs) AS titles",
    ]
    forbidden = {theirs.workspace_uuid, their_run, "secret", *(r["uuid"] for r in theirs.runs),
                 *(b["uuid"] for b in theirs.batches)}
    for sql in queries:
        code, out = run_cli("orchestration", "query", "execute", sql)
        assert code == 0, (sql, out)
        text = _all_values(out["rows"])
        assert not any(f in text for f in forbidden), sql
    code, out = run_cli("orchestration", "query", "execute",
                        "WITH x AS (SELECT * FROM runs WHERE record_title LIKE '%secret%') SELECT count() AS n FROM x")
    assert out["rows"] == [{"n": 0}]
    code, out = run_cli("orchestration", "query", "execute", "SELECT (SELECT count() FROM runs) AS total")
    assert out["rows"] == [{"total": len(mine.runs)}]


@pytest.mark.embedded_only  # the caps are set in the CLI process's environment (LADING_QUERY_MAX_*)
def test_caps_are_enforced_and_reported(stores: tuple[Filled, Filled], monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    mine, _ = stores
    monkeypatch.setenv("LADING_QUERY_MAX_RESULT_ROWS", "25")
    code, out = run_cli("orchestration", "query", "execute", "SELECT uuid FROM spans")
    assert code == 0 and len(out["rows"]) == 25
    assert "warning: result truncated at 25 rows" in capsys.readouterr().err
    code, out = run_cli("orchestration", "query", "execute", "SELECT uuid FROM runs LIMIT 25")
    assert code == 0 and len(out["rows"]) == 25
    assert "truncated" not in capsys.readouterr().err

    monkeypatch.setenv("LADING_QUERY_MAX_ROWS_TO_READ", "50")
    message = refused("SELECT count() FROM spans")
    assert message.startswith("Code: 158.") and "Limit for rows" in message
    code, out = run_cli("orchestration", "query", "execute", "SELECT count() AS n FROM batches")
    assert code == 0 and out["rows"] == [{"n": len(mine.batches)}]  # under the cap: fine
    monkeypatch.delenv("LADING_QUERY_MAX_ROWS_TO_READ")

    monkeypatch.setenv("LADING_QUERY_MAX_EXECUTION_SECONDS", "0.3")
    message = refused("SELECT count() FROM spans a, spans b, spans c, spans d WHERE "
                      "cityHash64(a.uuid, b.uuid, c.uuid, d.uuid) % 7 = 3")
    assert message.startswith("Code: 159.") and "Timeout" in message


def test_bad_input_gives_readable_engine_messages(stores: tuple[Filled, Filled]) -> None:
    assert refused("SELECT count( FROM runs").startswith("Code: 62.")
    message = refused("SELECT toDateTime('not a date') FROM runs LIMIT 1")
    assert "DB::Exception" not in message and "In scope" not in message
    message = refused("SELECT uuid FROM runs WHERE unknown_column = 1")
    assert message == "Code: 47. Unknown expression identifier 'unknown_column'"


def test_common_clickhouse_constructs_pass_the_guard(stores: tuple[Filled, Filled]) -> None:
    mine, _ = stores
    errors = sum(r["status"] == "error" for r in mine.runs)
    for sql, expected in [
        ("SELECT sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS n FROM runs", errors),
        ("SELECT countIf(status = 'error') AS n FROM runs WHERE EXISTS (SELECT 1 FROM spans)", errors),
        ("SELECT count() AS n FROM runs WHERE position(status, 'err') = 1", errors),
        ("SELECT uniqExactIf(uuid, status = 'error') AS n FROM runs", errors),
        ("SELECT length(groupArray(uuid)) AS n FROM runs WHERE if(status = 'error', 1, 0) = 1", errors),
        ("SELECT count() AS n FROM (SELECT argMax(status, created_at) AS s, uuid FROM runs GROUP BY uuid) "
         "WHERE s = 'error'", errors),
    ]:
        code, out = run_cli("orchestration", "query", "execute", sql)
        assert code == 0 and out["rows"] == [{"n": expected}], (sql, out)
    message = refused("SELECT 1 AS a WHERE 1 = ANY(SELECT 1)")
    assert message.startswith("Code: 497.")
    code, out = run_cli("orchestration", "query", "execute", "SELECT argMax(status, created_at) FROM runs")
    assert code == 0 and list(out["rows"][0]) == ["argMax(status, created_at)"]  # named as ClickHouse names it


def test_a_query_nested_deeper_than_the_parser_can_go_is_refused_not_crashed() -> None:
    message = refused("SELECT " + "(" * 5000 + "1" + ")" * 5000)
    assert message.startswith("Code: ")
