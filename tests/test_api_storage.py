"""The storage routes (api.md §3, §12) against a real `lading serve`: every route's happy path and
documented errors, two-workspace isolation, and the storage CLI in remote mode answering what the
embedded command answers."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from api_server import refused
from conftest import read_export


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()




def _slug(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def _default_dataset(client: httpx.Client) -> dict[str, Any]:
    datasets = _ok(client.get("/storage/datasets/list"))["datasets"]
    return next(d for d in datasets if d["slug"] == "default")


def _model(client: httpx.Client, columns: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    body = {"slug": _slug("m"), "name": "Companies", "datasetUuid": _default_dataset(client)["uuid"],
            "extractorSlug": "native", "config": {}, **extra}
    if columns is not None:
        body["columns"] = columns
    return _ok(client.post("/storage/models", json=body))["model"]


def _delete(client: httpx.Client, path: str, body: Any) -> httpx.Response:
    return client.request("DELETE", path, json=body)


# --- datasets -------------------------------------------------------------------------------------------


def test_datasets_list_get_create_remove_and_isolation(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    default = _default_dataset(alpha)
    assert default["kind"] == "native" and default["config"] == {"kind": "object"}
    assert set(default) >= {"updatedAt", "deletedAt"} and default["deletedAt"] is None

    slug = _slug("crm")
    created = _ok(alpha.post("/storage/datasets", json={"slug": slug, "name": "CRM"}))["dataset"]
    assert created["slug"] == slug and created["name"] == "CRM" and created["updatedAt"]
    assert _ok(alpha.get(f"/storage/datasets/{created['uuid']}")) == {"dataset": created}
    refused(alpha.post("/storage/datasets", json={"slug": slug}), 409, "datasetAlreadyExists")
    refused(alpha.post("/storage/datasets", json={"slug": "no spaces"}), 400, "invalidSlug")
    refused(alpha.post("/storage/datasets", json={"slug": "x", "colour": "red"}), 400, "invalidPayload")
    refused(alpha.get(f"/storage/datasets/{uuid.uuid4()}"), 404, "datasetNotFound")

    # beta sees none of alpha's datasets, by id or in its list
    refused(beta.get(f"/storage/datasets/{created['uuid']}"), 404, "datasetNotFound")
    refused(beta.delete(f"/storage/datasets/{created['uuid']}"), 404, "datasetNotFound")
    beta_uuids = {d["uuid"] for d in _ok(beta.get("/storage/datasets/list"))["datasets"]}
    assert created["uuid"] not in beta_uuids and default["uuid"] not in beta_uuids

    refused(alpha.delete(f"/storage/datasets/{default['uuid']}"), 409, "datasetNotRemovable")
    assert _ok(alpha.delete(f"/storage/datasets/{created['uuid']}")) == {"uuid": created["uuid"], "removed": True}
    refused(alpha.get(f"/storage/datasets/{created['uuid']}"), 404, "datasetNotFound")


# --- models ---------------------------------------------------------------------------------------------


def test_models_create_get_list_update_remove(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    dataset = _default_dataset(alpha)
    model = _model(alpha, [{"slug": "name", "type": "string", "kind": "original"}], description="Our customers",
                   idColumnSlug="name")
    assert model["description"] == "Our customers" and model["idColumnSlug"] == "name"
    assert model["position"] == {"x": 0, "y": 0} and model["meta"] == {} and model["lastRun"] is None
    for key in ("unification", "folderUuid", "lastEmittedAt", "deletedAt"):
        assert key in model and model[key] is None
    uuid_ = model["uuid"]
    assert _ok(alpha.get(f"/storage/models/{uuid_}")) == {"model": model}
    listed = _ok(alpha.get("/storage/models/list", params={"datasetUuid": dataset["uuid"]}))["models"]
    assert uuid_ in {m["uuid"] for m in listed}
    assert uuid_ in {m["uuid"] for m in _ok(alpha.get("/storage/models/list"))["models"]}
    refused(alpha.get("/storage/models/list", params={"datasetUuid": str(uuid.uuid4())}), 404, "datasetNotFound")

    exists = alpha.get("/storage/models/existsBySlug", params={"slug": model["slug"], "datasetUuid": dataset["uuid"]})
    assert _ok(exists) == {"exists": True}
    absent = alpha.get("/storage/models/existsBySlug", params={"slug": "nothing_here", "datasetUuid": dataset["uuid"]})
    assert _ok(absent) == {"exists": False}
    refused(alpha.get("/storage/models/existsBySlug", params={"slug": "x"}), 400, "invalidPayload")

    ddl = _ok(alpha.get(f"/storage/models/{uuid_}/ddl"))
    assert ddl["language"] in ("sqlite", "postgresql") and '"name"' in ddl["ddl"]

    updated = _ok(alpha.put(f"/storage/models/{uuid_}", json={
        "name": "Accounts", "description": None, "position": {"x": 10, "y": -4.5}, "unification": {"on": ["name"]},
        "isPaused": True, "schedule": None, "folderUuid": None}))["model"]
    assert updated["name"] == "Accounts" and updated["description"] is None and updated["isPaused"] is True
    assert updated["position"] == {"x": 10, "y": -4.5} and updated["unification"] == {"on": ["name"]}
    # only what is sent changes
    again = _ok(alpha.put(f"/storage/models/{uuid_}", json={"isPaused": False}))["model"]
    assert again["name"] == "Accounts" and again["position"] == {"x": 10, "y": -4.5} and again["isPaused"] is False
    refused(alpha.put(f"/storage/models/{uuid_}", json={"folderUuid": str(uuid.uuid4())}), 404, "folderNotFound")
    refused(alpha.put(f"/storage/models/{uuid_}", json={"isPaused": "sometimes"}), 400, "invalidData")
    refused(alpha.put(f"/storage/models/{uuid_}", json={"schedule": {"type": "cron", "cron": "0 * * * *"}}), 400,
           "invalidSchedule")
    refused(alpha.put(f"/storage/models/{uuid_}", json={"position": {"x": "left"}}), 400, "invalidData")
    folder = _ok(alpha.post("/workspaceManagement/folders", json={"name": _slug("f"), "kind": "model",
                                                                        "emojiSlug": None}))["folder"]
    filed = _ok(alpha.put(f"/storage/models/{uuid_}", json={"folderUuid": folder["uuid"]}))["model"]
    assert filed["folderUuid"] == folder["uuid"]

    refused(alpha.post("/storage/models", json={"slug": model["slug"], "name": "Again", "datasetUuid": dataset["uuid"],
                                               "extractorSlug": "native", "config": {}}), 409, "modelAlreadyExists")
    refused(alpha.post("/storage/models", json={"slug": _slug("m"), "name": "Hub", "datasetUuid": dataset["uuid"],
                                               "extractorSlug": "hubspot_companies", "config": {}}),
           400, "invalidDataset")  # a connector extractor fills a connector's dataset
    refused(alpha.post("/storage/models", json={"slug": _slug("m"), "name": "Hub", "datasetUuid": dataset["uuid"],
                                               "extractorSlug": "pipedream", "config": {}}),
           400, "extractorNotFound")
    refused(alpha.post("/storage/models", json={"slug": _slug("m"), "name": "X", "datasetUuid": str(uuid.uuid4()),
                                               "extractorSlug": "native", "config": {}}), 404, "datasetNotFound")
    refused(alpha.post("/storage/models", json={"slug": _slug("m"), "name": "X"}), 400, "invalidPayload")
    refused(alpha.post(f"/storage/models/{uuid_}/refresh"), 400, "refreshNotSupported")

    assert _ok(_delete(alpha, f"/storage/models/{uuid_}", {})) == {"uuid": uuid_, "removed": True}
    refused(alpha.get(f"/storage/models/{uuid_}"), 404, "modelNotFound")
    refused(_delete(alpha, f"/storage/models/{uuid_}", {}), 404, "modelNotFound")


def test_model_preview_and_count(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    dataset = _default_dataset(alpha)
    source = {"datasetUuid": dataset["uuid"], "slug": "native", "config": {}}
    assert _ok(alpha.post("/storage/models/preview", json=source)) == {"records": [], "columns": [], "count": 0}
    assert _ok(alpha.post("/storage/models/previewCount", json=source)) == {"count": 0}
    for route in ("/storage/models/preview", "/storage/models/previewCount"):
        refused(alpha.post(route, json={**source, "slug": "salesforce_accounts"}), 400, "invalidDataset")
        refused(alpha.post(route, json={**source, "slug": "pipedream"}), 400, "extractorNotFound")
        refused(alpha.post(route, json={**source, "config": "x"}), 400, "invalidConfig")
        refused(alpha.post(route, json={**source, "datasetUuid": str(uuid.uuid4())}), 404, "datasetNotFound")
        refused(beta.post(route, json=source), 404, "datasetNotFound")


def test_models_isolation(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    model = _model(alpha)
    uuid_ = model["uuid"]
    for response in (beta.get(f"/storage/models/{uuid_}"), beta.get(f"/storage/models/{uuid_}/ddl"),
                     beta.put(f"/storage/models/{uuid_}", json={"name": "stolen"}),
                     beta.post(f"/storage/models/{uuid_}/refresh"), _delete(beta, f"/storage/models/{uuid_}", {})):
        refused(response, 404, "modelNotFound")
    assert uuid_ not in {m["uuid"] for m in _ok(beta.get("/storage/models/list"))["models"]}
    alpha_dataset = _default_dataset(alpha)["uuid"]
    refused(beta.get("/storage/models/existsBySlug", params={"slug": model["slug"], "datasetUuid": alpha_dataset}),
           404, "datasetNotFound")
    refused(beta.get("/storage/models/list", params={"datasetUuid": alpha_dataset}), 404, "datasetNotFound")
    assert _ok(alpha.get(f"/storage/models/{uuid_}"))["model"]["name"] == "Companies"


# --- columns --------------------------------------------------------------------------------------------


def test_columns_routes(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    model = _model(alpha, [{"slug": "name", "type": "string", "kind": "original"}])
    uuid_ = model["uuid"]
    names = _ok(alpha.get("/storage/columns/list", params={"modelUuid": uuid_}))
    assert names == {"columns": ["_id", "_title", "_time", "_created_at", "_updated_at", "name"]}

    created = _ok(alpha.post("/storage/columns", json={"modelUuid": uuid_, "column": {
        "slug": "city", "type": "string", "label": "City", "kind": "custom", "description": "HQ city",
        "properties": ["address"]}}))
    city = created["columns"][1]
    assert city == {"slug": "city", "type": "string", "label": "City", "kind": "custom", "description": "HQ city",
                    "properties": ["address"], "position": 1}
    objects = _ok(alpha.get("/storage/columns/list", params={"modelUuid": uuid_, "objects": "true"}))
    assert objects == created
    refused(alpha.post("/storage/columns", json={"modelUuid": uuid_, "column": {"slug": "city", "type": "string"}}),
           409, "columnAlreadyExists")
    refused(alpha.post("/storage/columns", json={"modelUuid": uuid_, "column": {"slug": "_x", "type": "string"}}),
           400, "invalidColumn")

    updated = _ok(alpha.put("/storage/columns", json={"modelUuid": uuid_, "column": {**city, "label": "Town"}}))
    assert updated["columns"][1]["label"] == "Town"
    refused(alpha.put("/storage/columns", json={"modelUuid": uuid_, "column": {"slug": "nope", "type": "string"}}),
           404, "columnNotFound")
    reordered = _ok(alpha.put("/storage/columns/reorder", json={"modelUuid": uuid_, "columnSlug": "city",
                                                                 "toIndex": 0}))
    assert [c["slug"] for c in reordered["columns"]] == ["name", "city"]  # originals stay first
    refused(alpha.put("/storage/columns/reorder", json={"modelUuid": uuid_, "columnSlug": "city", "toIndex": 9}),
           400, "invalidIndex")

    assert _ok(alpha.get("/storage/columns/existsBySlug", params={"slug": "CITY", "modelUuid": uuid_})) == {
        "exists": True}
    assert _ok(alpha.get("/storage/columns/existsBySlug", params={"slug": "zip", "modelUuid": uuid_})) == {
        "exists": False}

    _ok(alpha.post("/storage/records/createBulk", json={"modelUuid": uuid_, "records": [
        {"data": {"name": "Acme", "city": "Paris"}}, {"data": {"name": "Beta", "city": "PARIS"}},
        {"data": {"name": "Gamma", "city": "Lyon"}}, {"data": {"name": "Delta", "city": "Paris"}},
        {"data": {"name": "Eps", "city": "100%_off"}}]}))
    found = _ok(alpha.post("/storage/columns/autocomplete", json={"modelUuid": uuid_, "column": {"slug": "city"},
                                                                   "query": "par"}))
    assert found == {"results": [{"value": "PARIS", "label": "PARIS"}, {"value": "Paris", "label": "Paris"}]}
    literal = _ok(alpha.post("/storage/columns/autocomplete", json={"modelUuid": uuid_, "column": {"slug": "city"},
                                                                     "query": "%_"}))
    assert literal["results"] == [{"value": "100%_off", "label": "100%_off"}]
    every = _ok(alpha.post("/storage/columns/autocomplete", json={"modelUuid": uuid_, "column": city}))
    assert [r["value"] for r in every["results"]] == ["100%_off", "Lyon", "PARIS", "Paris"]
    refused(alpha.post("/storage/columns/autocomplete", json={"modelUuid": uuid_, "column": {"slug": "zip"}}),
           404, "columnNotFound")

    removed = _ok(_delete(alpha, "/storage/columns", {"modelUuid": uuid_, "columnSlug": "city"}))
    assert [c["slug"] for c in removed["columns"]] == ["name"]
    refused(_delete(alpha, "/storage/columns", {"modelUuid": uuid_, "columnSlug": "city"}), 404, "columnNotFound")

    # beta: every column route answers modelNotFound for alpha's model
    text_column = {"slug": "name", "type": "string"}
    for response in (beta.get("/storage/columns/list", params={"modelUuid": uuid_}),
                     beta.get("/storage/columns/existsBySlug", params={"slug": "name", "modelUuid": uuid_}),
                     beta.post("/storage/columns", json={"modelUuid": uuid_, "column": {**text_column, "slug": "x"}}),
                     beta.put("/storage/columns", json={"modelUuid": uuid_, "column": text_column}),
                     beta.put("/storage/columns/reorder", json={"modelUuid": uuid_, "columnSlug": "name",
                                                                "toIndex": 0}),
                     beta.post("/storage/columns/autocomplete", json={"modelUuid": uuid_, "column": text_column}),
                     _delete(beta, "/storage/columns", {"modelUuid": uuid_, "columnSlug": "name"})):
        refused(response, 404, "modelNotFound")


# --- relationships --------------------------------------------------------------------------------------


def test_relationships_and_metric_functions(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    dataset = _default_dataset(alpha)["uuid"]
    companies = _model(alpha, [{"slug": "domain", "type": "string", "kind": "original"}], idColumnSlug="domain")
    deals = _model(alpha, [{"slug": "company", "type": "string", "kind": "original"},
                           {"slug": "amount", "type": "number", "kind": "original"}])
    pair = {"fromModelUuid": deals["uuid"], "toModelUuid": companies["uuid"], "fromPropertySlug": "company",
            "toPropertySlug": "domain", "relation": "manyToOne"}
    answer = _ok(alpha.post("/storage/relationships", json={"datasetUuid": dataset, "relationships": [pair]}))
    [relationship] = answer["relationships"]
    assert relationship["fromColumnSlug"] == "company" and relationship["toPropertySlug"] == "domain"
    assert relationship["fromDatasetUuid"] == dataset and relationship["toDatasetUuid"] == dataset
    assert relationship["fromSelectedColumnSlugs"] == [] and relationship["workspaceUuid"]
    assert _ok(alpha.get(f"/storage/relationships/{relationship['uuid']}")) == {"relationship": relationship}
    by_model = _ok(alpha.get("/storage/relationships/list", params={"modelUuid": companies["uuid"]}))
    assert by_model == {"relationships": [relationship]}
    assert relationship in _ok(alpha.get("/storage/relationships/list"))["relationships"]

    # a metric column: the client's upper-case function is accepted and answered upper case
    metric = {"slug": "total", "type": "number", "kind": "metric", "relationshipUuid": relationship["uuid"],
              "aggregation": {"function": "SUM", "columnSlug": "amount"}}
    columns = _ok(alpha.post("/storage/columns", json={"modelUuid": companies["uuid"], "column": metric}))["columns"]
    assert next(c for c in columns if c["slug"] == "total")["aggregation"] == {"function": "SUM",
                                                                               "columnSlug": "amount"}
    _ok(alpha.post("/storage/records/createBulk", json={"modelUuid": companies["uuid"],
                                                        "records": [{"data": {"domain": "acme.com"}}]}))
    _ok(alpha.post("/storage/records/createBulk", json={"modelUuid": deals["uuid"], "records": [
        {"data": {"company": "acme.com", "amount": 5}}, {"data": {"company": "acme.com", "amount": 7}}]}))
    record = _ok(alpha.get("/storage/records/get", params={"modelUuid": companies["uuid"], "id": "acme.com"}))
    assert record["record"]["total"] == 12
    counted = {**metric, "slug": "deals", "aggregation": {"function": "count_distinct", "columnSlug": "amount"}}
    columns = _ok(alpha.post("/storage/columns", json={"modelUuid": companies["uuid"], "column": counted}))["columns"]
    assert next(c for c in columns if c["slug"] == "deals")["aggregation"]["function"] == "COUNT_DISTINCT"

    refused(alpha.get(f"/storage/relationships/{uuid.uuid4()}"), 404, "relationshipNotFound")
    refused(alpha.post("/storage/relationships", json={"datasetUuid": str(uuid.uuid4()), "relationships": []}),
           404, "datasetNotFound")
    refused(alpha.post("/storage/relationships", json={"datasetUuid": dataset, "relationships": [
        {**pair, "fromPropertySlug": "missing"}]}), 404, "columnNotFound")
    refused(alpha.post("/storage/relationships", json={"datasetUuid": dataset, "relationships": [
        {**pair, "relation": "manyToMany"}]}), 400, "invalidRelationship")
    # dropping a relationship a metric column uses is refused
    refused(alpha.post("/storage/relationships", json={"datasetUuid": dataset, "relationships": []}), 400,
           "invalidRelationship")

    refused(beta.get(f"/storage/relationships/{relationship['uuid']}"), 404, "relationshipNotFound")
    refused(beta.get("/storage/relationships/list", params={"modelUuid": companies["uuid"]}), 404, "modelNotFound")
    refused(beta.post("/storage/relationships", json={"datasetUuid": dataset, "relationships": []}), 404,
           "datasetNotFound")
    beta_dataset = _default_dataset(beta)["uuid"]
    refused(beta.post("/storage/relationships", json={"datasetUuid": beta_dataset, "relationships": [pair]}), 404,
           "modelNotFound")
    assert all(r["uuid"] != relationship["uuid"]
               for r in _ok(beta.get("/storage/relationships/list"))["relationships"])


# --- storage runs ---------------------------------------------------------------------------------------


def test_storage_runs(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    model = _model(alpha)
    refused(alpha.post("/storage/runs", json={"modelUuid": model["uuid"], "isReset": False, "isForce": True}), 400,
           "refreshNotSupported")
    refused(alpha.post("/storage/runs", json={"modelUuid": str(uuid.uuid4())}), 404, "modelNotFound")
    assert _ok(alpha.get("/storage/runs/list", params={"modelUuid": model["uuid"]})) == {"runs": []}
    assert _ok(alpha.get("/storage/runs/list?statuses[]=running&statuses[]=error&limit=5")) == {"runs": []}
    refused(alpha.get("/storage/runs/list", params={"limit": 1001}), 400, "invalidLimit")
    refused(alpha.get("/storage/runs/list", params={"statuses[]": "sleeping"}), 400, "invalidPayload")
    refused(alpha.post(f"/storage/runs/{uuid.uuid4()}/cancel"), 404, "runNotFound")
    refused(beta.get("/storage/runs/list", params={"modelUuid": model["uuid"]}), 404, "modelNotFound")
    refused(beta.post("/storage/runs", json={"modelUuid": model["uuid"]}), 404, "modelNotFound")


# --- records --------------------------------------------------------------------------------------------


def test_record_writes_reads_and_removes(api_server: Any) -> None:
    alpha = api_server.client("alpha")
    model = _model(alpha, [{"slug": "name", "type": "string", "kind": "original"},
                           {"slug": "size", "type": "number", "kind": "original"}])
    uuid_ = model["uuid"]
    created = _ok(alpha.post("/storage/records/create", json={"modelUuid": uuid_, "data": {"name": "Acme",
                                                                                           "size": "12"}}))["record"]
    assert created["name"] == "Acme" and created["size"] == 12 and created["_id"]
    given = _ok(alpha.post("/storage/records/create", json={"modelUuid": uuid_, "data": {"_id": "b", "name": "Beta",
                                                                                         "tier": "gold"}}))
    assert given == {"record": {"_id": "b", "name": "Beta", "size": None, "tier": "gold"}}  # unknown keys: columns
    bulk = _ok(alpha.post("/storage/records/createBulk", json={"modelUuid": uuid_, "records": [
        {"data": {"_id": "c", "name": "Gamma"}}, {"data": {"_id": "b", "size": 3}}]}))["records"]
    assert bulk == [{"_id": "c", "name": "Gamma", "size": None, "tier": None},
                    {"_id": "b", "name": "Beta", "size": 3, "tier": "gold"}]  # upsert merged

    got = _ok(alpha.get("/storage/records/get", params={"modelUuid": uuid_, "id": "b"}))
    assert got == {"record": {"_id": "b", "name": "Beta", "size": 3, "tier": "gold"}, "isRefreshing": False}
    refused(alpha.get("/storage/records/get", params={"modelUuid": uuid_, "id": "zz"}), 404, "recordNotFound")

    page = _ok(alpha.post("/storage/records/list", json={"modelUuid": uuid_, "limit": 2,
                                                         "sort": {"kind": "desc", "columnSlug": "_id"}}))
    assert [r["_id"] for r in page["records"]][:2] == sorted([created["_id"], "b", "c"], reverse=True)[:2]
    assert page["isRefreshing"] is False
    everything = _ok(alpha.post("/storage/records/list", json={"modelUuid": uuid_, "fromIngest": False}))["records"]
    assert [r["_id"] for r in everything] == sorted([created["_id"], "b", "c"])
    by_title = _ok(alpha.post("/storage/records/list", json={"modelUuid": uuid_,
                                                             "sort": {"kind": "asc", "columnSlug": "_title"}}))
    assert [r["name"] for r in by_title["records"]] == ["Acme", "Beta", "Gamma"]
    _ok(alpha.post("/storage/records/list", json={"modelUuid": uuid_, "sort": {"kind": "asc",
                                                                              "columnSlug": "_emitted_at"}}))
    refused(alpha.post("/storage/records/list", json={"modelUuid": uuid_, "sort": {"kind": "up"}}), 400, "invalidSort")
    refused(alpha.post("/storage/records/list", json={"modelUuid": uuid_, "limit": 1001}), 400, "invalidLimit")

    updated = _ok(alpha.put("/storage/records/update", json={"modelUuid": uuid_, "id": "c", "data": {"size": 9}}))
    assert updated == {"record": {"_id": "c", "name": "Gamma", "size": 9, "tier": None}}
    missing = refused(alpha.put("/storage/records/update", json={"modelUuid": uuid_, "id": "nope", "data": {}}), 404,
                     "recordNotFound")
    assert missing["details"]["ids"] == ["nope"]
    problem = refused(alpha.put("/storage/records/updateBulk", json={"modelUuid": uuid_, "records": [
        {"id": "c", "data": {"size": 100}}, {"id": "ghost", "data": {"size": 1}}]}), 404, "recordNotFound")
    assert problem["details"]["ids"] == ["ghost"]
    assert _ok(alpha.get("/storage/records/get", params={"modelUuid": uuid_, "id": "c"}))["record"]["size"] == 9
    both = _ok(alpha.put("/storage/records/updateBulk", json={"modelUuid": uuid_, "records": [
        {"id": "c", "data": {"size": 10}}, {"id": "b", "data": {"tier": None}}]}))["records"]
    assert [(r["_id"], r["size"], r["tier"]) for r in both] == [("c", 10, None), ("b", 3, None)]

    # a record that does not fit the model: 400, nothing written
    bad = alpha.post("/storage/records/createBulk", json={"modelUuid": uuid_, "records": [
        {"data": {"_id": "d", "name": "Delta"}}, {"data": {"_id": "e", "size": "lots"}}]})
    refused(bad, 400, "invalidRecord")
    refused(alpha.get("/storage/records/get", params={"modelUuid": uuid_, "id": "d"}), 404, "recordNotFound")
    too_many = [{"data": {"name": str(i)}} for i in range(1001)]
    refused(alpha.post("/storage/records/createBulk", json={"modelUuid": uuid_, "records": too_many}), 400,
           "invalidPayload")
    refused(alpha.post("/storage/records/create", json={"modelUuid": uuid_, "data": [1]}), 400, "invalidPayload")

    counts = _ok(alpha.post("/storage/records/upsert", json={"modelUuid": uuid_, "records": [{"_id": "f", "size": 1}]}))
    assert counts["insertedRecordsCount"] == 1 and counts["errors"] == []
    assert _ok(_delete(alpha, "/storage/records/remove", {"modelUuid": uuid_, "id": "f"})) == {
        "removedRecordsCount": 1}
    assert _ok(_delete(alpha, "/storage/records/removeBulk", {"modelUuid": uuid_, "ids": ["b", "c", "zz"]})) == {
        "removedRecordsCount": 2}
    remaining = _ok(alpha.post("/storage/records/list", json={"modelUuid": uuid_}))["records"]
    assert [r["_id"] for r in remaining] == [created["_id"]]


def test_record_import_multipart(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    model = _model(alpha, idColumnSlug="domain")
    uuid_ = model["uuid"]
    csv_text = "domain,Company Name,employees\nacme.com,Acme,12\nbeta.io,Beta,\n"
    files = {"file": ("companies.csv", csv_text.encode(), "text/csv")}
    dry = _ok(alpha.post("/storage/records/import", data={"modelUuid": uuid_, "dryRun": "true"}, files=files))
    assert dry["import"]["dryRun"] is True and dry["import"]["insertedRecordsCount"] == 2
    assert _ok(alpha.post("/storage/records/list", json={"modelUuid": uuid_}))["records"] == []
    done = _ok(alpha.post("/storage/records/import", data={"modelUuid": uuid_}, files=files))["import"]
    assert done == {"modelUuid": uuid_, "status": "success", "insertedRecordsCount": 2, "updatedRecordsCount": 0,
                    "unchangedRecordsCount": 0, "removedRecordsCount": 0, "skippedRecordsCount": 0,
                    "createdColumns": ["domain", "company_name", "employees"],
                    "createdColumnTypes": [{"slug": "domain", "type": "string"},
                                           {"slug": "company_name", "type": "string"},
                                           {"slug": "employees", "type": "number"}], "errors": []}
    ndjson = b'{"domain": "acme.com", "employees": 13}\n'
    again = _ok(alpha.post("/storage/records/import", data={"modelUuid": uuid_, "mode": "upsert"},
                           files={"file": ("more.ndjson", ndjson, "application/x-ndjson")}))["import"]
    assert again["updatedRecordsCount"] == 1
    record = _ok(alpha.get("/storage/records/get", params={"modelUuid": uuid_, "id": "acme.com"}))["record"]
    assert record["employees"] == 13 and record["company_name"] == "Acme"  # typed from the CSV's values

    refused(alpha.post("/storage/records/import", data={"modelUuid": uuid_}), 400, "noFile")
    refused(alpha.post("/storage/records/import", files=files), 400, "invalidPayload")
    refused(alpha.post("/storage/records/import", data={"modelUuid": uuid_, "strict": "maybe"}, files=files), 400,
           "invalidPayload")
    refused(alpha.post("/storage/records/import", data={"modelUuid": uuid_, "colour": "red"}, files=files), 400,
           "invalidPayload")
    unknown = alpha.post("/storage/records/import", data={"modelUuid": uuid_},
                         files={"file": ("notes.txt", b"hello", "text/plain")})
    assert "notes.txt" in refused(unknown, 400, "invalidData")["errorMessage"]
    refused(alpha.post("/storage/records/import", data={"modelUuid": str(uuid.uuid4())}, files=files), 404,
           "modelNotFound")
    refused(beta.post("/storage/records/import", data={"modelUuid": uuid_}, files=files), 404, "modelNotFound")


def test_records_isolation(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    model = _model(alpha)
    uuid_ = model["uuid"]
    _ok(alpha.post("/storage/records/create", json={"modelUuid": uuid_, "data": {"_id": "a", "v": 1}}))
    for response in (
            beta.get("/storage/records/get", params={"modelUuid": uuid_, "id": "a"}),
            beta.post("/storage/records/list", json={"modelUuid": uuid_}),
            beta.post("/storage/records/create", json={"modelUuid": uuid_, "data": {"v": 2}}),
            beta.post("/storage/records/createBulk", json={"modelUuid": uuid_, "records": [{"data": {"v": 2}}]}),
            beta.put("/storage/records/update", json={"modelUuid": uuid_, "id": "a", "data": {"v": 2}}),
            beta.put("/storage/records/updateBulk", json={"modelUuid": uuid_, "records": [{"id": "a", "data": {}}]}),
            beta.post("/storage/records/upsert", json={"modelUuid": uuid_, "records": [{"v": 2}]}),
            _delete(beta, "/storage/records/remove", {"modelUuid": uuid_, "id": "a"}),
            _delete(beta, "/storage/records/removeBulk", {"modelUuid": uuid_, "ids": ["a"]})):
        refused(response, 404, "modelNotFound")
    assert _ok(alpha.post("/storage/records/list", json={"modelUuid": uuid_}))["records"] == [{"_id": "a", "v": 1}]


# --- storage SQL ----------------------------------------------------------------------------------------


def test_query_execute_and_download(api_server: Any) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    model = _model(alpha)
    _ok(alpha.post("/storage/records/createBulk", json={"modelUuid": model["uuid"], "records": [
        {"data": {"_id": "a", "n": 1}}, {"data": {"_id": "b", "n": 2}}]}))
    sql = f'SELECT "_id", n FROM default.{model["slug"]} ORDER BY "_id"'
    assert _ok(alpha.post("/storage/query", json={"query": sql})) == {
        "rows": [{"_id": "a", "n": 1}, {"_id": "b", "n": 2}], "isRefreshing": False}
    body = refused(beta.post("/storage/query", json={"query": sql}), 400, None)
    assert body["errorMessage"].endswith(f"Table not found: default.{model['slug']}")
    refused(alpha.post("/storage/query", json={"query": "DELETE FROM default.x"}), 400, None)
    refused(alpha.post("/storage/query", json={}), 400, "invalidPayload")

    links = _ok(alpha.post("/storage/query/download", json={"query": sql}))
    assert links["isRefreshing"] is False and len(links["urls"]) == 1
    assert links["urls"][0].startswith(f"{api_server.url}/v1/exports/")
    assert read_export(links["urls"][0]).splitlines() == ["_id,n", "a,1", "b,2"]
    as_json = _ok(alpha.post("/storage/query/download", json={"query": sql, "format": "json"}))
    assert json.loads(read_export(as_json["urls"][0])) == [{"_id": "a", "n": 1}, {"_id": "b", "n": 2}]
    refused(alpha.post("/storage/query/download", json={"query": sql, "format": "xlsx"}), 400, "invalidData")
    refused(beta.post("/storage/query/download", json={"query": sql}), 400, None)


# --- the storage CLI in remote mode ---------------------------------------------------------------------


def test_remote_storage_cli_answers_as_embedded(api_server: Any, remote: Any, cli: Any, tmp_path: Any) -> None:
    server = api_server

    def both(*args: str) -> Any:
        """The command remote (this process) and embedded on the server's store: one JSON document."""
        code, out = cli(*args)
        assert code == 0, out
        assert server.lading(*args) == out
        return out

    def same_error(*args: str) -> Any:
        code, out = cli(*args)
        assert code != 0, out
        embedded = server.lading(*args, check=False)
        assert embedded == out, (embedded, out)
        return out

    dataset = next(d for d in both("storage", "dataset", "list")["datasets"] if d["slug"] == "default")
    both("storage", "dataset", "get", dataset["uuid"])
    slug = _slug("crm")
    code, created = cli("storage", "dataset", "create", "--slug", slug, "--name", "CRM")
    assert code == 0 and created["dataset"]["slug"] == slug
    same_error("storage", "dataset", "create", "--slug", slug)
    same_error("storage", "dataset", "get", str(uuid.uuid4()))
    code, removed = cli("storage", "dataset", "remove", created["dataset"]["uuid"])
    assert code == 0 and removed == {"uuid": created["dataset"]["uuid"], "removed": True}

    code, model = cli("storage", "model", "create", "--slug", _slug("m"), "--name", "People", "--dataset-uuid",
                      dataset["uuid"], "--columns", json.dumps([{"slug": "name", "type": "string"}]))
    assert code == 0, model
    uuid_ = model["model"]["uuid"]
    assert both("storage", "model", "get", uuid_) == model
    both("storage", "model", "list", "--dataset-uuid", dataset["uuid"])
    both("storage", "model", "get-ddl", uuid_)
    same_error("storage", "model", "create", "--slug", "x", "--name", "X", "--dataset-uuid", dataset["uuid"],
               "--extractor-slug", "hubspot")
    same_error("storage", "model", "refresh", uuid_)
    same_error("storage", "model", "update", "--uuid", uuid_, "--is-paused", "maybe")
    same_error("storage", "model", "update", "--uuid", uuid_, "--schedule", "0 * * * *")
    code, paused = cli("storage", "model", "update", "--uuid", uuid_, "--is-paused", "true", "--schedule", "none",
                       "--name", "Humans")
    assert code == 0 and paused["model"]["isPaused"] is True and paused["model"]["name"] == "Humans"
    code, resumed = cli("storage", "model", "update", "--uuid", uuid_, "--is-paused", "false")
    assert code == 0 and resumed["model"]["name"] == "Humans" and resumed["model"]["isPaused"] is False

    code, columns = cli("storage", "column", "create", "--model-uuid", uuid_, "--column",
                        json.dumps({"slug": "age", "type": "number", "kind": "custom"}))
    assert code == 0 and [c["slug"] for c in columns["columns"]] == ["name", "age"]
    assert both("storage", "column", "list", "--model-uuid", uuid_) == columns
    code, _ = cli("storage", "column", "update", "--model-uuid", uuid_, "--column",
                  json.dumps({"slug": "age", "type": "number", "label": "Age"}))
    assert code == 0
    code, reordered = cli("storage", "column", "reorder", "--model-uuid", uuid_, "--column-slug", "age",
                          "--to-index", "0")
    assert code == 0 and [c["slug"] for c in reordered["columns"]] == ["name", "age"]  # originals stay first
    same_error("storage", "column", "create", "--model-uuid", uuid_, "--column", json.dumps({"slug": "age"}))
    same_error("storage", "column", "remove", "--model-uuid", uuid_, "--column-slug", "nope")

    source = tmp_path / "people.csv"
    source.write_text("_id,name,age\np1,Ann,31\np2,Bob,x\n")
    code, imported = cli("storage", "record", "import", "--model-uuid", uuid_, "--file", str(source))
    assert code == 0, imported
    assert imported["import"]["insertedRecordsCount"] == 1 and imported["import"]["skippedRecordsCount"] == 1
    assert imported["import"]["errors"][0]["line"] == 3 and imported["import"]["status"] == "error"
    code, dry = cli("storage", "record", "import", "--model-uuid", uuid_, "--file", str(source), "--dry-run",
                    "--strict")
    assert code != 0 and dry["reason"] == "invalidRecord"
    code, missing = cli("storage", "record", "import", "--model-uuid", uuid_, "--file", str(tmp_path / "nope.csv"))
    assert code != 0 and "nope.csv" in missing["errorMessage"]
    code, counts = cli("storage", "record", "upsert", "--model-uuid", uuid_, "--records",
                       json.dumps([{"_id": "p2", "name": "Bob", "age": 40}, "bad"]))
    assert code == 0 and counts["insertedRecordsCount"] == 1 and counts["skippedRecordsCount"] == 1
    listed = both("storage", "record", "list", "--model-uuid", uuid_)
    assert [r["_id"] for r in listed["records"]] == ["p1", "p2"] and listed["isRefreshing"] is False
    same_error("storage", "record", "list", "--model-uuid", uuid_, "--limit", "5000")

    table = f"default.{model['model']['slug']}"
    rows = both("storage", "query", "execute", f'SELECT "_id", age FROM {table} ORDER BY "_id"')
    assert rows == {"rows": [{"_id": "p1", "age": 31}, {"_id": "p2", "age": 40}], "isRefreshing": False}
    same_error("storage", "query", "execute", "SELECT * FROM default.nothing_here")
    code, link = cli("storage", "query", "download", f'SELECT "_id" FROM {table} ORDER BY "_id"')
    assert code == 0 and set(link) == {"url"} and read_export(link["url"]).splitlines() == ["_id", "p1", "p2"]

    other = _model(server.client("alpha"), [{"slug": "person", "type": "string"}])
    code, rels = cli("storage", "relationship", "set", "--from-model-uuid", other["uuid"], "--to-model-uuid", uuid_,
                     "--from-column-slug", "person", "--to-column-slug", "_id")
    assert code == 0 and any(r["fromModelUuid"] == other["uuid"] and r["toModelUuid"] == uuid_
                             for r in rels["relationships"])
    both("storage", "relationship", "list", "--model-uuid", uuid_)
    same_error("storage", "relationship", "set", "--relationships", "[]")

    code, gone = cli("storage", "record", "remove", "--model-uuid", uuid_, "--ids", "p1,zz")
    assert code == 0 and gone == {"removedRecordsCount": 1}
    code, dropped = cli("storage", "column", "remove", "--model-uuid", uuid_, "--column-slug", "age")
    assert code == 0 and [c["slug"] for c in dropped["columns"]] == ["name"]
    code, removed_model = cli("storage", "model", "remove", uuid_)
    assert code == 0 and removed_model == {"uuid": uuid_, "removed": True}
    same_error("storage", "model", "get", uuid_)
