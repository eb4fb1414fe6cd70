"""The ingest endpoint (data spec §4.2, api.md §0.6) against a real `lading serve`: pushed records
land exactly once (upsert by the model's id column), re-sending a batch changes nothing, segment change
detection sees the pushes, and the hook's own auth, handshakes and errors."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
import pytest

from api_server import refused

MATCH_ALL = {"conjonction": "and", "groups": []}
TOTAL = 100_000
BATCH = 1_000




def _model(server: Any, slug: str, workspace: str = "alpha", **flags: str) -> str:
    dataset = server.lading("storage", "dataset", "list", workspace=workspace)["datasets"][0]["uuid"]
    extra = [part for key, value in flags.items() for part in (f"--{key.replace('_', '-')}", value)]
    return str(server.lading("storage", "model", "create", "--slug", slug, "--name", slug.title(), "--dataset-uuid",
                             dataset, "--extractor-slug", "native", "--config", "{}", *extra,
                             workspace=workspace)["model"]["uuid"])


def _url(server: Any, model: str, *, alias: bool = False) -> str:
    return f"{server.url}/v1/workflows/{model}/hook" if alias else f"{server.url}/v1/models/{model}/records/ingest"


def _push(server: Any, model: str, body: Any, *, workspace: str = "alpha", alias: bool = False,
          client: httpx.Client | None = None) -> httpx.Response:
    send = client or httpx
    return send.post(_url(server, model, alias=alias), params={"token": server.tokens[workspace]},  # type: ignore[attr-defined]
                     content=json.dumps(body), headers={"content-type": "application/json"}, timeout=120)


def _sql(server: Any, query: str, workspace: str = "alpha") -> list[dict[str, Any]]:
    return list(server.lading("storage", "query", "execute", query, workspace=workspace)["rows"])


def _batch(index: int) -> list[dict[str, Any]]:
    return [{"key": f"r{i:06d}", "n": i, **({"tag": "first"} if index == 0 else {})}
            for i in range(index * BATCH, (index + 1) * BATCH)]


def _changes(server: Any, segment: str) -> list[dict[str, Any]]:
    listed = server.lading("segmentation", "change", "list", "--segment-uuid", segment, "--limit", "1000")
    return list(listed["changes"])


def test_hundred_thousand_records_land_exactly_once_and_the_segment_sees_them(api_server: Any) -> None:
    model = _model(api_server, "events", id_column_slug="key",
                   columns=json.dumps([{"slug": "key", "name": "Key", "type": "string"},
                                       {"slug": "n", "name": "N", "type": "number"}]))
    segment = api_server.lading("segmentation", "segment", "create", "--name", "All events", "--model-uuid", model,
                                "--filter", json.dumps(MATCH_ALL), "--tracking-column-slugs", "n")["segment"]["uuid"]
    with httpx.Client(timeout=120) as client:
        for index in range(TOTAL // BATCH):
            response = _push(api_server, model, _batch(index), client=client)
            assert response.status_code == 200 and response.json() == {"message": "OK"}, response.text
        table = "default.events"
        totals = "SELECT count(*) AS n, count(DISTINCT key) AS ids, min(key) AS lo, max(key) AS hi, sum(n) AS total, " \
                 f"max(_updated_at) AS stamp FROM {table}"
        before = _sql(api_server, totals)[0]
        assert (before["n"], before["ids"], before["lo"], before["hi"]) == (TOTAL, TOTAL, "r000000", "r099999")
        assert int(before["total"]) == TOTAL * (TOTAL - 1) // 2
        # Re-sending a batch (a sender's retry) changes nothing: same rows, nothing rewritten.
        again = _push(api_server, model, _batch(37), client=client)
        assert again.status_code == 200 and again.json() == {"message": "OK"}
        assert _sql(api_server, totals)[0] == before
    # An unknown key created a column; the model's id column is the pushed `key`.
    described = api_server.lading("storage", "model", "get", model)["model"]
    assert "tag" in [c["slug"] for c in described["columns"]] and described["idColumnSlug"] == "key"
    assert _sql(api_server, f"SELECT count(*) AS n FROM {table} WHERE tag = 'first'")[0]["n"] == BATCH

    # Segment change detection saw the pushes: once the write debounce has passed, the changes add up
    # to every record added exactly once, nothing updated (the re-sent batch carried the same values).
    deadline = time.monotonic() + 40
    while True:
        changes = _changes(api_server, segment)
        added = sum(c["addedRecordsCount"] for c in changes)
        if added == TOTAL or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert added == TOTAL, changes
    assert sum(c["updatedRecordsCount"] + c["removedRecordsCount"] for c in changes) == 0
    got = api_server.lading("segmentation", "segment", "get", segment)["segment"]
    assert got["recordsCount"] == TOTAL


def test_upsert_merges_by_id_and_a_single_object_is_one_record(api_server: Any) -> None:
    model = _model(api_server, "leads", id_column_slug="email")
    assert _push(api_server, model, {"email": "a@x.io", "score": 1, "city": "Lyon"}).status_code == 200
    assert _push(api_server, model, [{"email": "a@x.io", "score": 2}, {"email": "b@x.io"}]).status_code == 200
    rows = _sql(api_server, "SELECT email, score, city FROM default.leads ORDER BY email")
    assert rows == [{"email": "a@x.io", "score": 2, "city": "Lyon"}, {"email": "b@x.io", "score": None, "city": None}]
    # An empty array stores nothing and is fine.
    assert _push(api_server, model, []).json() == {"message": "OK"}


def test_tokens_basic_bearer_query_and_a_token_without_permissions(api_server: Any) -> None:
    model = _model(api_server, "hooks", id_column_slug="id")
    url = _url(api_server, model)
    token = api_server.tokens["alpha"]
    body = {"content": json.dumps([{"id": "1"}]), "headers": {"content-type": "application/json"}}
    assert httpx.post(url, headers={**body["headers"], "authorization": f"Basic {token}"},
                      content=body["content"]).status_code == 200
    basic = base64.b64encode(f"hook:{token}".encode()).decode()
    assert httpx.post(url, headers={**body["headers"], "authorization": f"Basic {basic}"},
                      content=json.dumps([{"id": "2"}])).status_code == 200
    assert httpx.post(url, headers={**body["headers"], "authorization": f"Bearer {token}"},
                      content=json.dumps([{"id": "3"}])).status_code == 200
    # A token that may do nothing else is still a hook credential (D §4.2).
    bare = api_server.client("alpha").post("/workspaceManagement/tokens",
                                           json={"name": "hook only", "permissions": []}).json()["token"]["token"]
    assert httpx.post(url, params={"token": bare}, json={"id": "4"}).status_code == 200
    # (elsewhere that token is refused)
    refused(httpx.get(f"{api_server.url}/v1/whoami", headers={"authorization": f"Bearer {bare}"}), 403, "forbidden")
    ids = [r["id"] for r in _sql(api_server, "SELECT id FROM default.hooks ORDER BY id")]
    assert ids == ["1", "2", "3", "4"]
    # Alias: the same push through /workflows/:uuid/hook.
    assert _push(api_server, model, {"id": "5"}, alias=True).json() == {"message": "OK"}
    assert _sql(api_server, "SELECT count(*) AS n FROM default.hooks")[0]["n"] == 5

    for params, headers in (({}, {}), ({"token": "ldg_nope"}, {}), ({}, {"authorization": "Basic bm9wZTpub3Bl"}),
                            ({}, {"authorization": f"Token {token}"}), ({"token": ""}, {})):
        refused(httpx.post(url, params=params, headers=headers, json={"id": "x"}), 401, "unauthorized")
        refused(httpx.post(_url(api_server, model, alias=True), params=params, headers=headers, json={"id": "x"}),
               401, "unauthorized")
    assert _sql(api_server, "SELECT count(*) AS n FROM default.hooks")[0]["n"] == 5


def test_another_workspace_model_and_unknown_models_are_not_found(api_server: Any) -> None:
    beta_model = _model(api_server, "secrets", workspace="beta", id_column_slug="id")
    assert _push(api_server, beta_model, {"id": "b1"}, workspace="beta").status_code == 200
    for target in (beta_model, "00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        refused(_push(api_server, target, {"id": "a1"}), 404, "modelNotFound")
        refused(_push(api_server, target, {"id": "a1"}, alias=True), 404, "modelNotFound")
        refused(_push(api_server, target, []), 404, "modelNotFound")
    assert _sql(api_server, "SELECT _id FROM default.secrets", workspace="beta") == [{"_id": "b1"}]


def test_bad_bodies_are_refused_and_store_nothing(api_server: Any) -> None:
    model = _model(api_server, "strict", id_column_slug="id",
                   columns=json.dumps([{"slug": "id", "name": "Id", "type": "string"},
                                       {"slug": "amount", "name": "Amount", "type": "number"}]))
    url = _url(api_server, model)
    token = {"token": api_server.tokens["alpha"]}
    for content in (b"{not json", b"", b"   ", b"[1, 2"):
        body = refused(httpx.post(url, params=token, content=content, headers={"content-type": "application/json"}),
                      400, "invalidPayload")
    for value in ("text", 12, None, [1, 2], [{"id": "ok"}, "x"], [[{"id": "1"}]]):
        body = refused(_push(api_server, model, value), 400, "invalidPayload")
    assert "item 1" in refused(_push(api_server, model, [{"id": "ok"}, "x"]), 400, "invalidPayload")["errorMessage"]
    body = refused(_push(api_server, model, [{"id": str(i)} for i in range(1001)]), 413, "tooLarge")
    assert "1000" in body["errorMessage"] and "1001" in body["errorMessage"]
    # One object that does not fit the model refuses the whole batch: nothing half-stored.
    body = refused(_push(api_server, model, [{"id": "good", "amount": 3}, {"id": "bad", "amount": "lots"}]), 400,
                  "invalidRecord")
    assert "object 1" in body["errorMessage"] and "nothing was stored" in body["errorMessage"]
    assert body["errors"][0]["index"] == 1 and "--strict" not in body["errorMessage"]
    refused(_push(api_server, model, [{"amount": 1}]), 400, "invalidRecord")  # no id
    assert _sql(api_server, "SELECT count(*) AS n FROM default.strict")[0]["n"] == 0


def test_webhook_handshakes(api_server: Any) -> None:
    model = _model(api_server, "slack", id_column_slug="id")
    token = {"token": api_server.tokens["alpha"]}
    for alias in (False, True):
        url = _url(api_server, model, alias=alias)
        slack = httpx.post(url, params=token, json={"type": "url_verification", "challenge": "c-123", "token": "t"})
        assert slack.status_code == 200 and slack.json() == {"challenge": "c-123"}
        assert httpx.post(url, params=token, json={"type": "ping"}).json() == {"message": "OK"}
        assert httpx.post(url, params=token, json={"zen": "Keep it simple", "hook_id": 1},
                          headers={"x-github-event": "ping"}).json() == {"message": "OK"}
        graph = httpx.post(url, params={**token, "validationToken": "v tok/1"})
        assert graph.status_code == 200 and graph.text == "v tok/1" and graph.headers["content-type"].startswith(
            "text/plain")
        hub = httpx.get(url, params={**token, "hub.mode": "subscribe", "hub.challenge": "4242"})
        assert hub.status_code == 200 and hub.text == "4242"
        refused(httpx.get(url, params=token), 405, "methodNotAllowed")
        # Handshakes check the hook's token and model like a push.
        refused(httpx.get(url, params={"hub.challenge": "1"}), 401, "unauthorized")
        refused(httpx.post(url, params={"validationToken": "v"}), 401, "unauthorized")
        refused(httpx.post(_url(api_server, "00000000-0000-4000-8000-000000000000", alias=alias), params=token,
                          json={"type": "url_verification", "challenge": "c"}), 404, "modelNotFound")
    assert _sql(api_server, "SELECT count(*) AS n FROM default.slack")[0]["n"] == 0


@pytest.mark.parametrize("alias", [False, True])
def test_ingest_routes_are_documented(api_server: Any, alias: bool) -> None:
    spec = httpx.get(f"{api_server.url}/openapi.json").json()
    path = "/v1/workflows/{uuid}/hook" if alias else "/v1/models/{uuid}/records/ingest"
    assert {"post", "get"} <= set(spec["paths"][path])


def test_concurrent_pushes_into_one_model_all_land(api_server: Any) -> None:
    """Senders push at once (the server writes them one after the other): every batch answers OK and
    every record is stored once — re-sent batches included."""
    from concurrent.futures import ThreadPoolExecutor

    model = _model(api_server, "bursts", id_column_slug="key")
    batches = [[{"key": f"b{i:05d}", "n": i} for i in range(start, start + BATCH)] for start in range(0, 30_000, BATCH)]
    with httpx.Client(timeout=120) as client, ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda b: _push(api_server, model, b, client=client), batches + batches[:8]))
    assert [a.status_code for a in answers] == [200] * len(answers), [a.text for a in answers if a.status_code != 200]
    rows = _sql(api_server, "SELECT count(*) AS n, count(DISTINCT key) AS ids FROM default.bursts")
    assert rows == [{"n": 30_000, "ids": 30_000}]
