"""Storage SQL (data spec §6): accepted queries and their result shape, and the guard corpus — every
refused statement fails with a clear error and leaves the store unchanged."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from test_storage_models_cli import make_model, ok, switch_workspace

from conftest import j, read_export, run_cli

PG = bool(os.environ.get("LADING_TEST_DATABASE_URL"))


def seed() -> dict[str, str]:
    companies = make_model("companies", [
        {"slug": "name", "type": "string"}, {"slug": "employees", "type": "number"},
        {"slug": "founded", "type": "date"}, {"slug": "meta", "type": "object"}])
    people = make_model("people", [{"slug": "name", "type": "string"}, {"slug": "company_id", "type": "string"}])
    ok("storage", "record", "upsert", "--model-uuid", companies["uuid"], "--records", j([
        {"_id": "c1", "name": "Acme", "employees": 500, "founded": "2020-01-15", "meta": {"industry": "SaaS"}},
        {"_id": "c2", "name": "Beta", "employees": 20, "founded": "2021-03-01T12:00:00Z"},
        {"_id": "c3", "name": "Gamma", "employees": 20}]))
    ok("storage", "record", "upsert", "--model-uuid", people["uuid"], "--records", j([
        {"_id": "p1", "name": "Ann", "company_id": "c1"}, {"_id": "p2", "name": "Bob", "company_id": "c1"},
        {"_id": "p3", "name": "Cy", "company_id": "c2"}]))
    return {"companies": companies["uuid"], "people": people["uuid"]}


def rows(sql: str) -> list[dict[str, object]]:
    return ok("storage", "query", "execute", sql)["rows"]


def test_accepted_queries_and_result_shape() -> None:
    seed()
    assert rows("SELECT name, employees, founded, meta FROM default.companies ORDER BY name LIMIT 2") == [
        {"name": "Acme", "employees": 500, "founded": "2020-01-15T00:00:00.000Z", "meta": {"industry": "SaaS"}},
        {"name": "Beta", "employees": 20, "founded": "2021-03-01T12:00:00.000Z", "meta": None}]
    assert rows("SELECT c.name, count(p._id) AS people FROM default.companies c "
                "LEFT JOIN default.people p ON p.company_id = c._id GROUP BY c.name ORDER BY people DESC, c.name") == [
        {"name": "Acme", "people": 2}, {"name": "Beta", "people": 1}, {"name": "Gamma", "people": 0}]
    assert rows("WITH big AS (SELECT * FROM default.companies WHERE employees > 100) SELECT name FROM big") == [
        {"name": "Acme"}]
    assert rows("SELECT name FROM default.companies WHERE _id IN (SELECT company_id FROM default.people) "
                "UNION SELECT 'x' ORDER BY 1") == [{"name": "Acme"}, {"name": "Beta"}, {"name": "x"}]
    assert rows("SELECT default.companies.name FROM default.companies ORDER BY name LIMIT 1 OFFSET 2") == [
        {"name": "Gamma"}]
    assert rows("SELECT lower(name) AS n, coalesce(employees, 0) + 1 AS e FROM default.companies "
                "WHERE name LIKE 'A%'") == [{"n": "acme", "e": 501}]


def test_row_cap_and_time_limit(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    model = make_model("n", [{"slug": "v", "type": "number"}])
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j([{"v": i} for i in range(101)]))
    out = ok("storage", "query", "execute", "SELECT a.v, b.v AS w FROM default.n a CROSS JOIN default.n b")
    assert len(out["rows"]) == 10_000
    assert "10000 rows" in capsys.readouterr().err

    from lading.services.storage import query as storage_query

    monkeypatch.setattr(storage_query, "TIMEOUT_SECONDS", 0.3)
    code, out = run_cli("storage", "query", "execute", "SELECT count(*) FROM default.n a, default.n b, default.n c, "
                        "default.n d, default.n e")
    assert code != 0 and "longer than" in out["errorMessage"]
    # The connection is usable afterwards (the limit does not leak into later statements).
    assert rows("SELECT count(*) AS c FROM default.n") == [{"c": 101}]


def test_query_download_streams_the_whole_result(tmp_path: Path) -> None:
    seed()
    out = ok("storage", "query", "download", "SELECT _id, name, meta FROM default.companies ORDER BY _id")
    text = read_export(out["url"])
    assert text.splitlines() == ["_id,name,meta", 'c1,Acme,"{""industry"":""SaaS""}"', "c2,Beta,", "c3,Gamma,"]
    out = ok("storage", "query", "download", "SELECT name FROM default.people ORDER BY name", "--format", "json")
    assert read_export(out["url"]) == '[{"name":"Ann"},{"name":"Bob"},{"name":"Cy"}]'
    out = ok("storage", "query", "download", "SELECT _id, name FROM default.people WHERE name = 'nobody'")
    assert read_export(out["url"]).splitlines() == ["_id,name"]
    code, out = run_cli("storage", "query", "download", "DELETE FROM default.people")
    assert code != 0 and "DELETE" in out["errorMessage"]


REFUSED_BOTH = [
    ("DELETE FROM default.companies", "DELETE"),
    ("UPDATE default.companies SET name = 'x'", "UPDATE"),
    ("INSERT INTO default.companies (_id) VALUES ('z')", "INSERT"),
    ("DROP TABLE default.companies", "DROP"),
    ("CREATE TABLE default.evil (x int)", "CREATE"),
    ("ALTER TABLE default.companies ADD COLUMN x int", "ALTER"),
    ("SELECT 1; DELETE FROM default.companies", "one statement"),
    ("SELECT * FROM default.companies; SELECT 1", "one statement"),
    ("WITH d AS (DELETE FROM default.companies RETURNING *) SELECT * FROM d", "DELETE"),
    ("SELECT * INTO copied FROM default.companies", "INTO"),
    ("SELECT * FROM default.nonexistent", "Table not found: default.nonexistent"),
    ("SELECT * FROM nodataset", "Table not found: nodataset"),
    ("SELECT * FROM workspaces", "Table not found: workspaces"),
    ("SELECT * FROM runs", "Table not found"),
    ("SELECT * FROM default.companies WHERE name = ?", "parameters"),
    ("SELECT * FROM x.y.z", "Table not found"),
    ("BEGIN", "not allowed"),
    ("SELEC name FROM default.companies", "could not be parsed"),
    ("", "empty"),
]
REFUSED_SQLITE = [
    ("ATTACH DATABASE '/tmp/evil.db' AS evil", "ATTACH"),
    ("DETACH DATABASE main", "not allowed"),
    ("PRAGMA query_only = 0", "PRAGMA"),
    ("PRAGMA writable_schema = 1", "PRAGMA"),
    ("SELECT * FROM sqlite_master", "Table not found: sqlite_master"),
    ("SELECT * FROM main.sqlite_master", "Table not found: main.sqlite_master"),
    ("SELECT * FROM pragma_table_info('models')", "not allowed"),
    ("SELECT load_extension('/tmp/evil.so')", "load_extension"),
    ("SELECT readfile('/etc/passwd')", "readfile"),
    ("SELECT writefile('/tmp/x', 'y')", "writefile"),
    ("SELECT fts3_tokenizer('simple')", "fts3_tokenizer"),
    ("VACUUM INTO '/tmp/copy.db'", "not allowed"),
]
REFUSED_PG = [
    ("SELECT pg_read_file('/etc/passwd')", "pg_read_file"),
    ("SELECT pg_read_binary_file('/etc/passwd')", "pg_read_binary_file"),
    ("SELECT pg_ls_dir('.')", "pg_ls_dir"),
    ("SELECT * FROM pg_ls_dir('.')", "not allowed"),
    ("SELECT lo_import('/etc/passwd')", "lo_import"),
    ("SELECT set_config('statement_timeout', '0', false)", "set_config"),
    ("SELECT current_setting('data_directory')", "current_setting"),
    ("SELECT pg_sleep(100)", "pg_sleep"),
    ("SELECT * FROM dblink('host=x', 'select 1') AS t(x int)", "not allowed"),
    ("COPY (SELECT 1) TO '/tmp/out'", "COPY"),
    ("COPY default.companies FROM '/etc/passwd'", "COPY"),
    ("SELECT * FROM pg_catalog.pg_class", "Table not found: pg_catalog.pg_class"),
    ("SELECT * FROM pg_shadow", "Table not found: pg_shadow"),
    ("SELECT * FROM information_schema.tables", "Table not found: information_schema.tables"),
    ("SELECT * FROM generate_series(1, 10)", "not allowed"),
    ("SELECT * FROM default.companies FOR UPDATE", "read-only"),
    ("SET statement_timeout = 0", "not allowed"),
    ("SELECT $1", "parameters"),
    ("SELECT query_to_xml('SELECT * FROM workspaces', true, true, '')", "query_to_xml"),
    ("SELECT lo_export(1, '/tmp/out')", "lo_export"),
    ("SELECT pg_stat_file('/etc/passwd')", "pg_stat_file"),
    ("SELECT nextval('some_sequence')", "nextval"),
]


def test_guard_corpus_refuses_everything_and_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = seed()
    ddl_before = ok("storage", "model", "get-ddl", ids["companies"])
    # Another workspace's model, and its physical table name.
    back = switch_workspace(monkeypatch, f"victim-{uuid.uuid4().hex[:8]}")
    victim = make_model("secrets", [{"slug": "token", "type": "string"}])
    ok("storage", "record", "upsert", "--model-uuid", victim["uuid"], "--records", j([{"token": "s3cr3t"}]))
    victim_ddl = ok("storage", "model", "get-ddl", victim["uuid"])["ddl"]
    victim_table = victim_ddl.split("CREATE TABLE ", 1)[1].split(" (", 1)[0]
    back()
    corpus = REFUSED_BOTH + (REFUSED_PG if PG else REFUSED_SQLITE) + [
        ("SELECT * FROM default.secrets", "Table not found: default.secrets"),
        (f"SELECT * FROM {victim_table}", "Table not found"),
        (f"SELECT c.name FROM default.companies c JOIN {victim_table} s ON 1 = 1", "Table not found"),
    ]
    for sql, expected in corpus:
        code, out = run_cli("storage", "query", "execute", sql)
        assert code != 0, sql
        assert isinstance(out, dict) and expected in out["errorMessage"], (sql, out)
    assert rows("SELECT count(*) AS n FROM default.companies") == [{"n": 3}]
    assert rows("SELECT name FROM default.people ORDER BY _id") == [{"name": "Ann"}, {"name": "Bob"}, {"name": "Cy"}]
    assert ok("storage", "model", "get-ddl", ids["companies"]) == ddl_before
    assert not Path("/tmp/evil.db").exists() and not Path("/tmp/copy.db").exists()
    code, out = run_cli("storage", "query", "execute", "SELECT * FROM default.nonexistent")
    assert out["errorMessage"] == "Table not found: default.nonexistent"


def test_sql_condition_checker() -> None:
    from lading.data.sql_guard import SqlRefusedError, check_boolean_clause

    allowed = {"revenue", "country", "name", "_id"}
    for dialect in ("sqlite", "postgresql"):
        out = check_boolean_clause("revenue > 1000000 AND country = 'US'", allowed, dialect)
        assert out == '"revenue" > 1000000 AND "country" = \'US\''
        assert check_boolean_clause("lower(name) LIKE 'a%' OR _id IN ('1', '2')", allowed, dialect)
        for clause, expected in [
            ("revenue > (SELECT max(revenue) FROM default.companies)", "subqueries"),
            ("EXISTS (SELECT 1 FROM workspaces)", "subqueries"),
            ("count(*) > 1", "aggregate"),
            ("other_column = 1", "unknown column other_column"),
            ("t.revenue > 1", "qualified"),
            ("revenue > 1; DROP TABLE x", "one statement"),
            ("revenue", "must be a condition"),
            ("load_extension('x') IS NULL", "load_extension"),
            ("pg_read_file('/etc/passwd') = ''", "pg_read_file"),
            ("revenue >", "could not be parsed"),
            ("", "empty"),
        ]:
            with pytest.raises(SqlRefusedError) as err:
                check_boolean_clause(clause, allowed, dialect)
            assert expected in err.value.message, (clause, err.value.message)
