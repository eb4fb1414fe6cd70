"""`modelUpsert` / `modelInsert` nodes write workflow output into a model (orchestration spec §2.3)."""

from __future__ import annotations

from typing import Any

from test_storage_models_cli import make_model, ok

from conftest import j, run_cli
from graphs import chain, end, node, start, var


def run(nodes: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
    code, out = run_cli("orchestration", "run", "create", "--nodes", j(nodes), "--data", j(data),
                        "--wait-until-finished")
    assert code == 0, out
    return out


def writer(action: str, model_uuid: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    write = node("save", action, {"modelUuid": model_uuid, "data": data})
    return chain(start(), write, end([var("id", "{{nodes.save.id}}"), var("op", "{{nodes.save.operation}}")]))


def test_model_upsert_node_inserts_then_updates_by_id_column() -> None:
    model = make_model("companies", [{"slug": "domain", "type": "string"}, {"slug": "score", "type": "number"}],
                       id_column_slug="domain")
    nodes = writer("modelUpsert", model["uuid"], {"domain": "{{nodes.start.domain}}", "score": "{{nodes.start.score}}"})
    out = run(nodes, {"domain": "acme.com", "score": 7})
    assert out["run"]["status"] == "success", out
    assert out["runContext"]["end"] == {"id": "acme.com", "op": "inserted"}
    out = run(nodes, {"domain": "acme.com", "score": "9.5"})
    assert out["runContext"]["end"] == {"id": "acme.com", "op": "updated"}
    records = ok("storage", "record", "list", "--model-uuid", model["uuid"])["records"]
    assert records == [{"_id": "acme.com", "domain": "acme.com", "score": 9.5}]


def test_model_insert_node_generates_ids_and_fails_on_existing_or_unknown_columns() -> None:
    model = make_model("events", [{"slug": "kind", "type": "string"}])
    out = run(writer("modelInsert", model["uuid"], {"kind": "{{nodes.start.kind}}"}), {"kind": "signup"})
    assert out["run"]["status"] == "success"
    new_id = out["runContext"]["end"]["id"]
    assert len(new_id) == 36 and out["runContext"]["end"]["op"] == "inserted"

    out = run(writer("modelInsert", model["uuid"], {"_id": new_id, "kind": "again"}), {})
    assert out["run"]["status"] == "error"
    failed = next(e for e in out["run"]["executions"] if e["nodeSlug"] == "save")
    assert failed["status"] == "error" and "already exists" in failed["errorMessage"]

    out = run(writer("modelUpsert", model["uuid"], {"kind": "x", "colour": "red"}), {})
    failed = next(e for e in out["run"]["executions"] if e["nodeSlug"] == "save")
    assert out["run"]["status"] == "error" and "colour" in failed["errorMessage"]

    out = run(writer("modelUpsert", "00000000-0000-4000-8000-000000000000", {"kind": "x"}), {})
    failed = next(e for e in out["run"]["executions"] if e["nodeSlug"] == "save")
    assert "Model not found" in failed["errorMessage"]
    assert [r["kind"] for r in ok("storage", "record", "list", "--model-uuid", model["uuid"])["records"]] == ["signup"]


def test_model_write_node_config_is_validated_before_running() -> None:
    bad = chain(start(), node("save", "modelUpsert", {"data": []}), end())
    code, out = run_cli("orchestration", "run", "create", "--nodes", j(bad), "--data", "{}")
    assert code != 0
    text = str(out)
    assert "config.modelUuid" in text and "config.data" in text
