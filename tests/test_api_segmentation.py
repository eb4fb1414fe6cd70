"""Segmentation over HTTP against a real `lading serve` (api.md §4): segments, inline fetch and download,
changes (list, get, fetch, download), records by id — every route, its documented errors, two-workspace
isolation — and `lading segmentation …` in the CLI's remote mode printing what the embedded CLI prints."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import httpx
import pytest

from api_server import refused, same

COLUMNS = [{"slug": "name", "type": "string"}, {"slug": "country", "type": "string"},
           {"slug": "score", "type": "number"}, {"slug": "meta", "type": "object"}]
RECORDS = [{"_id": "l1", "name": "Ann", "country": "US", "score": 1, "meta": {"industry": "SaaS"}},
           {"_id": "l2", "name": "Bob", "country": "US", "score": 2, "meta": {"industry": ""}},
           {"_id": "l3", "name": "Cy", "country": "FR", "score": 3}]
ALL = {"conjonction": "and", "groups": []}


def where(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": list(conditions)}]}


def country(value: str) -> dict[str, Any]:
    return where({"kind": "string", "columnSlug": "country", "operator": "is", "values": [value]})




def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def _model(server: Any, workspace: str, slug: str) -> str:
    """A model with three leads, made on the server's store as an operator would (storage is not ours)."""
    dataset = server.lading("storage", "dataset", "list", workspace=workspace)["datasets"][0]["uuid"]
    model = server.lading("storage", "model", "create", "--slug", slug, "--name", slug.title(), "--dataset-uuid",
                          dataset, "--columns", json.dumps(COLUMNS), "--title-column-slug", "name",
                          workspace=workspace)["model"]["uuid"]
    server.lading("storage", "record", "upsert", "--model-uuid", model, "--records", json.dumps(RECORDS),
                  workspace=workspace)
    return str(model)


def _segment(client: httpx.Client, model: str, flt: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body = {"name": "US leads", "modelUuid": model, "filter": flt, **extra}
    return dict(_ok(client.post("/segmentation/segments", json=body))["segment"])


def _ids(answer: dict[str, Any]) -> list[str]:
    return [r["_id"] for r in answer["records"]]


def _download(url: str) -> list[dict[str, str]]:
    """A signed export link read without the bearer token (api.md §0.6), as CSV rows."""
    assert "/v1/exports/" in url and "signature=" in url, url
    response = httpx.get(url, timeout=60)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


@pytest.fixture(scope="module")
def models(api_server: Any) -> dict[str, str]:
    return {"alpha": _model(api_server, "alpha", "leads"), "beta": _model(api_server, "beta", "leads")}


# --- segments ----------------------------------------------------------------------------------------


def test_segment_lifecycle(api_server: Any, models: dict[str, str]) -> None:
    alpha = api_server.client("alpha")
    model = models["alpha"]
    seg = _segment(alpha, model, country("US"), slug="us_leads", sort=[{"columnSlug": "score", "kind": "desc"}],
                   limit=5, columnSlugs=["name", "country"], trackingColumnSlugs=["score"])
    assert (seg["slug"], seg["modelUuid"], seg["recordsCount"], seg["limit"]) == ("us_leads", model, 2, 5)
    assert seg["columnSlugs"] == ["name", "country"] and seg["trackingColumnSlugs"] == ["score"]
    assert seg["lastChange"]["addedRecordsCount"] == 2 and seg["syncedAt"] and seg["deletedAt"] is None
    assert seg["workspaceUuid"] == alpha.get("/whoami").json()["workspace"]["uuid"]
    assert _ok(alpha.get(f"/segmentation/segments/{seg['uuid']}"))["segment"] == seg
    assert seg["uuid"] in [s["uuid"] for s in _ok(alpha.get("/segmentation/segments/list"))["segments"]]

    updated = _ok(alpha.put(f"/segmentation/segments/{seg['uuid']}", json={"name": "All", "filter": ALL,
                                                                            "limit": None, "sort": None}))["segment"]
    assert (updated["name"], updated["limit"], updated["sort"], updated["recordsCount"]) == ("All", None, None, 3)
    assert updated["columnSlugs"] == ["name", "country"]  # absent fields keep their value
    refused(alpha.put(f"/segmentation/segments/{seg['uuid']}", json={}), 400, "invalidData")
    refused(alpha.put(f"/segmentation/segments/{seg['uuid']}", json={"filter": {"conjunction": "and"}}), 400,
           "invalidFilter")
    refused(alpha.put(f"/segmentation/segments/{uuid.uuid4()}", json={"name": "x"}), 404, "segmentNotFound")
    assert _ok(alpha.get(f"/segmentation/segments/{seg['uuid']}"))["segment"]["name"] == "All"

    assert _ok(alpha.request("DELETE", f"/segmentation/segments/{seg['uuid']}", json={})) == {
        "uuid": seg["uuid"], "removed": True}
    refused(alpha.request("DELETE", f"/segmentation/segments/{seg['uuid']}", json={}), 409, "segmentAlreadyRemoved")
    refused(alpha.get(f"/segmentation/segments/{seg['uuid']}"), 404, "segmentNotFound")
    refused(alpha.delete(f"/segmentation/segments/{uuid.uuid4()}"), 404, "segmentNotFound")
    assert seg["uuid"] not in [s["uuid"] for s in _ok(alpha.get("/segmentation/segments/list"))["segments"]]


def test_segment_create_refusals_write_nothing(api_server: Any, models: dict[str, str]) -> None:
    alpha = api_server.client("alpha")
    before = _ok(alpha.get("/segmentation/segments/list"))["segments"]
    bad_column = where({"kind": "number", "columnSlug": "name", "operator": "is", "value": 1})
    body = {"name": "S", "modelUuid": models["alpha"]}
    problem = refused(alpha.post("/segmentation/segments", json={**body, "filter": bad_column}), 400, "invalidFilter")
    assert problem["issues"][0]["path"][:2] == ["groups", 0]
    refused(alpha.post("/segmentation/segments", json={**body, "filter": ALL, "trackingColumnSlugs": ["nope"]}), 400,
           "invalidData")
    refused(alpha.post("/segmentation/segments", json={**body, "filter": ALL, "limit": 0}), 400, "invalidLimit")
    refused(alpha.post("/segmentation/segments", json={**body, "filter": ALL, "limit": "many"}), 400, "invalidPayload")
    refused(alpha.post("/segmentation/segments", json={"name": "S", "filter": ALL}), 400, "invalidPayload")
    refused(alpha.post("/segmentation/segments", json={**body, "filter": ALL, "colour": "red"}), 400, "invalidPayload")
    refused(alpha.post("/segmentation/segments", json={**body, "modelUuid": str(uuid.uuid4()), "filter": ALL}), 404,
           "modelNotFound")
    assert _ok(alpha.get("/segmentation/segments/list"))["segments"] == before


def test_segment_fetch_download_and_records(api_server: Any, models: dict[str, str]) -> None:
    alpha = api_server.client("alpha")
    model = models["alpha"]
    page = _ok(alpha.post("/segmentation/segments/fetch", json={
        "modelUuid": model, "filter": country("US"), "sort": [{"columnSlug": "score", "kind": "desc"}],
        "fetchingLimit": 1, "fetchingOffset": 0, "enrich": True, "sync": False}))
    assert _ids(page) == ["l2"] and page["count"] == 2 and page["isRefreshing"] is False
    assert {c["slug"] for c in page["columns"]} >= {"_id", "name", "country"}
    assert all(c["modelUuid"] == model for c in page["columns"])
    capped = _ok(alpha.post("/segmentation/segments/fetch", json={"modelUuid": model, "filter": ALL, "limit": 2}))
    assert capped["count"] == 2 and _ids(capped) == ["l1", "l2"]
    refused(alpha.post("/segmentation/segments/fetch", json={"modelUuid": model, "filter": ALL, "fetchingLimit": 1001}),
           400, "invalidLimit")
    refused(alpha.post("/segmentation/segments/fetch", json={"modelUuid": model, "filter": {"groups": "x"}}), 400,
           "invalidFilter")
    refused(alpha.post("/segmentation/segments/fetch", json={"modelUuid": model}), 400, "invalidPayload")

    links = _ok(alpha.post("/segmentation/segments/download", json={"modelUuid": model, "filter": country("US"),
                                                                    "sort": [{"columnSlug": "score", "kind": "asc"}]}))
    assert list(links) == ["urls"] and len(links["urls"]) == 1
    assert [row["_id"] for row in _download(links["urls"][0])] == ["l1", "l2"]
    as_json = _ok(alpha.post("/segmentation/segments/download", json={"modelUuid": model, "filter": ALL,
                                                                      "format": "json"}))["urls"][0]
    assert [r["_id"] for r in httpx.get(as_json, timeout=60).json()] == ["l1", "l2", "l3"]
    refused(alpha.post("/segmentation/segments/download", json={"modelUuid": model, "filter": [1]}), 400,
           "invalidFilter")
    refused(alpha.post("/segmentation/segments/download", json={"modelUuid": model, "filter": ALL, "format": "xml"}),
           400, "invalidData")

    found = _ok(alpha.post("/segmentation/records/fetch", json={"modelUuid": model, "ids": ["l3", "nope", "l1"],
                                                                "resetCache": True}))
    assert _ids(found) == ["l1", "l3"] and found["records"][1]["name"] == "Cy"
    refused(alpha.post("/segmentation/records/fetch", json={"modelUuid": model, "ids": []}), 400, "invalidData")
    refused(alpha.post("/segmentation/records/fetch", json={"modelUuid": model}), 400, "invalidPayload")
    refused(alpha.post("/segmentation/records/fetch", json={"modelUuid": str(uuid.uuid4()), "ids": ["l1"]}), 404,
           "modelNotFound")


def test_property_conditions_of_the_client(api_server: Any, models: dict[str, str]) -> None:
    """`propertyConditions` (the client's key) and `conditions` (D §8.3) are both accepted; a segment
    answers `propertyConditions`; objectProperty takes isEmpty / isNotEmpty."""
    alpha = api_server.client("alpha")
    model = models["alpha"]
    saas = {"kind": "objectProperty", "columnSlug": "meta", "propertyName": "industry", "operator": "is",
            "value": "SaaS"}
    client_form = where({"kind": "object", "columnSlug": "meta", "operator": "matchConditions",
                         "propertyConditions": [saas]})
    spec_form = where({"kind": "object", "columnSlug": "meta", "operator": "matchConditions", "conditions": [saas]})
    for flt in (client_form, spec_form):
        assert _ids(_ok(alpha.post("/segmentation/segments/fetch", json={"modelUuid": model, "filter": flt}))) == ["l1"]
    seg = _segment(alpha, model, spec_form)
    assert seg["filter"] == client_form and seg["recordsCount"] == 1
    assert _ok(alpha.get(f"/segmentation/segments/{seg['uuid']}"))["segment"]["filter"] == client_form
    for operator, expected in (("isEmpty", ["l2", "l3"]), ("isNotEmpty", ["l1"])):
        flt = where({"kind": "objectProperty", "columnSlug": "meta", "propertyName": "industry", "operator": operator})
        assert _ids(_ok(alpha.post("/segmentation/segments/fetch", json={"modelUuid": model, "filter": flt}))) == \
            expected, operator
    both = where({"kind": "object", "columnSlug": "meta", "operator": "matchConditions", "conditions": [saas],
                  "propertyConditions": [saas]})
    refused(alpha.post("/segmentation/segments/fetch", json={"modelUuid": model, "filter": both}), 400, "invalidFilter")
    unknown = where({**saas, "colour": "red"})
    refused(alpha.post("/segmentation/segments/fetch", json={"modelUuid": model, "filter": unknown}), 400,
           "invalidFilter")
    _ok(alpha.request("DELETE", f"/segmentation/segments/{seg['uuid']}", json={}))


# --- changes -----------------------------------------------------------------------------------------


def _two_changes(client: httpx.Client, model: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A segment whose update moved its membership: US (l1, l2 added), then FR (l3 added, l1 l2 removed)."""
    seg = _segment(client, model, country("US"), name="Moving")
    _ok(client.put(f"/segmentation/segments/{seg['uuid']}", json={"filter": country("FR")}))
    changes = _ok(client.get("/segmentation/changes/list", params={"segmentUuid": seg["uuid"]}))["changes"]
    return seg, changes


def test_change_routes(api_server: Any, models: dict[str, str]) -> None:
    alpha = api_server.client("alpha")
    seg, changes = _two_changes(alpha, models["alpha"])
    assert [(c["addedRecordsCount"], c["removedRecordsCount"], c["totalRecordsCount"]) for c in changes] == [
        (1, 2, 3), (2, 0, 2)]  # newest first
    latest = changes[0]
    assert latest["segmentUuid"] == seg["uuid"]
    assert _ok(alpha.get("/segmentation/changes/list", params={"segmentUuid": seg["uuid"], "limit": 1,
                                                               "offset": 1}))["changes"] == changes[1:]
    assert _ok(alpha.get("/segmentation/changes/list", params={"segmentUuid": seg["uuid"], "hasRecords": "removed",
                                                               "notEmpty": "true"}))["changes"] == [latest]
    # Without segmentUuid: the workspace's changes (api.md §4), newest first.
    workspace = _ok(alpha.get("/segmentation/changes/list", params={"limit": 1000}))["changes"]
    assert {c["uuid"] for c in changes} <= {c["uuid"] for c in workspace}
    assert workspace == sorted(workspace, key=lambda c: c["createdAt"], reverse=True)
    refused(alpha.get("/segmentation/changes/list", params={"hasRecords": "moved"}), 400, "invalidData")
    refused(alpha.get("/segmentation/changes/list", params={"limit": 1001}), 400, "invalidLimit")
    refused(alpha.get("/segmentation/changes/list", params={"segmentUuid": str(uuid.uuid4())}), 404, "segmentNotFound")

    assert _ok(alpha.get(f"/segmentation/changes/{latest['uuid']}")) == {"change": latest}
    refused(alpha.get(f"/segmentation/changes/{uuid.uuid4()}"), 404, "changeNotFound")

    fetched = _ok(alpha.post(f"/segmentation/changes/{latest['uuid']}/fetch", json={"kinds": ["added", "removed"]}))
    assert [(r["_kind"], r["_id"]) for r in fetched["records"]] == [("added", "l3"), ("removed", "l1"),
                                                                  ("removed", "l2")]
    assert fetched["count"] == 3 and [c["slug"] for c in fetched["columns"]][:4] == ["_kind", "_id", "_title", "_time"]
    page = _ok(alpha.post(f"/segmentation/changes/{latest['uuid']}/fetch", json={"kinds": ["removed"], "limit": 1,
                                                                               "offset": 1}))
    assert [r["_id"] for r in page["records"]] == ["l2"] and page["count"] == 2
    refused(alpha.post(f"/segmentation/changes/{latest['uuid']}/fetch", json={"kinds": []}), 400, "invalidData")
    refused(alpha.post(f"/segmentation/changes/{latest['uuid']}/fetch", json={"kinds": ["moved"]}), 400, "invalidData")
    refused(alpha.post(f"/segmentation/changes/{latest['uuid']}/fetch", json={}), 400, "invalidPayload")
    refused(alpha.post(f"/segmentation/changes/{seg['uuid']}/fetch", json={"kinds": ["added"]}), 400, "invalidData")
    refused(alpha.post(f"/segmentation/changes/{uuid.uuid4()}/fetch", json={"kinds": ["added"]}), 404,
           "changeNotFound")

    links = _ok(alpha.post(f"/segmentation/changes/{latest['uuid']}/download", json={"kinds": ["added", "removed"]}))
    assert list(links) == ["urls"] and len(links["urls"]) == 1
    rows = _download(links["urls"][0])
    assert [(r["_kind"], r["_id"], r["name"]) for r in rows] == [("added", "l3", "Cy"), ("removed", "l1", "Ann"),
                                                                 ("removed", "l2", "Bob")]
    refused(alpha.post(f"/segmentation/changes/{latest['uuid']}/download", json={"kinds": ["gone"]}), 400,
           "invalidData")
    refused(alpha.post(f"/segmentation/changes/{uuid.uuid4()}/download", json={"kinds": ["added"]}), 404,
           "changeNotFound")
    # A tampered link is refused (the export route's own rule).
    assert httpx.get(links["urls"][0].replace("signature=", "signature=0"), timeout=60).status_code == 403


# --- isolation, rights ---------------------------------------------------------------------------------


def test_beta_is_invisible_from_alpha(api_server: Any, models: dict[str, str]) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    beta_seg, beta_changes = _two_changes(beta, models["beta"])
    change = beta_changes[0]["uuid"]
    refused(alpha.get(f"/segmentation/segments/{beta_seg['uuid']}"), 404, "segmentNotFound")
    refused(alpha.put(f"/segmentation/segments/{beta_seg['uuid']}", json={"name": "mine"}), 404, "segmentNotFound")
    refused(alpha.request("DELETE", f"/segmentation/segments/{beta_seg['uuid']}", json={}), 404, "segmentNotFound")
    assert beta_seg["uuid"] not in [s["uuid"] for s in _ok(alpha.get("/segmentation/segments/list"))["segments"]]
    workspace = _ok(alpha.get("/segmentation/changes/list", params={"limit": 1000}))["changes"]
    assert not {c["uuid"] for c in beta_changes} & {c["uuid"] for c in workspace}
    assert all(c["segmentUuid"] != beta_seg["uuid"] for c in workspace)
    refused(alpha.get("/segmentation/changes/list", params={"segmentUuid": beta_seg["uuid"]}), 404, "segmentNotFound")
    refused(alpha.get(f"/segmentation/changes/{change}"), 404, "changeNotFound")
    refused(alpha.post(f"/segmentation/changes/{change}/fetch", json={"kinds": ["added"]}), 404, "changeNotFound")
    refused(alpha.post(f"/segmentation/changes/{change}/download", json={"kinds": ["added"]}), 404, "changeNotFound")
    for path, body in (("/segmentation/segments/fetch", {"filter": ALL}),
                       ("/segmentation/segments/download", {"filter": ALL}),
                       ("/segmentation/records/fetch", {"ids": ["l1"]}),
                       ("/segmentation/segments", {"name": "x", "filter": ALL})):
        refused(alpha.post(path, json={"modelUuid": models["beta"], **body}), 404, "modelNotFound")
    # Beta still sees its own.
    assert _ok(beta.get(f"/segmentation/segments/{beta_seg['uuid']}"))["segment"]["name"] == "Moving"


def test_token_and_rights(api_server: Any) -> None:
    anonymous = httpx.Client(base_url=f"{api_server.url}/v1", timeout=30)
    try:
        refused(anonymous.get("/segmentation/segments/list"), 401, "unauthorized")
        refused(anonymous.post("/segmentation/changes/x/fetch", json={"kinds": ["added"]}), 401, "unauthorized")
    finally:
        anonymous.close()
    reader = api_server.client("alpha").post("/workspaceManagement/tokens", json={
        "name": "segment reader", "permissions": [{"effect": "allow", "resources": None,
                                                    "actions": ["segmentation:read"]}]})
    token = _ok(reader)["token"]["token"]
    narrowed = api_server.client("alpha", token=token)
    _ok(narrowed.get("/segmentation/segments/list"))
    _ok(narrowed.get("/segmentation/changes/list"))
    refused(narrowed.post("/segmentation/segments", json={"name": "x", "modelUuid": "m", "filter": ALL}), 403,
           "forbidden")


# --- the CLI in remote mode ----------------------------------------------------------------------------






def _same_failure(server: Any, remote: Any, *args: str) -> dict[str, Any]:
    code, out = remote(*args)
    embedded = server.lading(*args, check=False)
    assert code != 0 and out == embedded, (out, embedded)
    return dict(out)


def test_remote_cli_segmentation(api_server: Any, remote: Any, models: dict[str, str]) -> None:
    model = models["alpha"]
    code, created = remote("segmentation", "segment", "create", "--name", "Remote", "--model-uuid", model,
                           "--filter", json.dumps(country("US")), "--column-slugs", "name,country",
                           "--sort", json.dumps([{"columnSlug": "score", "kind": "asc"}]), "--limit", "5")
    assert code == 0 and created["segment"]["recordsCount"] == 2 and created["segment"]["limit"] == 5
    seg = created["segment"]["uuid"]
    same(api_server, remote, "segmentation", "segment", "get", seg)
    same(api_server, remote, "segmentation", "segment", "list")
    code, updated = remote("segmentation", "segment", "update", "--uuid", seg, "--filter", json.dumps(country("FR")),
                           "--sort", "null", "--limit", "none")
    assert code == 0 and (updated["segment"]["sort"], updated["segment"]["limit"]) == (None, None)
    assert updated["segment"]["columnSlugs"] == ["name", "country"]
    _same_failure(api_server, remote, "segmentation", "segment", "update", "--uuid", seg)

    changes = same(api_server, remote, "segmentation", "change", "list", "--segment-uuid", seg)["changes"]
    assert len(changes) == 2
    same(api_server, remote, "segmentation", "change", "fetch", "--uuid", changes[0]["uuid"], "--kinds",
          "added,removed", "--limit", "2")
    no_segment = _same_failure(api_server, remote, "segmentation", "change", "list")
    assert no_segment["reason"] == "invalidData" and "segmentUuid" in no_segment["errorMessage"]
    _same_failure(api_server, remote, "segmentation", "change", "fetch", "--uuid", seg, "--kinds", "added")

    same(api_server, remote, "segmentation", "segment", "fetch", "--model-uuid", model, "--filter",
          json.dumps(ALL), "--fetching-limit", "2", "--fetching-offset", "1", "--enrich")
    _same_failure(api_server, remote, "segmentation", "segment", "fetch", "--model-uuid", model, "--filter",
                  json.dumps(ALL), "--segment-uuid", seg)
    _same_failure(api_server, remote, "segmentation", "segment", "fetch", "--model-uuid", model, "--filter",
                  json.dumps(where({"kind": "string", "columnSlug": "nope", "operator": "is", "values": ["x"]})))
    same(api_server, remote, "segmentation", "record", "fetch", "--model-uuid", model, "--ids", "l2,l1,zz")

    code, link = remote("segmentation", "segment", "download", "--model-uuid", model, "--filter", json.dumps(ALL))
    assert code == 0 and list(link) == ["url"], link  # the CLI keeps {url}; the route answers {urls}
    embedded = api_server.lading("segmentation", "segment", "download", "--model-uuid", model, "--filter",
                                 json.dumps(ALL))
    assert list(embedded) == ["url"]
    from conftest import read_export

    assert read_export(link["url"]).splitlines() == read_export(embedded["url"]).splitlines()

    code, removed = remote("segmentation", "segment", "remove", seg)
    assert code == 0 and removed == {"uuid": seg, "removed": True}
    code, again = remote("segmentation", "segment", "remove", seg)
    assert code != 0 and again["reason"] == "segmentAlreadyRemoved"
    code, gone = remote("segmentation", "segment", "get", seg)
    assert code != 0 and gone["reason"] == "segmentNotFound"
