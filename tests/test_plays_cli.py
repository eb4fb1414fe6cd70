"""`orchestration play …` and play batches through the real CLI (orchestration §3.8, §3.4; data §10.1)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from conftest import j, run_cli
from graphs import chain, end, start, var

COLUMNS = [{"slug": "name", "type": "string"}, {"slug": "country", "type": "string"}]
ALL = {"conjonction": "and", "groups": []}
US = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
    {"kind": "string", "columnSlug": "country", "operator": "is", "values": ["US"]}]}]}
LEADS = [{"_id": "l1", "name": "Ann", "country": "US"}, {"_id": "l2", "name": "Bob", "country": "US"},
         {"_id": "l3", "name": "Cy", "country": "FR"}]


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def fails(reason: str, *args: str) -> dict[str, Any]:
    code, out = run_cli(*args)
    assert code == 1, out
    assert out["reason"] == reason, out
    assert out["errorMessage"].startswith(reason)
    return out


def make_model(slug: str = "leads", records: list[dict[str, Any]] | None = None) -> str:
    ds = ok("storage", "dataset", "list")["datasets"][0]["uuid"]
    model = ok("storage", "model", "create", "--slug", slug, "--name", slug.title(), "--dataset-uuid", ds,
               "--columns", j(COLUMNS), "--title-column-slug", "name")["model"]["uuid"]
    upsert(model, LEADS if records is None else records)
    return str(model)


def upsert(model: str, records: list[dict[str, Any]]) -> None:
    ok("storage", "record", "upsert", "--model-uuid", model, "--records", j(records))


def deployed_play(model: str, *extra: str) -> dict[str, Any]:
    """A play whose deployed graph echoes the record's name and country."""
    play = ok("orchestration", "play", "create", "--name", "Greet", "--model-uuid", model, *extra)["play"]
    nodes = chain(start(), end([var("name", "{{nodes.start.name}}"), var("country", "{{nodes.start.country}}")]))
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", play["workflowUuid"], "--nodes", j(nodes))
    return dict(play)


def batch(workflow: str, data: dict[str, Any]) -> dict[str, Any]:
    out = ok("orchestration", "batch", "create", "--workflow-uuid", workflow, "--data", j(data),
             "--wait-until-finished")
    return dict(out["batch"])


def runs_of(workflow: str, batch_uuid: str) -> dict[str, str]:
    runs = ok("orchestration", "run", "list", "--workflow-uuid", workflow, "--batch-uuid", batch_uuid)["runs"]
    assert all(r["status"] == "success" for r in runs), runs
    return {r["recordId"]: r["recordTitle"] for r in runs}


def test_play_lifecycle_and_generated_segment() -> None:
    model = make_model()
    folder = ok("workspaceManagement", "folder", "create", "--name", "Plays", "--emoji-slug", "rocket",
                "--kind", "play")["folder"]["uuid"]
    tool_folder = ok("workspaceManagement", "folder", "create", "--name", "Tools", "--emoji-slug", "wrench",
                     "--kind", "tool")["folder"]["uuid"]
    # A play enters only a play folder of its workspace (C §3.5).
    fails("folderNotFound", "orchestration", "play", "create", "--name", "X", "--model-uuid", model,
          "--folder-uuid", tool_folder)
    created = ok("orchestration", "play", "create", "--name", "Enrich", "--model-uuid", model,
                 "--description", "New US leads", "--filter", j(US), "--limit", "10",
                 "--change-kinds", "created,updated", "--run-creation-rule", "onlyOnce",
                 "--tracking-column-slugs", "name", "--health-threshold", "90",
                 "--schedule", j({"type": "watch"}), "--folder-uuid", folder)["play"]
    assert {k: created[k] for k in ("name", "modelUuid", "changeKinds", "runCreationRule", "isEnabled", "schedule",
                                    "description", "healthThreshold", "folderUuid", "filter", "limit",
                                    "trackingColumnSlugs")} == {
        "name": "Enrich", "modelUuid": model, "changeKinds": ["added", "updated"], "runCreationRule": "once",
        "isEnabled": False, "schedule": {"type": "watch"}, "description": "New US leads", "healthThreshold": 90,
        "folderUuid": folder, "filter": US, "limit": 10, "trackingColumnSlugs": ["name"]}
    assert created["workflowUuid"] and created["createdAt"] and created["updatedAt"]
    # The generated segment: named GENERATED_PLAY_SEGMENT, fromPlay, synced with the play's filter.
    segment = ok("segmentation", "segment", "get", created["segmentUuid"])["segment"]
    assert (segment["name"], segment["fromPlay"], segment["modelUuid"], segment["recordsCount"]) == \
        ("GENERATED_PLAY_SEGMENT", True, model, 2)
    fails("segmentLinkedToWorkflow", "segmentation", "segment", "remove", created["segmentUuid"])
    # Its workflow names the play; the draft is start → end and nothing is deployed yet.
    workflows = {w["uuid"]: w for w in ok("orchestration", "workflow", "list")["workflows"]}
    assert workflows[created["workflowUuid"]]["playUuid"] == created["uuid"]
    assert workflows[created["workflowUuid"]]["toolUuid"] is None
    fails("noDeployedRelease", "orchestration", "release", "get-deployed", "--workflow-uuid", created["workflowUuid"])

    defaults = ok("orchestration", "play", "create", "--name", "Defaults", "--model-uuid", model)["play"]
    assert (defaults["changeKinds"], defaults["runCreationRule"], defaults["isEnabled"], defaults["schedule"],
            defaults["healthThreshold"], defaults["filter"], defaults["folderUuid"]) == \
        (["added"], "always", False, None, 80, ALL, None)
    assert ok("orchestration", "play", "get", created["uuid"]) == {"play": created}
    assert [p["uuid"] for p in ok("orchestration", "play", "list")["plays"]] == [defaults["uuid"], created["uuid"]]
    assert [p["uuid"] for p in ok("orchestration", "play", "list", "--folder-uuid", folder)["plays"]] == \
        [created["uuid"]]

    # Update: every flag; the segment follows --filter/--limit/--tracking-column-slugs.
    fails("noDeployedRelease", "orchestration", "play", "update", created["uuid"], "--is-enabled", "true")
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", created["workflowUuid"])
    updated = ok("orchestration", "play", "update", "--uuid", created["uuid"], "--name", "Enrich all",
                 "--description", "All leads", "--filter", j(ALL), "--limit", "null", "--change-kinds", "removed",
                 "--run-creation-rule", "always", "--is-enabled", "true", "--health-threshold", "50",
                 "--tracking-column-slugs", "country", "--schedule", j({"type": "cron", "cron": "0 9 * * 1"}),
                 "--folder-uuid", "null")["play"]
    assert {k: updated[k] for k in ("name", "description", "filter", "limit", "changeKinds", "runCreationRule",
                                    "isEnabled", "healthThreshold", "trackingColumnSlugs", "schedule",
                                    "folderUuid")} == {
        "name": "Enrich all", "description": "All leads", "filter": ALL, "limit": None, "changeKinds": ["removed"],
        "runCreationRule": "always", "isEnabled": True, "healthThreshold": 50, "trackingColumnSlugs": ["country"],
        "schedule": {"type": "cron", "cron": "0 9 * * 1"}, "folderUuid": None}
    assert ok("segmentation", "segment", "get", created["segmentUuid"])["segment"]["recordsCount"] == 3
    assert ok("orchestration", "play", "update", created["uuid"], "--is-enabled", "false")["play"]["isEnabled"] is False

    # Remove: the play, its workflow and its generated segment go.
    assert ok("orchestration", "play", "remove", created["uuid"]) == {"uuid": created["uuid"], "removed": True}
    fails("playNotFound", "orchestration", "play", "get", created["uuid"])
    fails("playNotFound", "orchestration", "play", "update", created["uuid"], "--name", "x")
    fails("playNotFound", "orchestration", "play", "remove", created["uuid"])
    assert created["segmentUuid"] not in {s["uuid"] for s in ok("segmentation", "segment", "list")["segments"]}
    assert created["workflowUuid"] not in {w["uuid"] for w in ok("orchestration", "workflow", "list")["workflows"]}
    assert [p["uuid"] for p in ok("orchestration", "play", "list")["plays"]] == [defaults["uuid"]]


def test_create_and_update_validate_before_writing() -> None:
    model = make_model()
    base = ("orchestration", "play", "create", "--name", "P", "--model-uuid", model)
    fails("invalidData", *base, "--change-kinds", "added,moved")
    fails("invalidData", *base, "--change-kinds", "")
    fails("invalidData", *base, "--run-creation-rule", "sometimes")
    fails("invalidData", *base, "--schedule", j({"type": "cron", "cron": "not a cron"}))
    fails("invalidData", *base, "--health-threshold", "120")
    fails("invalidFilter", *base, "--filter", j({"conjonction": "and", "grups": []}))
    fails("invalidData", *base, "--tracking-column-slugs", "nope")
    fails("modelNotFound", "orchestration", "play", "create", "--name", "P", "--model-uuid", "missing")
    assert ok("orchestration", "play", "list") == {"plays": []}
    assert ok("segmentation", "segment", "list") == {"segments": []}
    play = ok(*base)["play"]
    fails("invalidData", "orchestration", "play", "update", play["uuid"], "--change-kinds", "")
    fails("invalidFilter", "orchestration", "play", "update", play["uuid"], "--filter", j({"conjonction": "x"}))
    code, out = run_cli("orchestration", "play", "update", play["uuid"], "--is-enabled", "maybe")
    assert code == 2
    assert ok("orchestration", "play", "get", play["uuid"]) == {"play": play}


def test_play_batch_kinds_end_to_end() -> None:
    model = make_model()
    other = make_model("accounts", [{"_id": "x1", "name": "Xavier", "country": "US"}])
    play = deployed_play(model, "--filter", j(US))
    wf = play["workflowUuid"]

    # filter: queries the model; limit samples; runs carry the model row id and title column.
    done = batch(wf, {"kind": "filter", "modelUuid": model, "filter": US})
    assert (done["status"], done["runsCount"], done["executedRunsCount"]) == ("success", 2, 2)
    assert runs_of(wf, done["uuid"]) == {"l1": "Ann", "l2": "Bob"}
    sample = batch(wf, {"kind": "filter", "modelUuid": model, "filter": ALL, "limit": 1})
    assert runs_of(wf, sample["uuid"]) == {"l1": "Ann"}
    run = ok("orchestration", "run", "list", "--workflow-uuid", wf, "--batch-uuid", sample["uuid"])["runs"][0]
    context = ok("orchestration", "run", "get", run["uuid"])["runContext"]
    assert context["start"]["_id"] == "l1" and context["start"]["country"] == "US"
    assert context["end"] == {"name": "Ann", "country": "US"}

    # recordIds: rows of the model (modelUuid defaults to the play's); unknown ids are bad rows.
    by_ids = batch(wf, {"kind": "recordIds", "ids": ["l3", "nope"]})
    assert runs_of(wf, by_ids["uuid"]) == {"l3": "Cy"}
    assert by_ids["invalidRows"] == [{"line": 2, "error": "record nope is not in the play's model"}]
    assert runs_of(wf, batch(wf, {"kind": "recordIds", "modelUuid": model, "recordIds": ["l2"]})["uuid"]) == \
        {"l2": "Bob"}

    # segment: a standalone segment's members, or the play's own segment's (running the play by hand).
    fr = ok("segmentation", "segment", "create", "--name", "FR", "--model-uuid", model, "--filter",
            j({"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
                {"kind": "string", "columnSlug": "country", "operator": "is", "values": ["FR"]}]}]}))["segment"]
    assert runs_of(wf, batch(wf, {"kind": "segment", "segmentUuid": fr["uuid"]})["uuid"]) == {"l3": "Cy"}

    # change: the records of a change of the given kinds (default: the play's kinds).
    change = ok("segmentation", "segment", "get", play["segmentUuid"])["segment"]["lastChange"]
    assert runs_of(wf, batch(wf, {"kind": "change", "changeUuid": change["uuid"]})["uuid"]) == \
        {"l1": "Ann", "l2": "Bob"}
    fails("noRecords", "orchestration", "batch", "create", "--workflow-uuid", wf,
          "--data", j({"kind": "change", "changeUuid": change["uuid"], "changeKinds": ["removed"]}))

    assert runs_of(wf, batch(wf, {"kind": "segment", "segmentUuid": play["segmentUuid"]})["uuid"]) == \
        {"l1": "Ann", "l2": "Bob"}

    # Errors: wrong kinds, another play's segment, empty sources, other models, run create.
    create = ("orchestration", "batch", "create", "--workflow-uuid", wf, "--data")
    sibling = deployed_play(model)
    fails("segmentLinkedToPlay", *create, j({"kind": "segment", "segmentUuid": sibling["segmentUuid"]}))
    fails("invalidDataKind", *create, j({"kind": "records", "records": [{"a": 1}]}))
    fails("invalidDataKind", *create, j({"kind": "file", "s3Filename": "x.csv"}))
    fails("noRecords", *create, j({"kind": "filter", "modelUuid": model, "filter": {
        "conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
            {"kind": "string", "columnSlug": "country", "operator": "is", "values": ["DE"]}]}]}}))
    fails("noRecords", *create, j({"kind": "recordIds", "ids": ["nope"]}))
    de = ok("segmentation", "segment", "create", "--name", "DE", "--model-uuid", model, "--filter",
            j({"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
                {"kind": "string", "columnSlug": "country", "operator": "is", "values": ["DE"]}]}]}))["segment"]
    fails("noRecords", *create, j({"kind": "segment", "segmentUuid": de["uuid"]}))
    accounts = ok("segmentation", "segment", "create", "--name", "All accounts", "--model-uuid", other,
                  "--filter", j(ALL))["segment"]
    fails("invalidData", *create, j({"kind": "segment", "segmentUuid": accounts["uuid"]}))
    fails("segmentNotFound", *create, j({"kind": "segment", "segmentUuid": "missing"}))
    fails("changeNotFound", *create, j({"kind": "change", "changeUuid": "missing"}))
    fails("invalidData", *create, j({"kind": "recordIds", "modelUuid": other, "ids": ["x1"]}))
    fails("invalidData", *create, j({"kind": "filter", "modelUuid": other, "filter": ALL}))
    fails("invalidFilter", *create, j({"kind": "filter", "modelUuid": model, "filter": {"conjonction": "and"}}))
    fails("playNotCompatible", "orchestration", "run", "create", "--workflow-uuid", wf, "--data", "{}")
    tool = ok("orchestration", "tool", "create", "--name", "T")["tool"]["workflowUuid"]
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", tool)
    for kind in ({"kind": "filter", "modelUuid": model, "filter": ALL}, {"kind": "segment", "segmentUuid": fr["uuid"]},
                 {"kind": "change", "changeUuid": change["uuid"]}):
        fails("invalidDataKind", "orchestration", "batch", "create", "--workflow-uuid", tool, "--data", j(kind))
    undeployed = ok("orchestration", "play", "create", "--name", "New", "--model-uuid", model)["play"]
    fails("noDeployedRelease", "orchestration", "batch", "create", "--workflow-uuid", undeployed["workflowUuid"],
          "--data", j({"kind": "filter", "modelUuid": model, "filter": ALL}))


def _wait_batches(workflow: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while True:
        batches = ok("orchestration", "batch", "list", "--workflow-uuids", workflow)["batches"]
        if len(batches) >= count and all(b["status"] in ("success", "error", "cancelled") for b in batches):
            return list(batches)
        assert time.monotonic() < deadline, batches
        time.sleep(0.2)


@pytest.mark.embedded_only  # moves the debounce window of this process, which a server does not share
def test_segment_changes_create_batches_for_enabled_plays(monkeypatch: pytest.MonkeyPatch) -> None:
    from lading.services.segmentation import changes as segment_changes

    monkeypatch.setattr(segment_changes, "DEBOUNCE", timedelta(0))  # every write syncs at once
    model = make_model()
    always = deployed_play(model, "--filter", j(US))
    once = deployed_play(model, "--filter", j(US), "--run-creation-rule", "once")

    # Disabled plays create no automatic runs.
    upsert(model, [{"_id": "l4", "name": "Dee", "country": "US"}])
    assert ok("orchestration", "batch", "list", "--workflow-uuids", always["workflowUuid"])["batches"] == []
    for play in (always, once):
        ok("orchestration", "play", "update", play["uuid"], "--is-enabled", "true")
    # l1 went through the `once` play by hand; manual batches are not limited by the rule.
    batch(once["workflowUuid"], {"kind": "recordIds", "ids": ["l1"]})

    upsert(model, [{"_id": "l1", "name": "Ann", "country": "FR"}])  # removed: not a kind these plays react to
    upsert(model, [{"_id": "l1", "name": "Ann", "country": "US"}, {"_id": "l5", "name": "Eve", "country": "US"}])

    auto = _wait_batches(always["workflowUuid"], 1)
    assert len(auto) == 1 and auto[0]["data"]["kind"] == "change" and auto[0]["data"]["changeKinds"] == ["added"]
    assert auto[0]["status"] == "success" and runs_of(always["workflowUuid"], auto[0]["uuid"]) == \
        {"l1": "Ann", "l5": "Eve"}
    change = ok("segmentation", "segment", "get", always["segmentUuid"])["segment"]["lastChange"]
    assert auto[0]["data"]["changeUuid"] == change["uuid"]
    # `once`: l1 already had a run in this workflow, so only l5 runs.
    batches = _wait_batches(once["workflowUuid"], 2)
    assert len(batches) == 2 and runs_of(once["workflowUuid"], batches[0]["uuid"]) == {"l5": "Eve"}
    # Again for the same records: `always` runs them again, `once` creates nothing.
    upsert(model, [{"_id": "l5", "name": "Eve", "country": "FR"}])
    upsert(model, [{"_id": "l5", "name": "Eve", "country": "US"}])
    assert len(_wait_batches(always["workflowUuid"], 2)) == 2
    assert len(_wait_batches(once["workflowUuid"], 2)) == 2
