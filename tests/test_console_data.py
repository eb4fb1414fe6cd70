"""The console's Data pages over HTTP against a real `lading serve`: datasets and models, a model's
columns and records (pages, sort, filter) answering what the CLI answers for the same arguments, a
segment's filter saved through the validator (its messages shown inline, nothing saved on refusal), its
count, first records and changes; CSRF on saves; a second workspace sees none of it."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest

from console_helpers import csrf_in, sign_in

COLUMNS = [{"slug": "name", "type": "string", "label": "Name"}, {"slug": "country", "type": "string"},
           {"slug": "score", "type": "number", "label": "Score"}]
COUNTRIES = ("US", "FR", "DE")
RECORDS = [{"_id": f"r{i:03d}", "name": f"Lead {i}", "country": COUNTRIES[i % 3], "score": (i * 37) % 101}
           for i in range(1, 121)]
ALL = {"conjonction": "and", "groups": []}


def where(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": list(conditions)}]}


def country(value: str) -> dict[str, Any]:
    return where({"kind": "string", "columnSlug": "country", "operator": "is", "values": [value]})


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def make_model(server: Any, workspace: str, name: str, records: list[dict[str, Any]] = RECORDS) -> dict[str, Any]:
    """A native model with `records`, made through the API with the workspace's token."""
    api = server.client(workspace)
    dataset = next(d for d in _ok(api.get("/storage/datasets/list"))["datasets"] if d["slug"] == "default")
    slug = re.sub(r"\W", "_", name.lower())
    model = _ok(api.post("/storage/models", json={"slug": slug, "name": name, "datasetUuid": dataset["uuid"],
                                                   "extractorSlug": "native", "config": {}, "columns": COLUMNS,
                                                   "titleColumnSlug": "name"}))["model"]
    _ok(api.post("/storage/records/upsert", json={"modelUuid": model["uuid"], "records": records}))
    return dict(model)


def make_segment(server: Any, workspace: str, model_uuid: str, name: str, flt: dict[str, Any]) -> dict[str, Any]:
    api = server.client(workspace)
    return dict(_ok(api.post("/segmentation/segments", json={"name": name, "modelUuid": model_uuid,
                                                            "filter": flt}))["segment"])


def record_ids(page: str) -> list[str]:
    """The `_id`s of the records table of a console page, in order."""
    table = page.split('<table class="records">', 1)[1].split("</table>", 1)[0]
    return [html.unescape(i) for i in re.findall(r'<th scope="row"><code>([^<]*)</code></th>', table)]


def cli_ids(answer: dict[str, Any]) -> list[str]:
    return [r["_id"] for r in answer["records"]]


@pytest.fixture(scope="module")
def world(api_server: Any) -> dict[str, Any]:
    model = make_model(api_server, "alpha", "Console leads")
    segment = make_segment(api_server, "alpha", model["uuid"], "US leads", country("US"))
    other = make_model(api_server, "beta", "Beta secrets", RECORDS[:3])
    return {"model": model, "segment": segment, "beta_model": other}


def test_datasets_models_and_columns(api_server: Any, world: dict[str, Any]) -> None:
    alpha = sign_in(api_server, "alpha")
    page = alpha.get("/data")
    assert page.status_code == 200
    assert "Console leads" in page.text and f'/data/models/{world["model"]["uuid"]}' in page.text
    assert "US leads" in page.text and "Beta secrets" not in page.text

    model = alpha.get(f"/data/models/{world['model']['uuid']}")
    assert model.status_code == 200, model.text
    columns = model.text.split("Columns of the model", 1)[1].split("</table>", 1)[0]
    assert re.search(r"<code>score</code></th><td>number</td><td>original</td><td>Score</td>", columns), columns
    assert re.search(r"<code>country</code></th><td>string</td><td>original</td><td>(country)?</td>", columns)
    assert "US leads" in model.text and "40 records" in model.text


def test_record_pages_sort_and_filter_match_the_cli(api_server: Any, world: dict[str, Any]) -> None:
    alpha = sign_in(api_server, "alpha")
    uuid = world["model"]["uuid"]

    # No filter, no sort: `storage record list`, 50 a page, by id.
    first = alpha.get(f"/data/models/{uuid}")
    listed = api_server.lading("storage", "record", "list", "--model-uuid", uuid, "--limit", "50")
    assert record_ids(first.text) == cli_ids(listed) and len(cli_ids(listed)) == 50
    second = alpha.get(f"/data/models/{uuid}", params={"offset": "50"})
    listed = api_server.lading("storage", "record", "list", "--model-uuid", uuid, "--limit", "50", "--offset", "50")
    assert record_ids(second.text) == cli_ids(listed)
    assert 'rel="next"' in second.text and 'rel="prev"' in second.text
    third = alpha.get(f"/data/models/{uuid}", params={"offset": "100"})
    assert len(record_ids(third.text)) == 20 and 'rel="next"' not in third.text

    # Sort by a column (the header's link), then a filter from the simple row: `segment fetch`.
    assert f'href="/data/models/{uuid}?sort=score&amp;dir=asc"' in first.text
    by_score = alpha.get(f"/data/models/{uuid}", params={"sort": "score", "dir": "desc"})
    fetched = api_server.lading("segmentation", "segment", "fetch", "--model-uuid", uuid, "--filter", json.dumps(ALL),
                                "--sort", json.dumps([{"columnSlug": "score", "kind": "desc"}]),
                                "--fetching-limit", "50")
    assert record_ids(by_score.text) == cli_ids(fetched)
    assert 'aria-sort="descending"' in by_score.text and "120 matching records" in by_score.text

    params = {"field": "country", "op": "equals", "value": "US", "sort": "score", "dir": "asc", "offset": "0"}
    filtered = alpha.get(f"/data/models/{uuid}", params=params)
    fetched = api_server.lading("segmentation", "segment", "fetch", "--model-uuid", uuid,
                                "--filter", json.dumps(country("US")),
                                "--sort", json.dumps([{"columnSlug": "score", "kind": "asc"}]),
                                "--fetching-limit", "50")
    assert record_ids(filtered.text) == cli_ids(fetched) and fetched["count"] == 40
    assert "40 matching records" in filtered.text

    # The raw JSON box: a full filter, and the simple form ANDed with the row.
    raw = {"field": "score", "operator": ">=", "value": 50}
    both = alpha.get(f"/data/models/{uuid}", params={**params, "filter": json.dumps(raw)})
    expected = {"conjonction": "and", "groups": [
        *country("US")["groups"],
        {"conjonction": "or", "conditions": [{"kind": "number", "columnSlug": "score", "operator": "greaterThan",
                                              "value": 50},
                                             {"kind": "number", "columnSlug": "score", "operator": "is",
                                              "value": 50}]}]}
    fetched = api_server.lading("segmentation", "segment", "fetch", "--model-uuid", uuid,
                                "--filter", json.dumps(expected),
                                "--sort", json.dumps([{"columnSlug": "score", "kind": "asc"}]))
    assert record_ids(both.text) == cli_ids(fetched) and 0 < fetched["count"] < 40
    assert all(r["score"] >= 50 and r["country"] == "US" for r in fetched["records"])
    full = alpha.get(f"/data/models/{uuid}", params={"filter": json.dumps(country("FR"))})
    assert "40 matching records" in full.text and record_ids(full.text)[0] == "r001"


def test_a_bad_records_filter_shows_the_validators_message(api_server: Any, world: dict[str, Any]) -> None:
    alpha = sign_in(api_server, "alpha")
    uuid = world["model"]["uuid"]
    bad_op = alpha.get(f"/data/models/{uuid}", params={"field": "country", "op": "greaterThan", "value": "A"})
    assert bad_op.status_code == 400
    assert "does not apply to column" in html.unescape(bad_op.text) and 'aria-invalid="true"' in bad_op.text
    bad_json = alpha.get(f"/data/models/{uuid}", params={"filter": "{nope"})
    assert bad_json.status_code == 400 and "is not valid JSON" in bad_json.text
    bad_column = alpha.get(f"/data/models/{uuid}", params={"filter": json.dumps(where(
        {"kind": "string", "columnSlug": "nope", "operator": "is", "values": ["x"]}))})
    assert bad_column.status_code == 400
    assert "groups[0].conditions[0]" in bad_column.text
    for page in (bad_op, bad_json, bad_column):
        assert "Traceback" not in page.text and "Error(" not in page.text


def test_segment_page_saves_through_the_validator(api_server: Any, world: dict[str, Any]) -> None:
    alpha = sign_in(api_server, "alpha")
    api = api_server.client("alpha")
    model = make_model(api_server, "alpha", "Segment leads")
    segment = make_segment(api_server, "alpha", model["uuid"], "French leads", country("FR"))
    url = f"/data/segments/{segment['uuid']}"
    page = alpha.get(url)
    assert page.status_code == 200
    assert re.search(r'id="segment-count">40<', page.text) and len(record_ids(page.text)) == 20
    assert '"columnSlug": "country"' in html.unescape(page.text)
    assert "Changes of the segment" in page.text
    token = csrf_in(page.text)

    # A filter the validator refuses: its path and message next to the editor, nothing saved.
    bad = where({"kind": "string", "columnSlug": "contry", "operator": "is", "values": ["US"]})
    refused = alpha.post(url, data={"csrf": token, "filter": json.dumps(bad)})
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert "<code>groups[0].conditions[0].columnSlug</code>" in text and "unknown column" in text
    assert "contry" in text and "Traceback" not in text
    assert _ok(api.get(f"/segmentation/segments/{segment['uuid']}"))["segment"]["filter"] == country("FR")
    not_json = alpha.post(url, data={"csrf": token, "filter": '{"conjonction": '})
    assert not_json.status_code == 400 and "is not valid JSON" in not_json.text

    # A good one: saved, evaluated again, the count and the changes follow.
    saved = alpha.post(url, data={"csrf": token, "filter": json.dumps(country("US"))})
    assert saved.status_code == 303 and saved.headers["location"] == f"{url}?saved=1"
    after = alpha.get(saved.headers["location"])
    assert "Saved." in after.text and re.search(r'id="segment-count">40<', after.text)
    assert _ok(api.get(f"/segmentation/segments/{segment['uuid']}"))["segment"]["filter"] == country("US")
    narrowed = where({"kind": "string", "columnSlug": "country", "operator": "is", "values": ["US"]},
                     {"kind": "number", "columnSlug": "score", "operator": "greaterThan", "value": 50})
    alpha.post(url, data={"csrf": token, "filter": json.dumps(narrowed)})
    expected = api_server.lading("segmentation", "segment", "fetch", "--model-uuid", model["uuid"],
                                 "--filter", json.dumps(narrowed))["count"]
    after = alpha.get(url)
    assert re.search(rf'id="segment-count">{expected}<', after.text) and expected < 40

    changes = api_server.lading("segmentation", "change", "list", "--segment-uuid", segment["uuid"])["changes"]
    assert len(changes) >= 3 and all(f'/data/changes/{c["uuid"]}' in after.text for c in changes[:3])
    change = alpha.get(f"/data/changes/{changes[0]['uuid']}")
    assert change.status_code == 200
    fetched = api_server.lading("segmentation", "change", "fetch", "--uuid", changes[0]["uuid"],
                                "--kinds", "added,updated,removed")
    assert f"{fetched['count']} record" in change.text
    removed = alpha.get(f"/data/changes/{changes[0]['uuid']}", params={"kind": "removed"})
    assert removed.status_code == 200 and "removed" in removed.text


def test_saves_need_the_csrf_token(api_server: Any, world: dict[str, Any]) -> None:
    alpha = sign_in(api_server, "alpha")
    api = api_server.client("alpha")
    url = f"/data/segments/{world['segment']['uuid']}"
    for fields in ({"filter": json.dumps(ALL)}, {"csrf": "forged", "filter": json.dumps(ALL)}):
        answer = alpha.post(url, data=fields)
        assert answer.status_code == 403 and "Refused" in answer.text
    assert _ok(api.get(f"/segmentation/segments/{world['segment']['uuid']}"))["segment"]["filter"] == country("US")


def test_a_second_workspace_sees_none_of_it(api_server: Any, world: dict[str, Any]) -> None:
    beta = sign_in(api_server, "beta")
    listed = beta.get("/data")
    assert listed.status_code == 200 and "Beta secrets" in listed.text
    assert "Console leads" not in listed.text and "US leads" not in listed.text
    changes = api_server.lading("segmentation", "change", "list", "--segment-uuid", world["segment"]["uuid"])
    for path in (f"/data/models/{world['model']['uuid']}", f"/data/segments/{world['segment']['uuid']}",
                 f"/data/changes/{changes['changes'][0]['uuid']}",
                 f"/data/models/{world['model']['uuid']}?field=country&op=equals&value=US"):
        answer = beta.get(path)
        assert answer.status_code == 404, path
        assert "Lead 1" not in answer.text and "Console leads" not in answer.text
    token = csrf_in(listed.text)
    saved = beta.post(f"/data/segments/{world['segment']['uuid']}", data={"csrf": token, "filter": json.dumps(ALL)})
    assert saved.status_code == 404
    api = api_server.client("alpha")
    assert _ok(api.get(f"/segmentation/segments/{world['segment']['uuid']}"))["segment"]["filter"] == country("US")
    # And alpha cannot open beta's model.
    assert sign_in(api_server, "alpha").get(f"/data/models/{world['beta_model']['uuid']}").status_code == 404
