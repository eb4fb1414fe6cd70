"""`segmentation segment|change|record …` through the real CLI: lifecycle, syncs and changes (§7, §10)."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import j, read_export, run_cli

COLUMNS = [{"slug": "name", "type": "string"}, {"slug": "country", "type": "string"},
           {"slug": "score", "type": "number"}, {"slug": "seen", "type": "date"}]
US = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
    {"kind": "string", "columnSlug": "country", "operator": "is", "values": ["US"]}]}]}


def ok(*args: str) -> Any:
    code, out = run_cli(*args)
    assert code == 0, out
    return out


def make_model(records: list[dict[str, Any]]) -> str:
    ds = ok("storage", "dataset", "list")["datasets"][0]["uuid"]
    model = ok("storage", "model", "create", "--slug", "leads", "--name", "Leads", "--dataset-uuid", ds,
               "--columns", j(COLUMNS))["model"]["uuid"]
    if records:
        upsert(model, records)
    return str(model)


def upsert(model: str, records: list[dict[str, Any]]) -> None:
    ok("storage", "record", "upsert", "--model-uuid", model, "--records", j(records))


def counts(change: dict[str, Any]) -> tuple[int, int, int, int, int]:
    return (change["addedRecordsCount"], change["updatedRecordsCount"], change["removedRecordsCount"],
            change["unchangedRecordsCount"], change["totalRecordsCount"])


@pytest.fixture
def no_debounce(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write computes its segments' changes at once (the window belongs to the process that
    writes: in the remote pass that is the server, so these tests run embedded only)."""
    from lading.services.segmentation import changes as segment_changes

    if os.environ.get("LADING_TEST_MODE") == "remote":
        pytest.skip("moves the debounce window of this process, which a server does not share")
    monkeypatch.setattr(segment_changes, "DEBOUNCE", timedelta(0))


def leads() -> list[dict[str, Any]]:
    return [{"_id": "l1", "name": "Ann", "country": "US", "score": 1}, {"_id": "l2", "name": "Bob", "country": "US",
                                                                       "score": 2},
            {"_id": "l3", "name": "Cy", "country": "FR", "score": 3}]


def test_segment_lifecycle(tmp_path: Path) -> None:
    model = make_model(leads())
    seg = ok("segmentation", "segment", "create", "--name", "US leads", "--model-uuid", model, "--filter", j(US),
             "--slug", "us_leads", "--column-slugs", "name,country", "--tracking-column-slugs", "score")["segment"]
    assert seg["slug"] == "us_leads" and seg["name"] == "US leads" and seg["modelUuid"] == model
    assert seg["recordsCount"] == 2 and seg["syncedAt"] is not None and seg["fromPlay"] is False
    assert seg["columnSlugs"] == ["name", "country"] and seg["trackingColumnSlugs"] == ["score"]
    assert counts(seg["lastChange"]) == (2, 0, 0, 0, 2)  # first sync: every member added
    assert seg["filter"] == US and seg["sort"] is None and seg["limit"] is None and seg["deletedAt"] is None

    listed = ok("segmentation", "segment", "list")["segments"]
    assert [s["uuid"] for s in listed] == [seg["uuid"]]
    assert ok("segmentation", "segment", "get", seg["uuid"])["segment"]["recordsCount"] == 2
    assert ok("storage", "model", "get", model)["model"]["segmentsCount"] == 1

    updated = ok("segmentation", "segment", "update", "--uuid", seg["uuid"], "--name", "All", "--filter",
                 j({"conjonction": "and", "groups": []}), "--limit", "2",
                 "--sort", j([{"columnSlug": "score", "kind": "desc"}]))["segment"]
    assert updated["name"] == "All" and updated["limit"] == 2 and updated["recordsCount"] == 2
    assert counts(updated["lastChange"]) == (1, 0, 1, 1, 3)  # l3 in, l1 out (top 2 by score), l2 stays

    code, out = run_cli("segmentation", "segment", "update", "--uuid", seg["uuid"])
    assert code != 0 and "at least one" in out["errorMessage"]
    code, out = run_cli("segmentation", "segment", "update", "--uuid", seg["uuid"], "--filter",
                        j({"conjunction": "and", "groups": []}))
    assert code != 0 and "conjonction" in out["errorMessage"]
    assert ok("segmentation", "segment", "get", seg["uuid"])["segment"]["name"] == "All"  # nothing half-written

    assert ok("segmentation", "segment", "remove", seg["uuid"]) == {"uuid": seg["uuid"], "removed": True}
    assert ok("segmentation", "segment", "list")["segments"] == []
    code, out = run_cli("segmentation", "segment", "get", seg["uuid"])
    assert code != 0 and out["reason"] == "segmentNotFound"


def test_create_validates_before_writing() -> None:
    model = make_model(leads())
    for flags, needle in [
        (["--filter", j({"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
            {"kind": "number", "columnSlug": "name", "operator": "is", "value": 1}]}]})], "column 'name' is a string"),
        (["--filter", j(US), "--tracking-column-slugs", "nope"], "nope"),
        (["--filter", j(US), "--limit", "0"], "--limit"),
        (["--filter", j(US), "--sort", j([{"columnSlug": "x"}])], "sort[0].columnSlug"),
    ]:
        code, out = run_cli("segmentation", "segment", "create", "--name", "S", "--model-uuid", model, *flags)
        assert code != 0 and needle in out["errorMessage"], out
    assert ok("segmentation", "segment", "list")["segments"] == []
    code, out = run_cli("segmentation", "segment", "create", "--name", "S", "--model-uuid", "missing",
                        "--filter", j(US))
    assert code != 0 and out["reason"] == "modelNotFound"


def test_changes_between_syncs_and_their_records(no_debounce: None) -> None:
    model = make_model(leads())
    seg = ok("segmentation", "segment", "create", "--name", "US", "--model-uuid", model, "--filter", j(US),
             "--tracking-column-slugs", "score")["segment"]
    # l1's tracked score changes, l2's untracked name changes, l3 joins, l4 arrives outside, l2… stays.
    upsert(model, [{"_id": "l1", "score": 10}, {"_id": "l2", "name": "Bobby"}, {"_id": "l3", "country": "US"},
                   {"_id": "l4", "country": "DE"}])
    upsert(model, [{"_id": "l2", "country": "FR"}])  # l2 leaves
    changes = ok("segmentation", "change", "list", "--segment-uuid", seg["uuid"])["changes"]
    assert [counts(c) for c in changes] == [(0, 0, 1, 2, 3), (1, 1, 0, 1, 3), (2, 0, 0, 0, 2)]  # newest first
    assert ok("segmentation", "segment", "get", seg["uuid"])["segment"]["recordsCount"] == 2
    assert len(ok("segmentation", "change", "list", "--segment-uuid", seg["uuid"], "--limit", "1",
                  "--offset", "1")["changes"]) == 1

    middle = changes[1]["uuid"]
    out = ok("segmentation", "change", "fetch", "--uuid", middle, "--kinds", "added,updated,unchanged")
    assert [c["slug"] for c in out["columns"]][:4] == ["_kind", "_id", "_title", "_time"]
    assert [(r["_kind"], r["_id"]) for r in out["records"]] == [("added", "l3"), ("unchanged", "l2"),
                                                                ("updated", "l1")]
    updated = next(r for r in out["records"] if r["_kind"] == "updated")
    assert updated["score"] == 10 and updated["_title"] == "Ann" and updated["_time"] == changes[1]["createdAt"]
    removed = ok("segmentation", "change", "fetch", "--uuid", changes[0]["uuid"], "--kinds", "removed")["records"]
    assert [(r["_id"], r["country"], r["name"]) for r in removed] == [("l2", "FR", "Bobby")]  # last known values
    added_only = ok("segmentation", "change", "fetch", "--uuid", middle, "--kinds", "added")["records"]
    assert [r["_id"] for r in added_only] == ["l3"]

    code, out = run_cli("segmentation", "change", "list")
    assert code != 0 and "segmentUuid" in out["errorMessage"] and out["statusCode"] == 400
    code, out = run_cli("segmentation", "change", "fetch", "--uuid", seg["uuid"], "--kinds", "added")
    assert code != 0 and out["statusCode"] == 400 and "segment uuid" in out["errorMessage"]
    code, out = run_cli("segmentation", "change", "fetch", "--uuid", middle, "--kinds", "moved")
    assert code != 0 and "moved" in out["errorMessage"]


def test_sync_that_moves_nothing_records_no_change(no_debounce: None) -> None:
    model = make_model(leads())
    seg = ok("segmentation", "segment", "create", "--name", "US", "--model-uuid", model, "--filter", j(US))["segment"]
    upsert(model, [{"_id": "l1", "score": 99}])  # no tracking columns: a changed member is unchanged
    after = ok("segmentation", "segment", "get", seg["uuid"])["segment"]
    assert after["lastChange"]["uuid"] == seg["lastChange"]["uuid"] and after["syncedAt"] >= seg["syncedAt"]
    assert len(ok("segmentation", "change", "list", "--segment-uuid", seg["uuid"])["changes"]) == 1


@pytest.mark.embedded_only  # moves the debounce window of this process, which a server does not share
def test_write_syncs_are_debounced(monkeypatch: pytest.MonkeyPatch) -> None:
    from lading.services.segmentation import changes as segment_changes

    model = make_model(leads())
    seg = ok("segmentation", "segment", "create", "--name", "US", "--model-uuid", model, "--filter", j(US))["segment"]
    upsert(model, [{"_id": "l5", "country": "US"}])  # inside the 10 s window: marked due, not synced
    from lading.services.wiring import open_session
    from lading.store.repositories import segments as repo

    session = open_session()
    with session.db.read() as conn:
        row = repo.get_segment(conn, session.workspace_uuid, seg["uuid"])
    assert row.sync_due and row.records_count == 2
    monkeypatch.setattr(segment_changes, "DEBOUNCE", timedelta(0))  # the window has passed
    after = ok("segmentation", "segment", "get", seg["uuid"])["segment"]  # the due sync runs before the read
    assert after["recordsCount"] == 3 and counts(after["lastChange"]) == (1, 0, 0, 2, 3)


def test_paused_model_computes_no_change_until_resumed(no_debounce: None) -> None:
    model = make_model(leads())
    seg = ok("segmentation", "segment", "create", "--name", "US", "--model-uuid", model, "--filter", j(US))["segment"]
    ok("storage", "model", "update", "--uuid", model, "--is-paused", "true")
    upsert(model, [{"_id": "l6", "country": "US"}])
    upsert(model, [{"_id": "l7", "country": "US"}])
    assert ok("segmentation", "segment", "get", seg["uuid"])["segment"]["recordsCount"] == 2
    ok("storage", "model", "update", "--uuid", model, "--is-paused", "false")
    changes = ok("segmentation", "change", "list", "--segment-uuid", seg["uuid"])["changes"]
    assert [counts(c) for c in changes] == [(2, 0, 0, 2, 4), (2, 0, 0, 0, 2)]  # one aggregated change


def test_remove_refused_while_a_workflow_uses_the_segment() -> None:
    import uuid

    from lading.services.wiring import open_session
    from lading.store.clock import utcnow
    from lading.store.repositories import workflows as wf_repo

    model = make_model(leads())
    seg = ok("segmentation", "segment", "create", "--name", "US", "--model-uuid", model, "--filter", j(US))["segment"]
    session = open_session()
    wf = str(uuid.uuid4())
    with session.db.write() as conn:
        now = utcnow()
        wf_repo.insert_workflow(conn, session.workspace_uuid, wf, now)
        wf_repo.insert_release(conn, session.workspace_uuid, {
            "uuid": str(uuid.uuid4()), "workflow_uuid": wf, "status": "deployed", "created_at": now,
            "updated_at": now, "nodes": [{"slug": "start", "kind": "native", "actionSlug": "start",
                                          "config": {"segmentUuid": seg["uuid"]}}]})
    code, out = run_cli("segmentation", "segment", "remove", seg["uuid"])
    assert code != 0 and out["reason"] == "segmentLinkedToWorkflow" and wf in out["errorMessage"]
    assert ok("segmentation", "segment", "get", seg["uuid"])["segment"]["deletedAt"] is None
    with session.db.write() as conn:
        wf_repo.soft_delete_workflow(conn, session.workspace_uuid, wf, utcnow())
    assert ok("segmentation", "segment", "remove", seg["uuid"])["removed"] is True


def test_download_and_record_fetch() -> None:
    model = make_model(leads() + [{"_id": "l4", "name": "Di, \"D\"", "country": "US", "seen": "2025-01-15"}])
    url = ok("segmentation", "segment", "download", "--model-uuid", model, "--filter", j(US),
             "--sort", j([{"columnSlug": "name", "kind": "desc"}]))["url"]
    rows = list(csv.DictReader(io.StringIO(read_export(url))))
    assert [r["_id"] for r in rows] == ["l4", "l2", "l1"]
    assert rows[0]["name"] == 'Di, "D"' and rows[0]["seen"] == "2025-01-15T00:00:00.000Z" and rows[1]["seen"] == ""
    url = ok("segmentation", "segment", "download", "--model-uuid", model, "--filter", j(US), "--format", "json",
             "--limit", "1")["url"]
    data = json.loads(read_export(url))
    assert [r["_id"] for r in data] == ["l1"]
    code, out = run_cli("segmentation", "segment", "download", "--model-uuid", model, "--filter", j(US),
                        "--segment-uuid", "s")
    assert code != 0

    out = ok("segmentation", "record", "fetch", "--model-uuid", model, "--ids", "l3,missing,l1")
    assert [r["_id"] for r in out["records"]] == ["l1", "l3"]
    assert out["records"][1] == {"_id": "l3", "name": "Cy", "country": "FR", "score": 3, "seen": None}
    code, out = run_cli("segmentation", "record", "fetch", "--model-uuid", model)
    assert code != 0


def test_deleted_record_is_removed_with_its_snapshot(no_debounce: None) -> None:
    model = make_model(leads())
    seg = ok("segmentation", "segment", "create", "--name", "US", "--model-uuid", model, "--filter", j(US))["segment"]
    ok("storage", "record", "remove", "--model-uuid", model, "--ids", "l1")
    change = ok("segmentation", "change", "list", "--segment-uuid", seg["uuid"])["changes"][0]
    assert counts(change) == (0, 0, 1, 1, 2)
    removed = ok("segmentation", "change", "fetch", "--uuid", change["uuid"], "--kinds", "removed")["records"]
    assert [(r["_kind"], r["_id"], r["_title"], r["name"], r["score"]) for r in removed] == [
        ("removed", "l1", "Ann", "Ann", 1)]


@pytest.mark.embedded_only  # moves the debounce window of this process, which a server does not share
def test_fetch_with_sync_runs_due_segment_syncs(monkeypatch: pytest.MonkeyPatch) -> None:
    from lading.services.segmentation import changes as segment_changes

    model = make_model(leads())
    seg = ok("segmentation", "segment", "create", "--name", "US", "--model-uuid", model, "--filter", j(US))["segment"]
    upsert(model, [{"_id": "l8", "country": "US"}])  # inside the debounce window
    monkeypatch.setattr(segment_changes, "DEBOUNCE", timedelta(0))
    out = ok("segmentation", "segment", "fetch", "--model-uuid", model, "--filter", j(US), "--sync")
    assert out["count"] == 3  # a native model has no extractor sync: --sync only runs the due segment syncs
    from lading.services.wiring import open_session
    from lading.store.repositories import segments as repo

    session = open_session()
    with session.db.read() as conn:
        assert repo.get_segment(conn, session.workspace_uuid, seg["uuid"]).records_count == 3


def test_remove_refused_only_while_another_segment_refers_to_it() -> None:
    model = make_model(leads())
    us = ok("segmentation", "segment", "create", "--name", "US", "--model-uuid", model, "--filter", j(US))["segment"]
    # A filter that merely holds the uuid as a value does not refer to the segment.
    mention = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "string", "columnSlug": "name", "operator": "is", "values": [us["uuid"]]}]}]}
    ok("segmentation", "segment", "create", "--name", "Mentions", "--model-uuid", model, "--filter", j(mention))
    refer = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "segment", "operator": "in", "segmentUuid": us["uuid"]}]}]}
    inner = ok("segmentation", "segment", "create", "--name", "In US", "--model-uuid", model,
               "--filter", j(refer))["segment"]
    code, out = run_cli("segmentation", "segment", "remove", us["uuid"])
    assert code != 0 and out["reason"] == "segmentInUse" and inner["uuid"] in out["errorMessage"]
    assert ok("segmentation", "segment", "remove", inner["uuid"])["removed"] is True
    assert ok("segmentation", "segment", "remove", us["uuid"])["removed"] is True
