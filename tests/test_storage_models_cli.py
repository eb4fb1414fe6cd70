"""Datasets, models, columns and relationships through the real CLI (data spec §1–3, §5)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from conftest import j, run_cli

BACKEND = "postgresql" if os.environ.get("LADING_TEST_DATABASE_URL") else "sqlite"


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def switch_workspace(monkeypatch: pytest.MonkeyPatch, name: str) -> Callable[[], None]:
    """Act as workspace `name` (made on first use) from now on; returns the switch back. Embedded, the
    CLI's workspace is LADING_WORKSPACE_NAME's; remote, its token's, so one is minted for `name` on the
    server's store, as an operator there would."""
    before = {key: os.environ.get(key) for key in ("LADING_WORKSPACE_NAME", "LADING_TOKEN")}
    monkeypatch.setenv("LADING_WORKSPACE_NAME", name)
    if os.environ.get("LADING_API_URL"):
        from lading.services.wiring import open_session
        from lading.services.workspace.tokens import create_token

        monkeypatch.setenv("LADING_TOKEN", create_token(open_session(), name="switch")["token"]["token"])

    def back() -> None:
        for key, value in before.items():
            if value is not None:
                monkeypatch.setenv(key, value)

    return back


def default_dataset() -> str:
    datasets = ok("storage", "dataset", "list")["datasets"]
    return next(d["uuid"] for d in datasets if d["slug"] == "default")


def make_model(slug: str = "companies", columns: list[dict[str, Any]] | None = None, dataset_uuid: str | None = None,
               **flags: str) -> dict[str, Any]:
    args = ["storage", "model", "create", "--slug", slug, "--name", slug.title(),
            "--dataset-uuid", dataset_uuid or default_dataset(), "--extractor-slug", "native", "--config", "{}"]
    if columns is not None:
        args += ["--columns", j(columns)]
    for flag, value in flags.items():
        args += [f"--{flag.replace('_', '-')}", value]
    return ok(*args)["model"]


def test_default_dataset_and_dataset_lifecycle() -> None:
    datasets = ok("storage", "dataset", "list")["datasets"]
    assert [d["slug"] for d in datasets] == ["default"]
    default = datasets[0]
    assert default["kind"] == "native" and default["connectorUuid"] is None
    assert default["config"] == {"kind": "object"} and default["createdAt"].endswith("Z")
    assert ok("storage", "dataset", "get", default["uuid"]) == {"dataset": default}

    crm = ok("storage", "dataset", "create", "--slug", "crm", "--name", "CRM")["dataset"]
    assert crm["slug"] == "crm" and crm["workspaceUuid"] == default["workspaceUuid"]
    code, out = run_cli("storage", "dataset", "create", "--slug", "crm")
    assert code != 0 and "already exists" in out["errorMessage"]
    code, out = run_cli("storage", "dataset", "create", "--slug", "bad-slug")
    assert code != 0 and "slug" in out["errorMessage"]

    model = make_model("deals", dataset_uuid=crm["uuid"])
    code, out = run_cli("storage", "dataset", "remove", crm["uuid"])
    assert code != 0 and "1 model" in out["errorMessage"]
    ok("storage", "model", "remove", model["uuid"])
    assert ok("storage", "dataset", "remove", crm["uuid"]) == {"uuid": crm["uuid"], "removed": True}
    code, out = run_cli("storage", "dataset", "get", crm["uuid"])
    assert code != 0 and out["reason"] == "datasetNotFound"
    code, out = run_cli("storage", "dataset", "remove", default["uuid"])
    assert code != 0 and "default" in out["errorMessage"]


def test_each_connector_owns_a_connector_dataset() -> None:
    code, connector = run_cli("connection", "connector", "create", "--integration-slug", "slack", "--slug",
                              "slack_main", "--name", "Slack", "--config",
                              j({"botToken": "xoxb-1", "baseUrl": "http://127.0.0.1:9"}))
    assert code == 0, connector
    datasets = {d["slug"]: d for d in ok("storage", "dataset", "list")["datasets"]}
    assert set(datasets) == {"default", "slack_main"}
    owned = datasets["slack_main"]
    assert owned["kind"] == "connector" and owned["connectorUuid"] == connector["connector"]["uuid"]
    assert ok("storage", "dataset", "list")["datasets"] == list(datasets.values())  # created once
    code, out = run_cli("storage", "model", "create", "--slug", "m", "--name", "M", "--dataset-uuid", owned["uuid"],
                        "--extractor-slug", "native", "--config", "{}")
    assert code != 0 and "connector" in out["errorMessage"]
    code, out = run_cli("storage", "dataset", "remove", owned["uuid"])
    assert code != 0


def test_model_create_get_update_pause_remove() -> None:
    model = make_model("companies", [{"slug": "name", "type": "string", "label": "Company Name", "kind": "original"},
                                     {"slug": "employee_count", "type": "number", "kind": "original"},
                                     {"slug": "score", "type": "number", "kind": "custom"}],
                       id_column_slug="name", time_column_slug="_time")
    assert model["idColumnSlug"] == "name" and model["titleColumnSlug"] == "name"
    assert model["timeColumnSlug"] == "_time" and model["kind"] == "native" and model["extractorSlug"] == "native"
    assert [c["slug"] for c in model["columns"]] == ["name", "employee_count"]
    assert model["columns"][0] == {"slug": "name", "type": "string", "label": "Company Name", "kind": "original",
                                   "originalSlug": "name", "description": None, "properties": None}
    assert [c["slug"] for c in model["additionalColumns"]] == ["score"]
    assert model["isPaused"] is False and model["playsCount"] == 0 and model["segmentsCount"] == 0
    assert ok("storage", "model", "get", model["uuid"]) == {"model": model}

    code, out = run_cli("storage", "model", "create", "--slug", "companies", "--name", "Again",
                        "--dataset-uuid", model["datasetUuid"], "--extractor-slug", "native", "--config", "{}")
    assert code != 0 and "already exists" in out["errorMessage"]
    code, out = run_cli("storage", "model", "create", "--slug", "c2", "--name", "C", "--dataset-uuid",
                        model["datasetUuid"], "--extractor-slug", "hubspot_companies", "--config", "{}")
    assert code != 0 and "hubspot_companies" in out["errorMessage"]

    updated = ok("storage", "model", "update", "--uuid", model["uuid"], "--name", "Accounts", "--is-paused", "true")
    assert updated["model"]["name"] == "Accounts" and updated["model"]["isPaused"] is True
    # Writes are still accepted while paused (spec §2.4).
    out = ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j([{"name": "Acme"}]))
    assert out["insertedRecordsCount"] == 1
    code, out = run_cli("storage", "model", "update", "--uuid", model["uuid"], "--is-paused", "yes")
    assert code != 0 and "true or false" in out["errorMessage"]
    code, out = run_cli("storage", "model", "update", "--uuid", model["uuid"], "--schedule", "0 * * * *")
    assert code != 0 and "schedule" in out["errorMessage"]
    resumed = ok("storage", "model", "update", "--uuid", model["uuid"], "--is-paused", "false")["model"]
    assert resumed["isPaused"] is False

    other = ok("storage", "dataset", "create", "--slug", "other")["dataset"]
    make_model("people", dataset_uuid=other["uuid"])
    in_default = ok("storage", "model", "list", "--dataset-uuid", model["datasetUuid"])["models"]
    assert [m["slug"] for m in in_default] == ["companies"]
    assert len(ok("storage", "model", "list")["models"]) == 2

    assert ok("storage", "model", "remove", model["uuid"]) == {"uuid": model["uuid"], "removed": True}
    code, out = run_cli("storage", "model", "get", model["uuid"])
    assert code != 0 and out["reason"] == "modelNotFound"
    code, out = run_cli("storage", "model", "refresh", ok("storage", "model", "list")["models"][0]["uuid"])
    assert code != 0 and "no sync" in out["errorMessage"]


def test_model_with_a_segment_cannot_be_removed() -> None:
    model = make_model("companies", [{"slug": "name", "type": "string"}])
    code, seg = run_cli("segmentation", "segment", "create", "--name", "All", "--model-uuid", model["uuid"],
                        "--filter", j({"conjonction": "and", "groups": []}))
    assert code == 0, seg
    assert ok("storage", "model", "get", model["uuid"])["model"]["segmentsCount"] == 1
    code, out = run_cli("storage", "model", "remove", model["uuid"])
    assert code != 0 and out["errorMessage"].endswith("Model is referenced by 1 segment")
    ok("segmentation", "segment", "remove", seg["segment"]["uuid"])
    assert ok("storage", "model", "remove", model["uuid"])["removed"] is True


def test_get_ddl_names_the_real_table_and_dialect() -> None:
    model = make_model("companies", [
        {"slug": "name", "type": "string"}, {"slug": "domain", "type": "string"},
        {"slug": "employee_count", "type": "number"}, {"slug": "active", "type": "boolean"},
        {"slug": "founded", "type": "date"}, {"slug": "meta", "type": "object"}])
    out = ok("storage", "model", "get-ddl", model["uuid"])
    ws_key = model["workspaceUuid"].replace("-", "")[:8]
    if BACKEND == "postgresql":
        assert out["language"] == "postgresql"
        assert out["ddl"].startswith(f'CREATE TABLE "datasets_default_{ws_key}"."models_companies" (\n  "_id" TEXT')
        assert '"employee_count" DOUBLE PRECISION' in out["ddl"] and '"founded" TIMESTAMPTZ' in out["ddl"]
        assert '"active" BOOLEAN' in out["ddl"] and '"meta" JSONB' in out["ddl"]
    else:
        assert out["language"] == "sqlite"
        assert out["ddl"].startswith(f'CREATE TABLE "datasets_default_{ws_key}__models_companies" (\n  "_id" TEXT')
        assert '"employee_count" REAL' in out["ddl"] and '"founded" TEXT' in out["ddl"]
        assert '"active" INTEGER' in out["ddl"] and '"meta" TEXT' in out["ddl"]
    # The DDL is the table's real shape: storage SQL sees exactly these columns.
    rows = ok("storage", "query", "execute", "SELECT * FROM default.companies")["rows"]
    assert rows == []
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j([{"name": "Acme"}]))
    row = ok("storage", "query", "execute", "SELECT * FROM default.companies")["rows"][0]
    assert list(row) == ["_id", "_title", "_time", "_created_at", "_updated_at", "name", "domain", "employee_count",
                         "active", "founded", "meta"]


def test_two_workspaces_with_the_same_slugs_keep_separate_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    mine = make_model("companies", [{"slug": "name", "type": "string"}])
    ok("storage", "record", "upsert", "--model-uuid", mine["uuid"], "--records", j([{"_id": "1", "name": "Mine"}]))
    switch_workspace(monkeypatch, f"other-{uuid.uuid4().hex[:8]}")
    theirs = make_model("companies", [{"slug": "name", "type": "string"}])
    assert ok("storage", "model", "get-ddl", theirs["uuid"])["ddl"] != ""
    ok("storage", "record", "upsert", "--model-uuid", theirs["uuid"], "--records", j([{"_id": "1", "name": "Theirs"}]))
    assert ok("storage", "query", "execute", "SELECT name FROM default.companies")["rows"] == [{"name": "Theirs"}]
    code, out = run_cli("storage", "model", "get", mine["uuid"])
    assert code != 0 and out["reason"] == "modelNotFound"
    code, out = run_cli("storage", "record", "list", "--model-uuid", mine["uuid"])
    assert code != 0


def test_columns_create_update_convert_remove_reorder() -> None:
    model = make_model("companies", [{"slug": "name", "type": "string"}])
    uuid_ = model["uuid"]
    out = ok("storage", "column", "create", "--model-uuid", uuid_, "--column",
             j({"slug": "employees", "type": "string", "label": "Employees", "kind": "custom"}))
    assert out["columns"] == [
        {"slug": "name", "type": "string", "label": "name", "kind": "original", "originalSlug": "name",
         "description": None, "properties": None, "position": 0},
        {"slug": "employees", "type": "string", "label": "Employees", "kind": "custom", "description": None,
         "properties": None, "position": 1}]
    assert ok("storage", "column", "list", "--model-uuid", uuid_) == out

    code, err = run_cli("storage", "column", "create", "--model-uuid", uuid_, "--column",
                        j({"slug": "employees", "type": "number", "kind": "custom"}))
    assert code != 0 and err["errorMessage"].endswith("Column employees already exists")
    for bad in ({"slug": "_secret", "type": "string"}, {"slug": "x", "type": "decimal"},
                {"slug": "x", "type": "string", "kind": "weird"}):
        code, err = run_cli("storage", "column", "create", "--model-uuid", uuid_, "--column", j(bad))
        assert code != 0 and err["errorMessage"], bad
    code, err = run_cli("storage", "column", "create", "--model-uuid", uuid_, "--column",
                        j({"slug": "total", "type": "number", "kind": "computed"}))
    assert code != 0 and "expression" in err["errorMessage"]  # kind-specific fields are required

    ok("storage", "record", "upsert", "--model-uuid", uuid_, "--records",
       j([{"_id": "a", "name": "A", "employees": "12"}, {"_id": "b", "name": "B", "employees": "many"}]))
    code, err = run_cli("storage", "column", "update", "--model-uuid", uuid_, "--column",
                        j({"slug": "employees", "type": "number", "label": "Employees"}))
    assert code != 0 and "record b" in err["errorMessage"] and "nothing was changed" in err["errorMessage"]
    records = ok("storage", "record", "list", "--model-uuid", uuid_)["records"]
    assert [r["employees"] for r in records] == ["12", "many"]
    ok("storage", "record", "upsert", "--model-uuid", uuid_, "--records", j([{"_id": "b", "employees": "7.5"}]))
    out = ok("storage", "column", "update", "--model-uuid", uuid_, "--column",
             j({"slug": "employees", "type": "number", "label": "Head count"}))
    assert out["columns"][1] == {"slug": "employees", "type": "number", "label": "Head count", "kind": "custom",
                                 "description": None, "properties": None, "position": 1}
    records = ok("storage", "record", "list", "--model-uuid", uuid_)["records"]
    assert [r["employees"] for r in records] == [12, 7.5]
    total = ok("storage", "query", "execute", "SELECT sum(employees) AS s FROM default.companies")["rows"]
    assert total == [{"s": 19.5}]

    ok("storage", "column", "create", "--model-uuid", uuid_, "--column", j({"slug": "tier", "type": "string"}))
    out = ok("storage", "column", "reorder", "--model-uuid", uuid_, "--column-slug", "tier", "--to-index", "1")
    assert [c["slug"] for c in out["columns"]] == ["name", "tier", "employees"]
    code, err = run_cli("storage", "column", "reorder", "--model-uuid", uuid_, "--column-slug", "tier",
                        "--to-index", "9")
    assert code != 0
    out = ok("storage", "column", "remove", "--model-uuid", uuid_, "--column-slug", "employees")
    assert [c["slug"] for c in out["columns"]] == ["name", "tier"]
    code, err = run_cli("storage", "query", "execute", "SELECT employees FROM default.companies")
    assert code != 0 and "employees" in err["errorMessage"]
    for args in (("update", "--column", j({"slug": "nope", "type": "string"})), ("remove", "--column-slug", "nope"),
                 ("reorder", "--column-slug", "nope", "--to-index", "0")):
        code, err = run_cli("storage", "column", args[0], "--model-uuid", uuid_, *args[1:])
        assert code != 0 and err["reason"] == "columnNotFound", args


def test_relationships_set_and_list() -> None:
    companies = make_model("companies", [{"slug": "name", "type": "string"}])
    people = make_model("people", [{"slug": "company_id", "type": "string"}])
    events = make_model("events", [{"slug": "person_id", "type": "string"}])
    assert ok("storage", "relationship", "list", "--model-uuid", people["uuid"]) == {"relationships": []}
    out = ok("storage", "relationship", "set", "--from-model-uuid", people["uuid"], "--to-model-uuid",
             companies["uuid"], "--from-column-slug", "company_id", "--to-column-slug", "_id")
    assert len(out["relationships"]) == 1
    rel = out["relationships"][0]
    assert rel["relation"] == "manyToOne" and rel["fromColumnSlug"] == "company_id" and rel["toColumnSlug"] == "_id"
    out = ok("storage", "relationship", "set", "--from-model-uuid", events["uuid"], "--to-model-uuid", people["uuid"],
             "--from-column-slug", "person_id", "--to-column-slug", "_id")
    assert len(out["relationships"]) == 2  # the single-pair form keeps the others
    listed = ok("storage", "relationship", "list", "--model-uuid", people["uuid"])["relationships"]
    assert len(listed) == 2
    # The whole-set form replaces everything absent from the payload.
    out = ok("storage", "relationship", "set", "--relationships", j([
        {"fromModelUuid": events["uuid"], "toModelUuid": people["uuid"], "fromColumnSlug": "person_id",
         "toColumnSlug": "_id", "relation": "manyToOne"}]))
    assert [(r["fromModelUuid"], r["toModelUuid"]) for r in out["relationships"]] == [(events["uuid"], people["uuid"])]
    code, err = run_cli("storage", "relationship", "set", "--from-model-uuid", people["uuid"], "--to-model-uuid",
                        companies["uuid"], "--from-column-slug", "missing", "--to-column-slug", "_id")
    assert code != 0 and "missing" in err["errorMessage"]
    code, err = run_cli("storage", "relationship", "set", "--relationships", j([
        {"fromModelUuid": events["uuid"], "toModelUuid": people["uuid"], "fromColumnSlug": "person_id",
         "toColumnSlug": "_id", "relation": "manyToMany"}]))
    assert code != 0 and "relation" in err["errorMessage"]


@pytest.mark.parametrize("group", ["dataset", "model", "column", "relationship", "record", "query"])
def test_storage_help(group: str) -> None:
    code, out = run_cli("storage", group, "--help")
    assert code == 0 and "Usage" in out
