"""`billing usage --unit storage.records`: every record inserted or changed in a model counts one `insert`,
attributed to the model, and to the workflow for write-backs (analytics spec §7.2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from test_storage_models_cli import make_model, ok

from conftest import j
from graphs import chain, end, node, start


def storage_usage(*flags: str) -> list[dict[str, Any]]:
    today = datetime.utcnow().date().isoformat()
    return ok("billing", "usage", "get-metrics", "--from", today, "--to", today, "--unit", "storage.records",
              *flags)["metrics"]


def test_inserted_and_changed_records_count_unchanged_and_dry_runs_do_not(tmp_path: Any) -> None:
    model = make_model("accounts", [{"slug": "name", "type": "string"}, {"slug": "size", "type": "number"}])
    other = make_model("people", [{"slug": "email", "type": "string"}])
    assert storage_usage() == []

    rows = [{"_id": f"a{i}", "name": f"A{i}", "size": i} for i in range(5)]
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j(rows))  # 5 inserted
    rows[0]["size"] = 100
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j(rows))  # 1 changed, 4 unchanged
    csv = tmp_path / "people.csv"
    csv.write_text("_id,email\np1,a@x.io\np2,b@x.io\np3,c@x.io\n")
    ok("storage", "record", "import", "--model-uuid", other["uuid"], "--file", str(csv), "--dry-run")  # counts nothing
    ok("storage", "record", "import", "--model-uuid", other["uuid"], "--file", str(csv))  # 3 inserted

    (day,) = storage_usage()
    assert day["items"] == [{"slug": "insert", "count": 9, "groupBy": None}]
    grouped = storage_usage("--group-by", "model_uuid")[0]["items"]
    assert sorted((i["groupBy"], i["count"]) for i in grouped) == sorted([(model["uuid"], 6), (other["uuid"], 3)])
    assert storage_usage("--model-uuid", other["uuid"])[0]["items"][0]["count"] == 3
    assert storage_usage("--integration-slug", "clearbit") == []  # storage is not attributable to integrations


def test_workflow_write_backs_are_attributed_to_their_workflow() -> None:
    model = make_model("leads", [{"slug": "email", "type": "string"}], id_column_slug="email")
    save = node("save", "modelUpsert", {"modelUuid": model["uuid"], "data": {"email": "{{nodes.start.email}}"}})
    workflow_uuid = ok("orchestration", "tool", "create", "--name", "Save leads")["tool"]["workflowUuid"]
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", workflow_uuid,
       "--nodes", j(chain(start(), save, end())))
    for email in ("a@x.io", "b@x.io", "a@x.io"):  # the third write changes nothing
        out = ok("orchestration", "run", "create", "--workflow-uuid", workflow_uuid, "--data", j({"email": email}),
                 "--wait-until-finished")
        assert out["run"]["status"] == "success", out
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j([{"email": "c@x.io"}]))

    items = storage_usage("--group-by", "workflow_uuid")[0]["items"]
    assert sorted((i["groupBy"] or "", i["count"]) for i in items) == [("", 1), (workflow_uuid, 2)]
    assert storage_usage("--workflow-uuid", workflow_uuid)[0]["items"][0]["count"] == 2
