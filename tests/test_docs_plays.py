"""Cargo's documented play lines (issue 19, "Plays"): a batch over a play's own segment runs the play
by hand over the segment's current members, and a `filter` source takes the documents' simple
`{"field","operator","value"}` conditions (orchestration §3.4, data §8, §10.1).

Through the CLI (embedded, and remote in the remote pass) and through `POST /v1/orchestration/batches`."""

from __future__ import annotations

import time
from typing import Any

from conftest import j, run_cli
from graphs import chain, end, start, var

COLUMNS = [{"slug": "name", "type": "string"}, {"slug": "country", "type": "string"},
           {"slug": "employees", "type": "number"}, {"slug": "active", "type": "boolean"},
           {"slug": "metadata", "type": "object"}]
LEADS = [{"_id": "l1", "name": "Ann", "country": "US", "employees": 10, "active": True,
          "metadata": {"industry": "SaaS", "seats": 12}},
         {"_id": "l2", "name": "Bob", "country": "US", "employees": 500, "active": False,
          "metadata": {"industry": "Retail", "seats": 3}},
         {"_id": "l3", "name": "Cy", "country": "FR", "employees": 50, "active": True},
         {"_id": "l4", "name": "Dee", "country": "", "employees": None, "active": None}]


def cond(kind: str, column: str, operator: str, **values: Any) -> dict[str, Any]:
    return {"kind": kind, "columnSlug": column, "operator": operator, **values}


def full(*conditions: dict[str, Any], conj: str = "and") -> dict[str, Any]:
    """A full filter: one group joining the conditions."""
    return {"conjonction": "and", "groups": [{"conjonction": conj, "conditions": list(conditions)}]}


US = full(cond("string", "country", "is", values=["US"]))
# (simple form, equivalent full filter, the ids both select)
EQUIVALENTS: list[tuple[Any, dict[str, Any], set[str]]] = [
    ({"field": "country", "operator": "equals", "value": "US"}, US, {"l1", "l2"}),
    ({"field": "country", "operator": "=", "value": "US"}, US, {"l1", "l2"}),
    ({"field": "country", "operator": "!=", "value": "US"}, full(cond("string", "country", "isNot", values=["US"])),
     {"l3", "l4"}),
    ({"field": "name", "operator": "contains", "value": "b"}, full(cond("string", "name", "contains", values="b")),
     {"l2"}),
    ({"field": "name", "operator": "startsWith", "value": "c"},
     full(cond("string", "name", "startsWith", values=["c"])), {"l3"}),
    ({"field": "country", "operator": "in", "value": ["FR", "DE"]},
     full(cond("string", "country", "is", values=["FR", "DE"])), {"l3"}),
    ({"field": "country", "operator": "isEmpty"}, full(cond("string", "country", "isEmpty")), {"l4"}),
    ({"field": "employees", "operator": "greaterThan", "value": 20},
     full(cond("number", "employees", "greaterThan", value=20)), {"l2", "l3"}),
    ({"field": "employees", "operator": ">=", "value": 50},
     full(cond("number", "employees", "greaterThan", value=50), cond("number", "employees", "is", value=50),
          conj="or"), {"l2", "l3"}),
    ({"field": "employees", "operator": "lessThan", "value": 50},
     full(cond("number", "employees", "lowerThan", value=50)), {"l1"}),
    ({"field": "employees", "operator": "between", "value": [10, 50]},
     full(cond("number", "employees", "between", firstValue=10, lastValue=50)), {"l1", "l3"}),
    ({"field": "employees", "operator": "isNull"}, full(cond("number", "employees", "isNull")), {"l4"}),
    ({"field": "active", "operator": "equals", "value": True}, full(cond("boolean", "active", "isTrue")), {"l1", "l3"}),
    ({"field": "active", "operator": "isFalse"}, full(cond("boolean", "active", "isFalse")), {"l2"}),
    ({"field": "employees", "operator": "equals", "value": None}, full(cond("number", "employees", "isNull")), {"l4"}),
    # A dotted field reads a property of an object column.
    ({"field": "metadata.industry", "operator": "equals", "value": "SaaS"},
     full(cond("object", "metadata", "matchConditions", conjonction="and", conditions=[
         {"kind": "objectProperty", "columnSlug": "metadata", "propertyName": "industry", "operator": "is",
          "value": "SaaS"}])), {"l1"}),
    ({"field": "metadata.seats", "operator": "<", "value": 5},
     full({"kind": "objectProperty", "columnSlug": "metadata", "propertyName": "seats", "operator": "lowerThan",
           "value": 5}), {"l2"}),
    # A list means AND.
    ([{"field": "country", "operator": "equals", "value": "US"}, {"field": "employees", "operator": ">", "value": 100}],
     {"conjonction": "and", "groups": [
         {"conjonction": "and", "conditions": [cond("string", "country", "is", values=["US"])]},
         {"conjonction": "and", "conditions": [cond("number", "employees", "greaterThan", value=100)]}]}, {"l2"}),
]


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def fails(reason: str, *args: str) -> dict[str, Any]:
    code, out = run_cli(*args)
    assert code == 1, out
    assert out["reason"] == reason, out
    return dict(out)


def make_model(slug: str = "leads") -> str:
    ds = ok("storage", "dataset", "list")["datasets"][0]["uuid"]
    model = ok("storage", "model", "create", "--slug", slug, "--name", slug.title(), "--dataset-uuid", ds,
               "--columns", j(COLUMNS), "--title-column-slug", "name")["model"]["uuid"]
    ok("storage", "record", "upsert", "--model-uuid", model, "--records", j(LEADS))
    return str(model)


def echo_nodes() -> list[dict[str, Any]]:
    return chain(start(), end([var("name", "{{nodes.start.name}}")]))


def deployed_play(model: str, name: str = "Greet") -> dict[str, Any]:
    """A play over the US leads whose deployed graph echoes the record's name."""
    play = ok("orchestration", "play", "create", "--name", name, "--model-uuid", model, "--filter", j(US))["play"]
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", play["workflowUuid"], "--nodes", j(echo_nodes()))
    return dict(play)


def finished(batch_uuid: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        batch = ok("orchestration", "batch", "get", batch_uuid)["batch"]
        if batch["status"] in ("success", "error", "cancelled"):
            return dict(batch)
        assert time.monotonic() < deadline, batch
        time.sleep(0.2)


def runs_of(workflow: str, batch_uuid: str) -> list[dict[str, Any]]:
    runs = ok("orchestration", "run", "list", "--workflow-uuid", workflow, "--batch-uuid", batch_uuid)["runs"]
    assert all(r["status"] == "success" for r in runs), runs
    return list(runs)


def titles(runs: list[dict[str, Any]]) -> dict[str, str]:
    return {r["recordId"]: r["recordTitle"] for r in runs}


def test_batch_over_the_plays_own_segment_runs_the_play_by_hand() -> None:
    model = make_model()
    play = deployed_play(model)
    wf, own = play["workflowUuid"], play["segmentUuid"]
    release = ok("orchestration", "release", "list", "--workflow-uuid", wf)["releases"]
    deployed = next(r["uuid"] for r in release if r["status"] == "deployed")

    # The seed's line, verbatim: it answers the pending batch at once; polled to its end.
    created = ok("orchestration", "batch", "create", "--workflow-uuid", wf,
                 "--data", '{"kind":"segment","segmentUuid":"' + own + '"}')["batch"]
    assert created["workflowUuid"] == wf
    done = finished(created["uuid"])
    assert (done["status"], done["runsCount"], done["executedRunsCount"], done["failedRunsCount"]) == \
        ("success", 2, 2, 0)
    assert done["releaseUuid"] == deployed and done["data"] == {"kind": "segment", "segmentUuid": own, "count": 2}
    runs = runs_of(wf, created["uuid"])
    # The play's runs as they always look: record id and title column, the play's deployed release.
    assert titles(runs) == {"l1": "Ann", "l2": "Bob"}
    assert {r["releaseUuid"] for r in runs} == {deployed}
    records = ok("orchestration", "record", "list", "--workflow-uuid", wf, "--batch-uuid", created["uuid"])
    assert records["count"] == 2 and {r["id"] for r in records["records"]} == {"l1", "l2"}
    context = ok("orchestration", "run", "get", runs[0]["uuid"])["runContext"]
    assert context["end"] == {"name": context["start"]["name"]}

    # The segment's *current* members: a new US lead is enrolled by the next batch.
    ok("storage", "record", "upsert", "--model-uuid", model,
       "--records", j([{"_id": "l5", "name": "Eve", "country": "US", "employees": 3, "active": True}]))
    again = ok("orchestration", "batch", "create", "--workflow-uuid", wf, "--data",
               j({"kind": "segment", "segmentUuid": own}), "--wait-until-finished")["batch"]
    assert (again["status"], again["runsCount"]) == ("success", 3)
    assert titles(runs_of(wf, again["uuid"])) == {"l1": "Ann", "l2": "Bob", "l5": "Eve"}

    # With --nodes: the same members through an ad-hoc graph of the play's workflow.
    nodes = chain(start(), end([var("shout", "{{nodes.start.name}}!")]))
    adhoc = ok("orchestration", "batch", "create", "--workflow-uuid", wf, "--nodes", j(nodes), "--data",
               j({"kind": "segment", "segmentUuid": own}), "--wait-until-finished")["batch"]
    assert (adhoc["status"], adhoc["runsCount"], adhoc["executedRunsCount"]) == ("success", 3, 3)
    assert adhoc["releaseUuid"] != deployed and adhoc["nodes"] is not None
    adhoc_runs = runs_of(wf, adhoc["uuid"])
    assert titles(adhoc_runs) == {"l1": "Ann", "l2": "Bob", "l5": "Eve"}
    shouts = {ok("orchestration", "run", "get", r["uuid"])["runContext"]["end"]["shout"] for r in adhoc_runs}
    assert shouts == {"Ann!", "Bob!", "Eve!"}


def test_another_plays_segment_is_still_refused() -> None:
    model = make_model()
    first, second = deployed_play(model, "First"), deployed_play(model, "Second")
    for play, other in ((first, second), (second, first)):
        out = fails("segmentLinkedToPlay", "orchestration", "batch", "create", "--workflow-uuid", play["workflowUuid"],
                    "--data", j({"kind": "segment", "segmentUuid": other["segmentUuid"]}))
        assert "another play" in out["errorMessage"]
        fails("segmentLinkedToPlay", "orchestration", "batch", "create", "--workflow-uuid", play["workflowUuid"],
              "--nodes", j(echo_nodes()), "--data", j({"kind": "segment", "segmentUuid": other["segmentUuid"]}))
    # A tool's workflow takes no segment at all, not even a play's.
    tool = ok("orchestration", "tool", "create", "--name", "T")["tool"]["workflowUuid"]
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", tool)
    out = fails("invalidDataKind", "orchestration", "batch", "create", "--workflow-uuid", tool,
                "--data", j({"kind": "segment", "segmentUuid": first["segmentUuid"]}))
    assert "--workflow-uuid <play.workflowUuid>" in out["errorMessage"]
    assert ok("orchestration", "batch", "list", "--workflow-uuids", f"{first['workflowUuid']},{tool}")["batches"] == []


def test_simple_condition_filters_select_what_the_full_filter_selects() -> None:
    model = make_model()
    play = deployed_play(model)
    wf = play["workflowUuid"]

    def ids(flt: Any, **extra: Any) -> set[str]:
        batch = ok("orchestration", "batch", "create", "--workflow-uuid", wf, "--wait-until-finished", "--data",
                   j({"kind": "filter", "modelUuid": model, "filter": flt, **extra}))["batch"]
        assert batch["status"] == "success", batch
        return set(titles(runs_of(wf, batch["uuid"])))

    # A single condition, a list (AND), and several operators, each against its full filter.
    for index in (0, 2, 8, 12, len(EQUIVALENTS) - 1):
        simple, equivalent, expected = EQUIVALENTS[index]
        assert ids(simple) == ids(equivalent) == expected, simple
    # A lone full condition (no groups) is taken as a one-condition filter.
    assert ids(cond("string", "country", "is", values=["FR"])) == {"l3"}
    # The simple form written on the source itself, and with a limit.
    batch = ok("orchestration", "batch", "create", "--workflow-uuid", wf, "--wait-until-finished", "--data",
               j({"kind": "filter", "field": "country", "operator": "equals", "value": "US"}))["batch"]
    assert set(titles(runs_of(wf, batch["uuid"]))) == {"l1", "l2"}
    assert len(ids({"field": "country", "operator": "equals", "value": "US"}, limit=1)) == 1

    create = ("orchestration", "batch", "create", "--workflow-uuid", wf, "--data")
    bad = fails("invalidFilter", *create, j({"kind": "filter", "filter": {"field": "country", "operator": "like",
                                                                          "value": "US"}}))
    assert "unknown operator" in bad["errorMessage"] and "equals" in bad["errorMessage"] \
        and "greaterThan" in bad["errorMessage"] and "isEmpty" in bad["errorMessage"]
    bad = fails("invalidFilter", *create, j({"kind": "filter", "filter": {"field": "nope", "operator": "equals",
                                                                          "value": 1}}))
    assert "unknown column" in bad["errorMessage"] and "country" in bad["errorMessage"]
    bad = fails("invalidFilter", *create, j({"kind": "filter", "filter": [
        {"field": "country", "operator": "equals", "value": "US"},
        {"field": "name", "operator": "greaterThan", "value": "A"}]}))
    assert "does not apply" in bad["errorMessage"] and "[1]" in bad["errorMessage"]
    bad = fails("invalidFilter", *create, j({"kind": "filter", "filter": {"field": "employees", "operator": "between",
                                                                          "value": 3}}))
    assert "two bounds" in bad["errorMessage"]
    fails("invalidFilter", *create, j({"kind": "filter", "filter": {"field": "country", "operator": "equals"}}))
    fails("invalidFilter", *create, j({"kind": "filter", "filter": {"field": "country", "operator": "equals",
                                                                    "value": "US", "extra": 1}}))
    # The full form is unchanged, and its strictness too.
    fails("invalidFilter", *create, j({"kind": "filter", "filter": {"conjunction": "and", "groups": []}}))
    assert ok("orchestration", "batch", "list", "--workflow-uuids", wf)["batches"][0]["status"] == "success"


# --- the HTTP face -------------------------------------------------------------------------------------


def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_http_batch_over_own_segment_and_simple_filters(api_server: Any, remote: Any) -> None:
    model = make_model("httpleads")
    play = deployed_play(model)
    wf, own = play["workflowUuid"], play["segmentUuid"]
    alpha, beta = api_server.client("alpha"), api_server.client("beta")

    batch = _json(alpha.post("/orchestration/batches", json={
        "workflowUuid": wf, "data": {"kind": "segment", "segmentUuid": own}}))["batch"]
    assert set(titles(runs_of(wf, finished(batch["uuid"])["uuid"]))) == {"l1", "l2"}
    with_nodes = _json(alpha.post("/orchestration/batches", json={
        "workflowUuid": wf, "nodes": echo_nodes(), "data": {"kind": "segment", "segmentUuid": own}}))["batch"]
    assert finished(with_nodes["uuid"])["runsCount"] == 2

    other = deployed_play(model, "Other")
    refused = _json(alpha.post("/orchestration/batches", json={
        "workflowUuid": wf, "data": {"kind": "segment", "segmentUuid": other["segmentUuid"]}}), 400)
    assert refused["reason"] == "dataError" and refused["dataError"] == {"reason": "segmentLinkedToPlay"}
    # Another workspace sees neither the workflow nor the segment.
    assert _json(beta.post("/orchestration/batches", json={
        "workflowUuid": wf, "data": {"kind": "segment", "segmentUuid": own}}), 404)["reason"] == "workflowNotFound"

    # Every equivalence through the preview route (it creates nothing).
    for simple, equivalent, expected in EQUIVALENTS:
        got = [{r["_id"] for r in _json(alpha.post("/orchestration/batches/preview", json={
            "workflowUuid": wf, "data": {"kind": "filter", "filter": flt}}))["records"]} if expected else set()
            for flt in (simple, equivalent)]
        assert got[0] == got[1] == expected, simple
    bad = _json(alpha.post("/orchestration/batches", json={
        "workflowUuid": wf, "data": {"kind": "filter", "filter": {"field": "country", "operator": "~",
                                                                  "value": "US"}}}), 400)
    assert bad["reason"] == "invalidFilter" and "accepted operators" in bad["errorMessage"]
    assert "{'" not in bad["errorMessage"] and "None" not in bad["errorMessage"]

    # The remote CLI prints what the embedded one prints for the same failure.
    code, out = remote("orchestration", "batch", "create", "--workflow-uuid", wf, "--data",
                       j({"kind": "segment", "segmentUuid": other["segmentUuid"]}))
    assert code == 1 and out["reason"] == "segmentLinkedToPlay"
