"""`orchestration query execute` against an attack corpus: query options (SETTINGS, FORMAT, INTO OUTFILE)
are refused in every position of the tree; with the guard bypassed, the engine still keeps Lading's
caps, prints no engine log and reaches no table function; odd input always answers a documented
`Code: <n>.` error with a reason, never an internal one; and no generated query shape run from one
workspace ever shows another workspace's rows."""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from analytics_store import Filled, fill, other_workspace, remove
from conftest import run_cli

# --- 1. the guard: query options anywhere in the tree ------------------------------------------------

OPTIONS = ["SETTINGS max_execution_time = 0", "SETTINGS max_memory_usage = 0", "SETTINGS max_rows_to_read = 0",
           "SETTINGS send_logs_level = 'trace'", "SETTINGS readonly = 0", "SETTINGS max_result_rows = 0",
           "FORMAT TSV", "FORMAT JSON", "FORMAT Null", "INTO OUTFILE '/tmp/lading-query-test.out'",
           "INTO OUTFILE '/tmp/lading-query-test.out' FORMAT CSV",
           "SETTINGS max_rows_to_read = 0 FORMAT CSV", "SETTINGS", "FORMAT"]


def positions(query: str, option: str) -> dict[str, str]:
    """`option` hung on every kind of query node (sqlglot keeps it in a different place on each)."""
    return {
        "plain": f"{query} {option}",
        "union": f"{query} UNION ALL {query} {option}",
        "union distinct": f"{query} UNION DISTINCT {query} {option}",
        "except": f"{query} EXCEPT SELECT -1 {option}",
        "intersect": f"{query} INTERSECT {query} {option}",
        "subquery": f"SELECT * FROM ({query} {option})",
        "union subquery": f"SELECT * FROM ({query} UNION ALL {query} {option})",
        "cte": f"WITH t AS ({query} {option}) SELECT * FROM t",
        "union cte": f"WITH t AS ({query} UNION ALL {query} {option}) SELECT * FROM t",
        "nested": f"SELECT -1 UNION ALL ({query} EXCEPT ({query} INTERSECT {query} {option}))",
        "in": f"SELECT 1 WHERE 1 IN ({query} {option})",
        "scalar": f"SELECT ({query} {option}) AS x",
        "join": f"SELECT 1 FROM ({query}) AS a JOIN ({query} {option}) AS b ON 1",
        "exists": f"SELECT 1 WHERE EXISTS ({query} UNION ALL {query} {option})",
    }


def test_query_options_are_refused_on_every_query_node() -> None:
    from lading.analytics.guard import QueryRefusedError, parse

    for option in OPTIONS:
        for text in positions("SELECT count() FROM runs", option).values():
            with pytest.raises(QueryRefusedError) as refused:
                parse(text)
            assert refused.value.code == 497 and "ACCESS_DENIED" in str(refused.value), (text, refused.value)


def test_query_options_through_the_cli_answer_access_denied(tmp_path: Any) -> None:
    for option in ("SETTINGS max_execution_time = 0", "FORMAT TSV", "SETTINGS send_logs_level = 'trace'",
                   "INTO OUTFILE '/tmp/lading-query-test.out'"):
        for where, sql in positions("SELECT 1", option).items():
            code, out = run_cli("orchestration", "query", "execute", sql)
            assert code != 0, (where, sql, out)
            assert out["errorMessage"].startswith("Code: 497. ACCESS_DENIED"), (sql, out)
            assert out["reason"] == "ACCESS_DENIED"


# --- 2. the engine with the guard bypassed ----------------------------------------------------------

def _engine_raw(sql: str, **limits: Any) -> Any:
    """Hand raw text to the engine layer (no parser, no rewriter), as a guard bug would."""
    from lading.analytics.engine import ChdbEngine, Limits

    return ChdbEngine().execute(sql, Limits(**limits))


# Each cap, a query breaching it, and the documented code of the breach.
BREACHES = [
    ("max_rows_to_read", "SELECT count() AS n FROM numbers(200000)", {"max_rows_to_read": 1000}, 158,
     ["max_rows_to_read = 0", "max_rows_to_read = 1000000000", "read_overflow_mode = 'break'"]),
    ("max_execution_time", "SELECT count() AS n FROM numbers(100000000000) WHERE cityHash64(number) = 1",
     {"max_execution_seconds": 0.5, "max_rows_to_read": 10**15}, 159,
     ["max_execution_time = 0", "max_execution_time = 3600", "timeout_overflow_mode = 'break'"]),
    ("max_memory_usage", "SELECT length(groupArray(toString(number))) AS n FROM numbers(3000000)",
     {"max_memory_bytes": 20 * 1024**2, "max_rows_to_read": 10**9}, 241,
     ["max_memory_usage = 0", "max_memory_usage = 100000000000"]),
]


@pytest.mark.parametrize("cap,query,limits,code,attempts", BREACHES, ids=[b[0] for b in BREACHES])
def test_settings_in_the_query_text_cannot_lift_a_cap(cap: str, query: str, limits: dict[str, Any], code: int,
                                                      attempts: list[str]) -> None:
    from lading.analytics.engine import EngineError

    with pytest.raises(EngineError) as plain:
        _engine_raw(query, **limits)
    assert plain.value.code == code, plain.value
    for attempt in attempts:
        for where, sql in positions(query, f"SETTINGS {attempt}").items():
            with pytest.raises(EngineError) as error:
                _engine_raw(sql, **limits)
            # Either the cap still stops the query, or ClickHouse refuses the settings change itself.
            assert error.value.code in (code, 497), (cap, where, sql, error.value)
            assert "SETTINGS" in str(error.value) or error.value.code == code


def test_result_rows_cap_holds_whatever_the_query_says() -> None:
    from lading.analytics.engine import EngineError

    query = "SELECT number FROM numbers(1000)"
    answered = 0
    for option in ("SETTINGS max_result_rows = 0", "SETTINGS result_overflow_mode = 'throw'",
                   "SETTINGS max_result_rows = 100000"):
        for where, sql in positions(query, option).items():
            try:
                result = _engine_raw(sql, max_result_rows=10)
            except EngineError:
                continue  # refused, or not a valid shape for 1,000 rows (a scalar subquery): no rows either way
            answered += 1
            assert len(result.rows) <= 10, (where, sql)
    assert answered >= 5


def test_engine_logs_never_reach_stdout_or_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    from lading.analytics.engine import EngineError

    capfd.readouterr()
    for level in ("trace", "debug", "test"):
        for sql in positions("SELECT 1", f"SETTINGS send_logs_level = '{level}'").values():
            try:
                _engine_raw(sql)
            except EngineError as error:
                assert error.code in (497, 62, 47, 386), (sql, error)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == "", captured
    code, out = run_cli("orchestration", "query", "execute",
                        "SELECT 1 UNION ALL SELECT 2 SETTINGS send_logs_level='trace'")
    captured = capfd.readouterr()
    assert code != 0 and out["reason"] == "ACCESS_DENIED"
    assert "<Debug>" not in captured.out + captured.err and "<Trace>" not in captured.out + captured.err


def test_engine_refuses_what_reaches_outside_even_without_the_guard(tmp_path: Any) -> None:
    from lading.analytics.engine import EngineError

    target = tmp_path / "written.out"
    for sql in [
        "SELECT * FROM file('/etc/hostname', 'LineAsString')",
        "SELECT * FROM url('http://127.0.0.1:1/x', 'CSV', 'a String')",
        "SELECT * FROM executable('true', 'CSV', 'a String')",
        "SELECT * FROM remote('127.0.0.1', system.one)",
        f"SELECT * FROM sqlite('{tmp_path / 'x.db'}', 't')",
        "SELECT * FROM postgresql('127.0.0.1:5432', 'd', 't', 'u', 'p')",
        f"SELECT 1 INTO OUTFILE '{target}'",
        f"SELECT 1 UNION ALL SELECT 2 INTO OUTFILE '{target}'",
        f"INSERT INTO FUNCTION file('{target}', 'CSV') SELECT 1",
        "SELECT 1 UNION ALL SELECT 2 FORMAT TSV",
        "SELECT 1; SELECT 2",
        "SET readonly = 0",
        "SYSTEM SHUTDOWN",
        "KILL QUERY WHERE 1",
        "USE system",
        "SHOW TABLES",
        "CREATE TABLE t (a Int8) ENGINE = Memory",
        "SELECT 1) INTO OUTFILE '/tmp/lading-query-test.out' --",
        "SELECT 1) INTO OUTFILE '/tmp/lading-query-test.out' /*",
    ]:
        with pytest.raises(EngineError) as error:
            _engine_raw(sql)
        assert error.value.code in (497, 62), (sql, error.value)
        assert "DB::Exception" not in str(error.value)
    assert not target.exists()


def test_a_failed_query_leaves_nothing_for_the_next_one() -> None:
    """chDB hands a failed query's buffered output to the next query of the same session."""
    from lading.analytics.engine import EngineError

    with pytest.raises(EngineError):
        _engine_raw("SELECT 'leftover-marker' AS secret, throwIf(number = 3) FROM numbers(10)")
    result = _engine_raw("SELECT 1 AS one")
    assert result.columns == ["one"] and result.rows == [{"one": 1}]


# --- 3. odd input: always a documented code and reason ----------------------------------------------

ODD = [
    "EXPLAIN SELECT 1", "EXPLAIN AST SELECT 1", "EXPLAIN PIPELINE SELECT 1", "SYSTEM FLUSH LOGS", "SYSTEM SHUTDOWN",
    "DESCRIBE runs", "DESC TABLE runs", "SHOW DATABASES", "SHOW CREATE TABLE runs", "SHOW PROCESSLIST",
    "INSERT INTO FUNCTION file('/tmp/lading-query-test.out', 'CSV') SELECT 1", "SELECT * FROM input('a Int32')",
    "SELECT * FROM file('/etc/passwd')", "SELECT * FROM url('http://127.0.0.1/')", "SELECT * FROM s3('http://x/y')",
    "SELECT * FROM remote('127.0.0.1', default.runs)", "SELECT * FROM executable('id', 'TSV', 'a String')",
    "SELECT * FROM system.one", "SELECT * FROM SYSTEM.ONE", "SELECT * FROM `system`.`settings`",
    "SELECT * FROM INFORMATION_SCHEMA.TABLES", "SELECT dictGetString('d', 'a', toUInt64(1))",
    "SELECT * FROM dictionary('d')", "SELECT * FROM merge(REGEXP('.*'), '.*')", "SELECT * FROM view(SELECT 1)",
    "SELECT 1; SELECT 2", "SELECT 1; DROP TABLE runs", "SELECT 1 /*", "SELECT 'abc", "SELECT ＳＥＬＥＣＴ",
    "\ufeffSELECT 1", "SELECT 1 UNION ALL SELECT 2 F\u200bORMAT TSV", "TABLE runs", "VALUES (1)",
    "SELECT " + "(" * 5000 + "1" + ")" * 5000, "SELECT 1" + " UNION ALL SELECT 1" * 3000,
    "SELECT * FROM " + "(SELECT * FROM " * 200 + "runs" + ")" * 200, "SELECT " + "+".join(["1"] * 20000),
    "SELECT '" + "a" * 2_000_000 + "' AS x", "SELECT 1 WHERE 1 IN (" + ",".join(map(str, range(100_000))) + ")",
    "SELECT 1e309", "SELECT {x:UInt8}", "SELECT ?", "SELECT $1", "SELECT toTypeName(*) FROM runs",
    "SELECT repeat('a', 100000000)", "SELECT 1 SETTINGS", "SELECT 1 FORMAT", "USE system", "KILL QUERY WHERE 1",
    "SELECT getSetting('max_execution_time')", "SELECT * FROM runs SAMPLE 0.5", "SELECT * FROM runs FINAL",
    "SELECT 1 FROM runs FOR UPDATE", "SELECT * FROM runs AS r, LATERAL (SELECT 1) AS x", "",
    "   ", "  -- only a comment", "/* only a comment */", "SELECT 1 -- ; DROP TABLE runs\n; SHOW TABLES",
]


def test_odd_input_always_answers_a_documented_error() -> None:
    for sql in ODD:
        code, out = run_cli("orchestration", "query", "execute", sql)
        assert isinstance(out, dict), (sql[:80], out)
        if code == 0:
            assert set(out) == {"rows"}, sql[:80]
            continue
        message = out["errorMessage"]
        assert message.startswith("Code: ") and message.split(".", 1)[0][6:].isdigit(), (sql[:80], out)
        assert out["reason"] and out["reason"].replace("_", "").isalpha() and out["reason"].isupper(), out
        for leak in ("DB::Exception", "Traceback", "internal error", "lading_store_", "lading_view_", "sqlite(",
                     "postgresql(", "Error(", "Exception(", "In scope"):
            assert leak not in message, (sql[:80], message)
        assert len(message) < 600


# --- 4. workspace isolation, differential --------------------------------------------------------

MARKER = "zz-marker-7f3a9"


@pytest.fixture
def stores() -> Iterator[tuple[Filled, Filled]]:
    from sqlalchemy import update

    from lading.services.wiring import open_session
    from lading.store.schema import executions, runs

    session = open_session()
    mine = fill(session.db, session.workspace_uuid, seed=11, runs_count=30, title_prefix="acme")
    theirs = fill(session.db, other_workspace(session.db, f"other-{session.workspace_uuid}"), seed=12,
                  runs_count=30, title_prefix=MARKER, same_workflows_as=mine)
    ws = theirs.workspace_uuid
    with session.db.write() as conn:  # the marker in every text column B's rows have
        conn.execute(update(runs).where(runs.c.workspace_uuid == ws).values(
            record_id=MARKER + "-id", error_message=MARKER + "-error", input={"m": MARKER}))
        conn.execute(update(executions).where(executions.c.workspace_uuid == ws).values(
            node_slug=MARKER + "-slug", title=MARKER + "-title", error_message=MARKER + "-error"))
    yield mine, theirs
    remove(session.db, mine, theirs)


def _shapes(theirs: Filled) -> list[str]:
    """Many query shapes over the four tables, a few aimed straight at B's identifiers."""
    ws, run, batch = theirs.workspace_uuid, theirs.runs[0]["uuid"], theirs.batches[0]["uuid"]
    projections = {
        "runs": ["*", "uuid, record_id, record_title, data, error_message", "groupArray(record_id)",
                 "arrayJoin(executions.node_slug) AS s", "workspace_uuid, count()"],
        "spans": ["*", "node_slug, execution_title, execution_error_message, record_id", "groupArray(node_slug)",
                  "workspace_uuid, count()"],
        "batches": ["*", "uuid, workflow_uuid, workspace_uuid", "groupArray(toString(uuid))"],
        "records": ["*", "id, title, error_message", "groupArray(id)", "workspace_uuid, count()"],
    }
    predicates = ["", f"WHERE workspace_uuid = '{ws}'", f"WHERE workspace_uuid != '{ws}'",
                  f"WHERE toString(workspace_uuid) LIKE '%{ws[:8]}%'", "WHERE 1",
                  "WHERE created_at > now() - INTERVAL 400 DAY", "WHERE created_at < now() + INTERVAL 1 DAY OR 1 = 1"]
    base: list[str] = []
    for table, projs in projections.items():
        for proj, pred in itertools.product(projs, predicates):
            pred_here = pred.replace("created_at", "updated_at") if table == "records" else pred
            group = " GROUP BY workspace_uuid" if proj.startswith("workspace_uuid, count") else ""
            base.append(f"SELECT {proj} FROM {table} {pred_here}{group}")
    wrapped = [
        f"SELECT * FROM runs WHERE uuid = '{run}'",
        f"SELECT * FROM spans WHERE run_uuid = '{run}'",
        f"SELECT * FROM batches WHERE uuid = '{batch}'",
        f"SELECT * FROM records WHERE run_uuid = '{run}'",
        "SELECT r.record_id, s.node_slug FROM runs r FULL OUTER JOIN spans s ON s.run_uuid = r.uuid",
        "SELECT r.record_id, b.uuid FROM runs r RIGHT JOIN batches b ON b.uuid = r.batch_uuid",
        "SELECT record_id FROM runs UNION ALL SELECT node_slug FROM spans UNION ALL SELECT id FROM records",
        "SELECT record_id FROM runs UNION DISTINCT SELECT execution_error_message FROM spans",
        "SELECT record_id FROM runs EXCEPT SELECT id FROM records",
        "SELECT record_id FROM runs INTERSECT SELECT record_id FROM spans",
        "WITH a AS (SELECT * FROM runs), b AS (SELECT * FROM spans) SELECT a.data, b.execution_title FROM a, b",
        "SELECT (SELECT groupArray(data) FROM runs) AS d, (SELECT groupArray(node_slug) FROM spans) AS s",
        f"SELECT * FROM spans WHERE run_uuid IN (SELECT uuid FROM runs WHERE workspace_uuid = '{ws}')",
        "SELECT * FROM runs r ARRAY JOIN executions AS e",
        "SELECT * FROM (SELECT * FROM (SELECT * FROM (SELECT * FROM runs)))",
        "SELECT uuid FROM runs ORDER BY created_at DESC LIMIT 5",
        "SELECT * FROM spans ORDER BY execution_started_at DESC LIMIT 10",
        "SELECT * FROM batches ORDER BY created_at LIMIT 3",
        f"SELECT * FROM runs WHERE status IN ('error', 'success') AND created_at >= '2000-01-01' "
        f"AND record_id = '{MARKER}-id'",
        f"SELECT count() FROM runs WHERE data LIKE '%{MARKER}%'",
        f"SELECT * FROM runs WHERE record_id = '{MARKER}-id'",
        f"SELECT if(count() > 0, '{MARKER}-leak', 'none') AS x FROM runs WHERE record_id LIKE '{MARKER}%'",
        f"SELECT throwIf(count() > 0, 'leak') FROM spans WHERE node_slug LIKE '{MARKER}%'",
        "SELECT * FROM runs AS spans JOIN spans AS runs ON 1 LIMIT 50",
        "SELECT * FROM runs LIMIT 1 BY workflow_uuid",
    ]
    rnd = random.Random(5)
    shapes = rnd.sample(base, 60) + wrapped
    # Set-operation and subquery combinations of the base shapes (same single column: the id text).
    singles = ["SELECT toString(uuid) AS v FROM runs", "SELECT record_id AS v FROM runs",
               "SELECT node_slug AS v FROM spans", "SELECT execution_title AS v FROM spans",
               "SELECT id AS v FROM records", "SELECT toString(uuid) AS v FROM batches"]
    for a, b, op in itertools.product(singles, singles, ["UNION ALL", "EXCEPT", "INTERSECT"]):
        if rnd.random() < 0.35:
            shapes.append(f"SELECT * FROM ({a} {op} {b})")
    return shapes


def test_no_query_shape_shows_another_workspace(stores: tuple[Filled, Filled]) -> None:
    mine, theirs = stores
    forbidden = {MARKER, theirs.workspace_uuid, *(r["uuid"] for r in theirs.runs), *(b["uuid"] for b in theirs.batches)}
    forbidden.discard(mine.workspace_uuid)
    answered = 0
    for sql in _shapes(theirs):
        code, out = run_cli("orchestration", "query", "execute", sql)
        text = repr(out)
        # The query text itself names B's identifiers; an error may echo no value of B's rows.
        if code != 0:
            text = text.replace(sql, "")
            for f in forbidden:
                assert f not in out["errorMessage"] or f in sql, (sql, out)
            continue
        answered += 1
        leaked = [f for f in forbidden if f in text]
        assert not leaked, (sql, leaked)
    assert answered > 60
    # The planted rows exist and are B's: read from B's side, they are there.
    code, out = run_cli("orchestration", "query", "execute", "SELECT count() AS n FROM runs")
    assert out["rows"] == [{"n": len(mine.runs)}]


def test_marker_is_visible_from_its_own_workspace(stores: tuple[Filled, Filled]) -> None:
    """The differential test's control: the same queries from workspace B do find the marker."""
    import dataclasses

    from lading.services.orchestration.query import execute_query
    from lading.services.wiring import open_session

    _, theirs = stores
    session = dataclasses.replace(open_session(), workspace_uuid=theirs.workspace_uuid)
    document, _ = execute_query(session, f"SELECT count() AS n FROM runs WHERE record_id = '{MARKER}-id'")
    assert document["rows"] == [{"n": len(theirs.runs)}]
    document, _ = execute_query(session, f"SELECT count() AS n FROM spans WHERE node_slug = '{MARKER}-slug'")
    assert document["rows"] == [{"n": len(theirs.executions)}]
    assert uuid.UUID(theirs.workspace_uuid)
