"""Storage SQL reads the caller's workspace models and nothing else (data spec §6.1).

Three layers, each tested on its own: the guard resolves CTE names by scope (a CTE defined in one
subquery does not hide a store table elsewhere); the engine itself refuses SQL that names any other
table even when it never went through the guard (SQLite authorizer, PostgreSQL workspace role); and a
differential corpus run from workspace A never shows a marker planted only in workspace B.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from test_storage_models_cli import make_model, ok, switch_workspace

from conftest import j, read_export, run_cli

PG = bool(os.environ.get("LADING_TEST_DATABASE_URL"))
STORE_TABLES = ("runs", "workspaces", "users", "connectors", "models", "datasets", "executions", "segments",
                "files", "ai_messages", "releases", "workflows", "content_passages", "batches", "storage_usage")


def refused(sql: str) -> dict[str, Any]:
    code, out = run_cli("storage", "query", "execute", sql)
    assert code != 0, (sql, out)
    assert isinstance(out, dict) and set(out) <= {"errorMessage", "reason", "status", "statusCode"}, (sql, out)
    return out


def seed_caller() -> str:
    model = make_model("companies", [{"slug": "name", "type": "string"}])
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j([{"_id": "c1", "name": "Acme"}]))
    return str(model["uuid"])


CTE_SCOPE_ATTACKS = [
    # the reported payload: a CTE defined in a subquery trusted for a table outside it
    "SELECT * FROM (WITH runs AS (SELECT 1 AS a) SELECT a FROM runs) q CROSS JOIN runs r",
    "SELECT * FROM (WITH users AS (SELECT 1 AS a) SELECT a FROM users) q, users",
    "SELECT (WITH workspaces AS (SELECT 1) SELECT 1), (SELECT count(*) FROM workspaces)",
    "SELECT * FROM default.companies WHERE EXISTS (WITH connectors AS (SELECT 1) SELECT 1) "
    "AND _id IN (SELECT uuid FROM connectors)",
    "SELECT name FROM default.companies UNION SELECT name FROM (WITH users AS (SELECT 'x' AS name) "
    "SELECT name FROM users) a UNION SELECT email FROM users",
    # a sibling CTE's own nested WITH does not leak into the outer body
    "WITH a AS (WITH runs AS (SELECT 1 AS x) SELECT x FROM runs) SELECT * FROM a, runs",
    # a CTE deep inside another CTE, table one level out
    "WITH a AS (SELECT * FROM (WITH b AS (WITH users AS (SELECT 1 AS u) SELECT u FROM users) SELECT u FROM b) z "
    "CROSS JOIN users) SELECT * FROM a",
    # the CTE's name in a scalar subquery in WHERE, table in the SELECT list
    "SELECT (SELECT count(*) FROM runs) FROM default.companies WHERE 1 = (WITH runs AS (SELECT 1 AS o) "
    "SELECT o FROM runs)",
    # a CTE whose name differs only in case or quoting, or by a non-ASCII letter Python folds
    'WITH "RUNS" AS (SELECT 1) SELECT * FROM (SELECT 1) q, "RUNS", runs' if PG else
    "WITH q AS (SELECT 1) SELECT * FROM q, runs",
    "WITH \u212aeys AS (SELECT 1) SELECT * FROM keys",
]
CTE_SCOPE_ATTACKS_PG = [
    # non-recursive: a CTE does not see itself, so PostgreSQL would read the real table
    "WITH runs AS (SELECT * FROM runs) SELECT * FROM runs",
    "WITH a AS (SELECT * FROM users), users AS (SELECT 1) SELECT * FROM a",
    'WITH "Runs" AS (SELECT 1) SELECT * FROM runs',
    "SELECT * FROM default.companies c, LATERAL (WITH x AS (SELECT 1) SELECT * FROM runs) r",
]


def test_cte_names_are_resolved_by_scope() -> None:
    seed_caller()
    for sql in CTE_SCOPE_ATTACKS + (CTE_SCOPE_ATTACKS_PG if PG else []):
        out = refused(sql)
        assert out["errorMessage"].startswith("Table not found"), (sql, out)


def test_legitimate_ctes_still_work() -> None:
    seed_caller()
    rows = ok("storage", "query", "execute", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
              "WHERE n < 3) SELECT n FROM r ORDER BY n")["rows"]
    assert rows == [{"n": 1}, {"n": 2}, {"n": 3}]
    # a CTE shadowing a model's name is the CTE; the qualified reference still reads the model
    assert ok("storage", "query", "execute", "WITH companies AS (SELECT 'cte' AS name) SELECT c.name FROM companies c "
              "UNION ALL SELECT name FROM default.companies ORDER BY 1")["rows"] == [{"name": "Acme"},
                                                                                  {"name": "cte"}]
    # an earlier CTE is visible in a later one and in nested subqueries of the body
    nested = ("WITH a AS (SELECT name FROM default.companies), b AS (SELECT name FROM a) "
              "SELECT (SELECT count(*) FROM b) AS n, x.name FROM (SELECT name FROM a) x")
    assert ok("storage", "query", "execute", nested)["rows"] == [{"n": 1, "name": "Acme"}]
    values = ok("storage", "query", "execute", "SELECT * FROM (VALUES (1), (2)) AS v ORDER BY 1")["rows"]
    assert [list(row.values()) for row in values] == [[1], [2]]
    assert ok("storage", "query", "download", "WITH a AS (SELECT name FROM default.companies) SELECT * FROM a")


def test_schema_qualified_names_that_are_not_models_are_refused() -> None:
    seed_caller()
    qualified = ["main.runs", "temp.runs", "main.sqlite_master", "public.users", '"main"."workspaces"',
                 "pg_catalog.pg_user", "information_schema.tables", "default.runs", "default.users"]
    for name in qualified:
        out = refused(f"SELECT * FROM {name}")
        assert out["errorMessage"].startswith("Table not found"), (name, out)


# --- engine level: SQL that never went through the guard ------------------------------------------


def _other_workspace(monkeypatch: pytest.MonkeyPatch, marker: str) -> dict[str, Any]:
    """Workspace B with a model, a run and a connector holding `marker`; the caller's workspace after."""
    back = switch_workspace(monkeypatch, f"victim-{marker}")
    model = make_model("companies", [{"slug": "name", "type": "string"}, {"slug": "secret", "type": "string"}])
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records",
       j([{"_id": "v1", "name": marker, "secret": marker}]))
    ddl = ok("storage", "model", "get-ddl", model["uuid"])["ddl"]
    physical = ddl.split("CREATE TABLE ", 1)[1].split(" (", 1)[0]
    _plant_run(marker)
    back()
    return {"model": model, "physical": physical, "bare": physical.split(".")[-1].strip('"')}


def _plant_run(marker: str) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import update

    from lading.services.orchestration.runs import insert_graph_run
    from lading.services.wiring import open_session
    from lading.store.schema import runs

    from graphs import chain, end, start

    session = open_session()
    run_uuid = str(uuid.uuid4())
    with session.db.write() as conn:
        insert_graph_run(session, conn, nodes=chain(start(), end()), data={"marker": marker}, run_uuid=run_uuid,
                         now=datetime.now(UTC))
        conn.execute(update(runs).where(runs.c.uuid == run_uuid).values(status="succeeded", record_title=marker))


def _unguarded(sql: str, tables: set[tuple[str, str]] | None = None) -> list[list[Any]]:
    """Run `sql` as-is through the execution layer, as a guard gap would, in the caller's workspace."""
    from lading.data.sql_guard import GuardedQuery
    from lading.services.storage.query import run_guarded
    from lading.services.wiring import open_session

    return list(run_guarded(open_session(), GuardedQuery(sql=sql, tables=tables or set()), None))


def _caller_table() -> tuple[str, str]:
    from lading.services.wiring import open_session
    from lading.store.repositories import storage as repo

    session = open_session()
    with session.db.read() as conn:
        row = repo.model_by_reference(conn, session.workspace_uuid, "default", "companies")
    return row.table_schema, row.table_name


def test_engine_refuses_tables_the_guard_did_not_resolve(monkeypatch: pytest.MonkeyPatch) -> None:
    from lading.data.physical import qualified
    from lading.data.sql_guard import SqlRefusedError

    marker = uuid.uuid4().hex
    seed_caller()
    victim = _other_workspace(monkeypatch, marker)
    own = _caller_table()
    # the caller's own model, named as the guard would rewrite it, runs
    assert _unguarded(f"SELECT name FROM {qualified(*own)}", {own}) == [["name"], ["Acme"]]
    store = "public." if PG else ""
    attacks = [f"SELECT * FROM {victim['physical']}",
               f"SELECT o.name FROM {qualified(*own)} o CROSS JOIN {victim['physical']} v",
               f"SELECT * FROM {store}runs", f"SELECT * FROM {store}users", f"SELECT * FROM {store}connectors",
               f"SELECT * FROM {store}workspaces",
               f"WITH x AS (SELECT * FROM {store}runs) SELECT * FROM x",
               f"SELECT (SELECT count(*) FROM {store}users)", f"SELECT 1 FROM {store}runs",
               f"SELECT count(*) FROM {victim['physical']}",
               f"SELECT 1 FROM (SELECT count(*) FROM {store}connectors) z",
               f"SELECT name FROM {qualified(*own)} WHERE EXISTS (SELECT 1 FROM {store}runs)"]
    for sql in attacks:
        with pytest.raises(SqlRefusedError) as err:
            _unguarded(sql, {own})
        assert err.value.message.startswith("Table not found"), (sql, err.value.message)
        assert marker not in err.value.message
    if not PG:  # SQLite allows per statement; PostgreSQL's boundary is the workspace role
        with pytest.raises(SqlRefusedError):
            _unguarded(f"SELECT * FROM {qualified(*own)}", set())
    # the connection is clean afterwards (no authorizer, role or read-only state left behind)
    from lading.services.wiring import open_session

    with open_session().db.write() as conn:
        from sqlalchemy import func, select

        from lading.store.schema import users
        assert conn.execute(select(func.count()).select_from(users)).scalar() >= 1


@pytest.mark.skipif(PG, reason="SQLite engine checks")
def test_sqlite_engine_refuses_catalog_pragma_and_dangerous_functions() -> None:
    from lading.data.sql_guard import SqlRefusedError

    seed_caller()
    for sql, expected in [("SELECT * FROM sqlite_master", "Table not found: sqlite_master"),
                          ("SELECT * FROM sqlite_schema", "Table not found"),
                          ("SELECT * FROM pragma_table_info('users')", "only SELECT"),
                          ("PRAGMA table_info(users)", "only SELECT"),
                          ("SELECT load_extension('x')", "load_extension"),
                          ("SELECT fts3_tokenizer('simple')", "fts3_tokenizer"),
                          ("ATTACH DATABASE ':memory:' AS x", "only SELECT"),
                          ("DELETE FROM users", "only SELECT")]:
        with pytest.raises(SqlRefusedError) as err:
            _unguarded(sql)
        assert expected in err.value.message, (sql, err.value.message)
    assert _unguarded("SELECT upper('a'), count(*), json_extract('{\"a\": 1}', '$.a') FROM (VALUES (1))") == [
        ["upper('a')", "count(*)", "json_extract('{\"a\": 1}', '$.a')"], ["A", 1, 1]]


@pytest.mark.skipif(not PG, reason="PostgreSQL engine checks")
def test_postgres_workspace_role_and_its_limits() -> None:
    from lading.data.sql_guard import SqlRefusedError
    from lading.data.sql_sandbox import workspace_role
    from lading.services.wiring import open_session

    seed_caller()
    session = open_session()
    role = workspace_role(session.workspace_uuid)
    assert _unguarded("SELECT current_user, current_setting('transaction_read_only'), "
                      "current_setting('search_path')")[1] == [role, "on", '""']
    for sql in ["SELECT * FROM runs", "SELECT * FROM public.users", "SELECT pg_read_file('/etc/passwd')",
                "SELECT * FROM pg_catalog.pg_authid", "SELECT query_to_xml('SELECT * FROM public.users', true, "
                "true, '')"]:
        with pytest.raises(SqlRefusedError) as err:
            _unguarded(sql)
        assert "Table not found" in err.value.message or "not allowed" in err.value.message, (sql, err.value)
    # leaving the role from inside the statement drops its rows (and the connection)
    with pytest.raises(SqlRefusedError) as err:
        _unguarded("SELECT set_config('role', session_user::text, true), current_user")
    assert "changed its role" in err.value.message
    # a stacked statement is never run: the statement is prepared, and the server parses exactly one
    with pytest.raises(Exception) as caught:
        _unguarded("SELECT 1; RESET ROLE; SELECT email FROM public.users")
    assert "multiple commands" in str(caught.value), caught.value
    assert _unguarded("SELECT current_user")[1] == [role]  # and the pool still works afterwards
    # the role reads nothing of Lading's own tables
    with session.db.read() as conn:
        readable = conn.exec_driver_sql(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND has_table_privilege(%(r)s, c.oid, 'SELECT')",
            {"r": role}).all()
    assert readable == []


# --- differential: nothing of workspace B ever reaches workspace A --------------------------------


def _names(victim: dict[str, Any]) -> list[str]:
    """Every way a query could name a store table or workspace B's physical table."""
    names: list[str] = []
    prefixes = ["", "public.", "main.", "temp.", '"public".', '"main".']
    for table in STORE_TABLES:
        names += [p + table for p in prefixes] + [f'"{table}"', table.upper()]
    names += [victim["physical"], victim["bare"], f'"{victim["bare"]}"', "main." + victim["bare"],
              "public." + victim["bare"], "default." + victim["bare"], "sqlite_master", "pg_catalog.pg_user",
              "information_schema.tables", "pg_catalog.pg_tables"]
    return names


def _shapes(table: str) -> Iterator[str]:
    bare = table.split(".")[-1].strip('"')
    cte = re.sub(r"\W", "_", bare) or "t"
    yield f"SELECT * FROM {table}"
    yield f"SELECT * FROM default.companies c CROSS JOIN {table} x"
    yield f"SELECT * FROM (WITH {cte} AS (SELECT 1 AS a) SELECT a FROM {cte}) q CROSS JOIN {table} r"
    yield f"WITH {cte} AS (SELECT * FROM {table}) SELECT * FROM {cte}"
    yield f"WITH a AS (WITH {cte} AS (SELECT 1 AS a) SELECT a FROM {cte}) SELECT * FROM a, {table}"
    yield f"WITH a AS (SELECT 1 AS x) SELECT * FROM a WHERE EXISTS (SELECT 1 FROM {table})"
    yield f"SELECT (SELECT count(*) FROM {table}) AS n FROM default.companies"
    yield f"SELECT name FROM default.companies WHERE name IN (SELECT * FROM {table})"
    yield f"SELECT name FROM default.companies UNION ALL SELECT * FROM {table}"
    yield f"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 2) SELECT * FROM r, {table}"
    yield (f"SELECT * FROM default.companies c WHERE c.name = (WITH {cte} AS (SELECT 'Acme' AS n) "
           f"SELECT n FROM {cte}) AND EXISTS (SELECT * FROM {table})")
    if PG:
        yield f"SELECT * FROM default.companies c, LATERAL (SELECT * FROM {table}) z"


def _check_answer(sql: str, code: int, out: Any, marker: str) -> bool:
    """No marker anywhere, and a failure is the documented error document (no trace, no repr)."""
    text = json.dumps(out)
    assert marker not in text, sql
    if code == 0:
        return True
    assert isinstance(out, dict) and out.get("errorMessage"), (sql, out)
    assert set(out) <= {"errorMessage", "reason", "status", "statusCode"}, (sql, out)
    assert "Traceback" not in text and " object at 0x" not in text and "internal error" not in text, (sql, out)
    return False


def test_differential_no_query_from_a_reveals_workspace_b(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query shape × every name: the service for all of them (the CLI only wraps it), the real CLI
    for every 7th, `download` for the reported CTE payload shape."""

    from lading.domain.errors import LadingError
    from lading.services.storage import query as storage_query
    from lading.services.wiring import open_session

    marker = "mk" + uuid.uuid4().hex
    seed_caller()
    victim = _other_workspace(monkeypatch, marker)
    queries = [sql for name in _names(victim) for sql in _shapes(name)]
    queries += ["SELECT * FROM default.companies", "SELECT * FROM (SELECT 1) q"]
    assert len(queries) > 900
    session = open_session()
    succeeded = 0
    for index, sql in enumerate(queries):
        try:
            code, out = 0, storage_query.execute_query(session, sql)
        except LadingError as error:
            code, out = error.exit_code or 1, error.to_document()
        succeeded += _check_answer(sql, code, out, marker)
        if index % 7 == 0:
            _check_answer(sql, *run_cli("storage", "query", "execute", sql), marker)
        if sql.startswith("SELECT * FROM (WITH"):
            code, out = run_cli("storage", "query", "download", sql)
            if _check_answer(sql, code, out, marker):
                assert marker not in read_export(out["url"]), sql
    assert succeeded >= 2  # the controls ran: refusals are not a broken harness


def test_filter_sql_conditions_cannot_reach_tables() -> None:
    """A segment's `sql` condition is compiled into the segment query: no table can be named in it,
    however it is wrapped (the clause is re-generated from its parse, so comments and parentheses in
    the text cannot close the condition early)."""
    from lading.data.sql_guard import SqlRefusedError, check_boolean_clause

    allowed = {"revenue", "name"}
    for dialect in ("sqlite", "postgresql"):
        for clause in ["revenue IN (SELECT 1 FROM runs)", "EXISTS (WITH runs AS (SELECT 1) SELECT 1 FROM runs)",
                       "CASE WHEN EXISTS (SELECT 1 FROM users) THEN true ELSE false END",
                       "CAST((SELECT count(*) FROM connectors) AS INT) > 0", "name = (SELECT email FROM users)",
                       "users.email = 'x'", "revenue > 1) OR (1 = 1",
                       "query_to_xml('SELECT * FROM users', true, true, '') IS NOT NULL",
                       "json_extract(name, '$') IN (SELECT name FROM sqlite_master)"]:
            with pytest.raises(SqlRefusedError):
                check_boolean_clause(clause, allowed, dialect)
        # comments are dropped from the generated SQL, so no comment can be re-opened or closed in it
        for clause in ["revenue > 1 -- ) OR (SELECT 1 FROM users", "revenue > 1 -- */ OR (SELECT 1 FROM users) /*\n",
                       "revenue > 1 /* /* nested */ OR (SELECT 1 FROM users) */"]:
            try:
                out = check_boolean_clause(clause, allowed, dialect)
            except SqlRefusedError:
                continue
            assert out == '"revenue" > 1', (dialect, clause, out)
