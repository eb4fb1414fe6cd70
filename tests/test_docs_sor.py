"""The system-of-record command lines of Cargo's documents (data spec §6.3), verbatim with `lading`:
`system-of-record sor list`, `client query "<sql>"`, `client fetch --query --limit --offset`, `client
download --query`, `client get-documentation <slug>`, over a model made through the CLI and named as
`storage model get-ddl` prints it (and as the documents write it, `datasets_default.models_companies`).

The first part runs through the `cli` fixture, so it runs embedded and, with `LADING_TEST_MODE=remote`,
over HTTP; the second drives the routes of a real server with httpx (two workspaces) and checks the
remote CLI prints what the embedded one prints.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from api_server import refused, same
from conftest import Result, j, read_export

RECORDS = [{"_id": "a", "name": "Acme Corp", "domain": "acme.com", "employee_count": 500, "tags": ["b2b"]},
           {"_id": "b", "name": "Globex", "domain": "globex.com", "employee_count": 1200},
           {"_id": "c", "name": "Initech", "domain": "initech.com", "employee_count": 50}]
COLUMNS = [{"slug": "name", "type": "string"}, {"slug": "domain", "type": "string"},
           {"slug": "employee_count", "type": "number"}, {"slug": "tags", "type": "array"}]


def ok(result: Result) -> Any:
    code, out = result
    assert code == 0, out
    return out


def companies(cli: Callable[..., Result], slug: str = "companies") -> dict[str, Any]:
    """A `default.<slug>` model with three records, made through the CLI; its uuid and the physical name
    `get-ddl` prints (the text between `CREATE TABLE` and the column list, quotes included)."""
    datasets = ok(cli("storage", "dataset", "list"))["datasets"]
    dataset = next(d for d in datasets if d["slug"] == "default")
    model = ok(cli("storage", "model", "create", "--slug", slug, "--name", slug.title(), "--dataset-uuid",
                   dataset["uuid"], "--columns", j(COLUMNS)))["model"]
    ok(cli("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j(RECORDS)))
    ddl = ok(cli("storage", "model", "get-ddl", model["uuid"]))
    quoted = re.match(r"CREATE TABLE (\S+) \(", ddl["ddl"])
    assert quoted, ddl
    return {"uuid": model["uuid"], "quoted": quoted.group(1), "physical": quoted.group(1).replace('"', ""),
            "language": ddl["language"]}


def not_queried(result: Result) -> str:
    """A refused query: an outcome (exit 0), `{"outcome": "notQueried", "errorMessage"}` and nothing else."""
    out = ok(result)
    assert set(out) == {"outcome", "errorMessage"} and out["outcome"] == "notQueried", out
    assert out["errorMessage"] and "Traceback" not in out["errorMessage"], out
    return str(out["errorMessage"])


# --- the commands, embedded and (LADING_TEST_MODE=remote) over HTTP ---------------------------------------


def test_sor_list_shows_one_entry_the_workspace_storage(cli: Callable[..., Result]) -> None:
    sors = ok(cli("system-of-record", "sor", "list"))["sors"]
    assert len(sors) == 1
    sor = sors[0]
    assert set(sor) == {"uuid", "workspaceUuid", "slug", "name", "kind", "language"}
    assert sor["slug"] == "lading" and sor["language"] in ("sqlite", "postgresql")
    assert uuid.UUID(sor["uuid"]) and ok(cli("system-of-record", "sor", "list"))["sors"] == sors  # stable


def test_query_by_the_physical_name_of_get_ddl(cli: Callable[..., Result]) -> None:
    table = companies(cli)
    expected = [{"name": "Acme Corp", "domain": "acme.com", "employee_count": 500},
                {"name": "Globex", "domain": "globex.com", "employee_count": 1200},
                {"name": "Initech", "domain": "initech.com", "employee_count": 50}]
    for name in (table["quoted"], table["physical"], "datasets_default.models_companies", "default.companies"):
        out = ok(cli("system-of-record", "client", "query",
                     f"SELECT name, domain, employee_count FROM {name} ORDER BY name"))
        assert out == {"outcome": "queried", "rows": expected}, name
    # The documents' forms: WHERE, aggregates, aliases and joins, subqueries; JSON columns as JSON values.
    assert ok(cli("system-of-record", "client", "query",
                  "SELECT COUNT(*) as total FROM datasets_default.models_companies"))["rows"] == [{"total": 3}]
    assert ok(cli("system-of-record", "client", "query",
                  "SELECT name, domain FROM datasets_default.models_companies WHERE employee_count > 100 "
                  "AND name LIKE '%Co%' ORDER BY name"))["rows"] == [{"name": "Acme Corp", "domain": "acme.com"}]
    rows = ok(cli("system-of-record", "client", "query",
                  f"SELECT c.name, d.tags FROM {table['physical']} c JOIN datasets_default.models_companies d "
                  "ON c._id = d._id WHERE c.employee_count > (SELECT AVG(employee_count) FROM "
                  f"{table['physical']}) ORDER BY c.name"))["rows"]
    assert rows == [{"name": "Globex", "tags": None}]
    assert ok(cli("system-of-record", "client", "query", "--query",
                  "SELECT tags FROM default.companies WHERE _id = 'a'"))["rows"] == [{"tags": ["b2b"]}]


def test_fetch_pages_with_limit_and_offset(cli: Callable[..., Result]) -> None:
    companies(cli)
    sql = "SELECT * FROM datasets_default.models_companies ORDER BY name"
    first = ok(cli("system-of-record", "client", "fetch", "--query", sql, "--limit", "2", "--offset", "0"))
    assert first["outcome"] == "queried" and [r["name"] for r in first["rows"]] == ["Acme Corp", "Globex"]
    assert set(first["rows"][0]) >= {"_id", "name", "domain", "employee_count", "tags"}
    second = ok(cli("system-of-record", "client", "fetch", "--query", sql, "--limit", "2", "--offset", "2"))
    assert [r["name"] for r in second["rows"]] == ["Initech"]
    assert ok(cli("system-of-record", "client", "fetch", "--query", sql, "--limit", "2",
                  "--offset", "5")) == {"outcome": "queried", "rows": []}
    assert len(ok(cli("system-of-record", "client", "fetch", "--query", sql))["rows"]) == 3  # default limit 100
    code, out = cli("system-of-record", "client", "fetch", "--query", sql, "--limit", "0")
    assert code == 1 and out["reason"] == "invalidData" and "--limit" in out["errorMessage"]
    code, out = cli("system-of-record", "client", "fetch", "--query", sql, "--offset", "-1")
    assert code == 1 and "--offset" in out["errorMessage"]
    code, out = cli("system-of-record", "client", "fetch", "--limit", "1")
    assert code == 2 and "--query" in out["errorMessage"], out


def test_download_answers_a_link_to_the_whole_result(cli: Callable[..., Result]) -> None:
    table = companies(cli)
    out = ok(cli("system-of-record", "client", "download", "--query",
                 f"SELECT name, domain, employee_count FROM {table['physical']} ORDER BY employee_count DESC"))
    assert set(out) == {"outcome", "url"} and out["outcome"] == "queried"
    rows = list(csv.reader(io.StringIO(read_export(out["url"]))))
    assert rows == [["name", "domain", "employee_count"], ["Globex", "globex.com", "1200"],
                    ["Acme Corp", "acme.com", "500"], ["Initech", "initech.com", "50"]]
    as_json = ok(cli("system-of-record", "client", "download", "--query", "SELECT _id FROM default.companies "
                     "ORDER BY _id", "--format", "json"))
    assert read_export(as_json["url"]) == '[{"_id":"a"},{"_id":"b"},{"_id":"c"}]'
    assert "DELETE" in not_queried(cli("system-of-record", "client", "download", "--query",
                                       "DELETE FROM datasets_default.models_companies"))
    code, refusal = cli("system-of-record", "client", "download", "--query", "SELECT 1", "--format", "xlsx")
    assert code == 1 and refusal["reason"] == "invalidData"


def test_get_documentation_prints_plain_text(cli: Callable[..., Result]) -> None:
    table = companies(cli)
    slug = ok(cli("system-of-record", "sor", "list"))["sors"][0]["slug"]
    code, text = cli("system-of-record", "client", "get-documentation", slug)
    assert code == 0 and isinstance(text, str), text
    assert f"### {table['physical']}" in text and "datasets_default.models_companies" in text
    assert "employee_count" in text and table["uuid"] in text and f"dialect: {table['language']}" in text
    assert "system-of-record client query" in text and "notQueried" in text
    code, out = cli("system-of-record", "client", "get-documentation", "warehouse")
    assert code == 1 and out["reason"] == "systemOfRecordNotFound" and out["status"] == 404, out
    assert "'warehouse'" in out["errorMessage"] and "lading" in out["errorMessage"]


def test_refused_sql_is_an_outcome_and_writes_nothing(cli: Callable[..., Result]) -> None:
    table = companies(cli)
    for sql in (f"DELETE FROM {table['physical']}", "DELETE FROM datasets_default.models_companies",
                f"UPDATE {table['physical']} SET name = 'x'",
                f"INSERT INTO {table['physical']} (_id) VALUES ('z')", f"DROP TABLE {table['physical']}",
                "SELECT 1; DELETE FROM default.companies"):
        assert not_queried(cli("system-of-record", "client", "query", sql)), sql
        assert not_queried(cli("system-of-record", "client", "fetch", "--query", sql)), sql
    missing = "datasets_default.models_nonexistent"
    assert not_queried(cli("system-of-record", "client", "query", f"SELECT * FROM {missing}")) \
        == f"Table not found: {missing}"
    assert not_queried(cli("system-of-record", "client", "query", "SELECT * FROM nothing_here")).startswith(
        "Table not found: nothing_here")
    assert not_queried(cli("system-of-record", "client", "query", "SELEC name FROM default.companies"))
    assert not_queried(cli("system-of-record", "client", "query", "SELECT * FROM sqlite_master"))
    assert not_queried(cli("system-of-record", "client", "query", "SELECT * FROM pg_catalog.pg_tables"))
    assert ok(cli("system-of-record", "client", "query", "SELECT COUNT(*) AS n FROM default.companies"))["rows"] \
        == [{"n": 3}]
    code, out = cli("system-of-record", "client", "query")
    assert code == 2 and "--query" in out["errorMessage"], out


@pytest.mark.embedded_only
def test_another_workspace_physical_table_is_not_found(cli: Callable[..., Result],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workspaces on one store: the other's `get-ddl` name reads as an unknown table."""
    from lading.store.database import reset_database_cache

    mine, home_workspace = companies(cli), os.environ["LADING_WORKSPACE_NAME"]
    monkeypatch.setenv("LADING_WORKSPACE_NAME", f"other-{uuid.uuid4().hex[:8]}")
    reset_database_cache()
    theirs = companies(cli, "secrets")
    assert ok(cli("system-of-record", "client", "query", f"SELECT COUNT(*) AS n FROM {theirs['physical']}"))[
        "rows"] == [{"n": 3}]
    monkeypatch.setenv("LADING_WORKSPACE_NAME", home_workspace)
    reset_database_cache()
    for name in (theirs["physical"], theirs["quoted"], "datasets_default.models_secrets", "default.secrets"):
        message = not_queried(cli("system-of-record", "client", "query", f"SELECT * FROM {name}"))
        assert message.startswith("Table not found"), (name, message)
        assert not_queried(cli("system-of-record", "client", "download", "--query", f"SELECT * FROM {name}"))
    assert ok(cli("system-of-record", "client", "query", f"SELECT COUNT(*) AS n FROM {mine['physical']}"))[
        "rows"] == [{"n": 3}]
    _, text = cli("system-of-record", "client", "get-documentation", "lading")
    assert theirs["physical"] not in text and mine["physical"] in text


@pytest.mark.parametrize("args", [
    ("system-of-record",), ("system-of-record", "sor"), ("system-of-record", "sor", "list"),
    ("system-of-record", "client"), ("system-of-record", "client", "query"),
    ("system-of-record", "client", "fetch"), ("system-of-record", "client", "download"),
    ("system-of-record", "client", "get-documentation")])
def test_help_on_every_group_and_command(args: tuple[str, ...]) -> None:
    done = subprocess.run([sys.executable, "-m", "lading", *args, "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("Usage: lading " + " ".join(args)), done
    if args[-1] in ("fetch", "download"):
        assert "--query" in done.stdout and "get-ddl" in done.stdout
    if args[-1] == "fetch":
        assert "--limit" in done.stdout and "--offset" in done.stdout and "100" in done.stdout
    if args[-1] == "query":
        assert "notQueried" in done.stdout and "physical name" in done.stdout


# --- the routes on a real server (Lading additions under /storage/systemOfRecord) ----------------------------


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _server_model(api_server: Any, workspace: str, slug: str) -> dict[str, Any]:
    """`default.<slug>` with the three records, made by the embedded CLI on the server's store."""

    def lading(*args: str) -> Result:
        return 0, api_server.lading(*args, workspace=workspace)

    return companies(lading, slug)


def test_routes_answer_the_cli_documents_and_keep_workspaces_apart(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    mine = _server_model(api_server, "alpha", "companies")
    theirs = _server_model(api_server, "beta", "vault")
    base = "/storage/systemOfRecord"

    sors = _ok(alpha.get(f"{base}/sors/list"))
    assert sors == api_server.lading("system-of-record", "sor", "list")
    assert sors["sors"][0]["uuid"] != _ok(beta.get(f"{base}/sors/list"))["sors"][0]["uuid"]

    sql = f"SELECT name FROM {mine['quoted']} ORDER BY name"
    assert _ok(alpha.post(f"{base}/clients/query", json={"query": sql})) == {
        "outcome": "queried", "rows": [{"name": "Acme Corp"}, {"name": "Globex"}, {"name": "Initech"}]}
    assert _ok(alpha.post(f"{base}/clients/fetch", json={"query": sql, "limit": 1, "offset": 1})) == {
        "outcome": "queried", "rows": [{"name": "Globex"}]}
    link = _ok(alpha.post(f"{base}/clients/download", json={"query": sql}))
    assert link["outcome"] == "queried" and read_export(link["url"]).splitlines() == [
        "name", "Acme Corp", "Globex", "Initech"]
    page = alpha.get(f"{base}/clients/lading/documentation")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    assert mine["physical"] in page.text and theirs["physical"] not in page.text

    # refusals are outcomes (200); beta's tables are unknown to alpha, whichever name is used
    for body in ({"query": "DELETE FROM default.companies"}, {"query": f"SELECT * FROM {theirs['quoted']}"},
                 {"query": "SELECT * FROM datasets_default.models_vault"}):
        for route in ("query", "fetch", "download"):
            answer = _ok(alpha.post(f"{base}/clients/{route}", json=body))
            assert answer["outcome"] == "notQueried" and set(answer) == {"outcome", "errorMessage"}, answer
    assert _ok(beta.post(f"{base}/clients/query", json={"query": f"SELECT COUNT(*) AS n FROM {theirs['quoted']}"}))[
        "rows"] == [{"n": 3}]

    refused(alpha.get(f"{base}/clients/warehouse/documentation"), 404, "systemOfRecordNotFound")
    refused(alpha.post(f"{base}/clients/fetch", json={"query": sql, "limit": 0}), 400, "invalidData")
    refused(alpha.post(f"{base}/clients/fetch", json={"query": sql, "limit": 10_001}), 400, "invalidData")
    refused(alpha.post(f"{base}/clients/download", json={"query": sql, "format": "xlsx"}), 400, "invalidData")
    refused(alpha.post(f"{base}/clients/query", json={"sql": sql}), 400, "invalidPayload")
    refused(alpha.post(f"{base}/clients/query", json={}), 400, "invalidPayload")
    refused(httpx.post(f"{api_server.url}/v1{base}/clients/query", json={"query": sql}), 401, "unauthorized")
    # the client's own domain stays out of scope (api.md §14)
    refused(alpha.get("/systemOfRecordIntegration/systemOfRecords/list"), 501, "notSupported")


def test_remote_cli_prints_what_the_embedded_cli_prints(api_server: Any, remote: Callable[..., Result]) -> None:
    table = _server_model(api_server, "alpha", "accounts")
    same(api_server, remote, "system-of-record", "sor", "list")
    sql = f"SELECT name, tags FROM {table['physical']} ORDER BY name"
    same(api_server, remote, "system-of-record", "client", "query", sql)
    same(api_server, remote, "system-of-record", "client", "query", "UPDATE default.accounts SET name = 'x'")
    same(api_server, remote, "system-of-record", "client", "fetch", "--query", sql, "--limit", "1", "--offset", "2")
    code, link = remote("system-of-record", "client", "download", "--query", sql)
    assert code == 0 and link["outcome"] == "queried" and "Initech" in read_export(link["url"])
    code, text = remote("system-of-record", "client", "get-documentation", "lading")
    env = {**api_server.env, "LADING_WORKSPACE_NAME": api_server.workspaces["alpha"]}
    embedded = subprocess.run([sys.executable, "-m", "lading", "system-of-record", "client", "get-documentation",
                               "lading"], env=env, capture_output=True, text=True, timeout=60)
    assert code == 0 and text == embedded.stdout and table["physical"] in text
    code, out = remote("system-of-record", "client", "get-documentation", "nope")
    assert code == 1 and out["reason"] == "systemOfRecordNotFound"
    code, out = remote("system-of-record", "client", "fetch", "--query", sql, "--limit", "0")
    assert code == 1 and out["reason"] == "invalidData"
