"""Derived columns — computed, metric, lookup — through the real CLI (data spec §3.1–3.3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from test_storage_models_cli import make_model, ok

from conftest import j, run_cli

ALL = {"conjonction": "and", "groups": []}


def upsert(model_uuid: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return ok("storage", "record", "upsert", "--model-uuid", model_uuid, "--records", j(rows))


def add_column(model_uuid: str, column: dict[str, Any]) -> tuple[int, Any]:
    return run_cli("storage", "column", "create", "--model-uuid", model_uuid, "--column", j(column))


def computed(slug: str, code: str, ctype: str = "string") -> dict[str, Any]:
    return {"slug": slug, "type": ctype, "kind": "computed", "expression": {"kind": "jsExpression", "expression": code}}


def values(model_uuid: str, slug: str) -> dict[str, Any]:
    rows = ok("storage", "record", "list", "--model-uuid", model_uuid)["records"]
    return {r["_id"]: r.get(slug) for r in rows}


def crm() -> tuple[dict[str, Any], dict[str, Any], str]:
    """Companies (id = domain) and deals pointing at them through `company`; the relationship uuid."""
    companies = make_model("companies", [{"slug": "domain", "type": "string"}, {"slug": "name", "type": "string"},
                                         {"slug": "employees", "type": "number"}], id_column_slug="domain")
    deals = make_model("deals", [{"slug": "company", "type": "string"}, {"slug": "amount", "type": "number"},
                                 {"slug": "stage", "type": "string"}, {"slug": "closed", "type": "date"}],
                       time_column_slug="closed")
    upsert(companies["uuid"], [{"domain": "acme.com", "name": "Acme", "employees": 500},
                               {"domain": "beta.io", "name": "Beta", "employees": 12},
                               {"domain": "gamma.com", "name": "Gamma", "employees": None}])
    upsert(deals["uuid"], [
        {"_id": "d1", "company": "acme.com", "amount": 100, "stage": "won", "closed": "2025-01-10"},
        {"_id": "d2", "company": "acme.com", "amount": 250, "stage": "lost", "closed": "2025-03-01"},
        {"_id": "d3", "company": "acme.com", "amount": 250, "stage": "won", "closed": "2025-02-01"},
        {"_id": "d4", "company": "beta.io", "amount": 40, "stage": "won", "closed": None}])
    rels = ok("storage", "relationship", "set", "--from-model-uuid", deals["uuid"], "--to-model-uuid",
              companies["uuid"], "--from-column-slug", "company", "--to-column-slug", "domain")["relationships"]
    return companies, deals, rels[0]["uuid"]


def test_computed_columns_evaluate_and_follow_writes() -> None:
    model = make_model("people", [{"slug": "first", "type": "string"}, {"slug": "last", "type": "string"},
                                  {"slug": "score", "type": "number"}])
    upsert(model["uuid"], [{"_id": "p1", "first": "Ada", "last": "Lovelace", "score": 7},
                           {"_id": "p2", "first": "Alan", "last": None, "score": 12}])
    code, out = add_column(model["uuid"], {"slug": "full", "type": "string", "label": "Full name", "kind": "computed",
                                           "expression": {"kind": "templateExpression",
                                                          "value": "{{record.first}} {{record.last}}"}})
    assert code == 0, out
    full = next(c for c in out["columns"] if c["slug"] == "full")
    assert full == {"slug": "full", "type": "string", "label": "Full name", "kind": "computed",
                    "expression": {"kind": "templateExpression", "expression": "{{record.first}} {{record.last}}",
                                   "instructTo": "none", "fromRecipe": False},
                    "columnsUsed": ["first", "last"], "description": None, "properties": None, "position": 3}
    code, out = add_column(model["uuid"], {"slug": "tier", "type": "string", "kind": "computed",
                                           "expression": {"kind": "jsExpression",
                                                          "expression": "record.score >= 10 ? 'high' : 'low'"}})
    assert code == 0, out
    code, out = add_column(model["uuid"], {"slug": "double", "type": "number", "kind": "computed",
                                           "expression": {"kind": "jsExpression",
                                                          "expression": "Math.max(record.score, 0) * 2"}})
    assert code == 0, out
    # a computed column may read another (evaluated after it)
    code, out = add_column(model["uuid"], computed("label", "record.full.toUpperCase() + '/' + record.tier"))
    assert code == 0, out
    rows = ok("storage", "record", "list", "--model-uuid", model["uuid"])["records"]
    assert rows == [
        {"_id": "p1", "first": "Ada", "last": "Lovelace", "score": 7, "full": "Ada Lovelace", "tier": "low",
         "double": 14, "label": "ADA LOVELACE/low"},
        {"_id": "p2", "first": "Alan", "last": None, "score": 12, "full": "Alan ", "tier": "high", "double": 24,
         "label": "ALAN /high"}]
    # (b) a write to a column it reads recomputes the row; values written to a computed column are ignored
    out = upsert(model["uuid"], [{"_id": "p1", "score": 30, "tier": "forced"},
                                 {"_id": "p3", "first": "Grace", "score": 1}])
    assert out["insertedRecordsCount"] == 1 and out["updatedRecordsCount"] == 1
    assert values(model["uuid"], "tier") == {"p1": "high", "p2": "high", "p3": "low"}
    assert values(model["uuid"], "double") == {"p1": 60, "p2": 24, "p3": 2}
    assert values(model["uuid"], "label") == {"p1": "ADA LOVELACE/high", "p2": "ALAN /high", "p3": "GRACE /low"}
    # update replaces the definition and recomputes every row
    code, out = run_cli("storage", "column", "update", "--model-uuid", model["uuid"], "--column",
                        j({"slug": "tier", "type": "string", "kind": "computed",
                           "expression": {"kind": "jsExpression", "expression": "record.score > 20 ? 'top' : 'rest'"}}))
    assert code == 0, out
    assert values(model["uuid"], "tier") == {"p1": "top", "p2": "rest", "p3": "rest"}
    assert values(model["uuid"], "label") == {"p1": "ADA LOVELACE/top", "p2": "ALAN /rest", "p3": "GRACE /rest"}
    # a column a derived column reads cannot be removed
    code, out = run_cli("storage", "column", "remove", "--model-uuid", model["uuid"], "--column-slug", "score")
    assert code != 0 and "tier" in out["errorMessage"] and "double" in out["errorMessage"]
    # segment fetch --enrich filters and returns derived values
    flt = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "string", "columnSlug": "tier", "operator": "is", "values": ["rest"]}]}]}
    out = ok("segmentation", "segment", "fetch", "--model-uuid", model["uuid"], "--filter", j(flt), "--enrich")
    assert [r["_id"] for r in out["records"]] == ["p2", "p3"] and out["records"][0]["double"] == 24
    out = ok("segmentation", "segment", "fetch", "--model-uuid", model["uuid"], "--filter", j(flt))
    assert "double" not in out["records"][0] and "tier" not in out["records"][0]


def test_metric_columns_aggregate_related_records_and_follow_both_models() -> None:
    companies, deals, rel = crm()
    cases = [("deals", "number", {"function": "count", "columnSlug": None}, None),
             ("stages", "number", {"function": "countDistinct", "columnSlug": "stage"}, None),
             ("total", "number", {"function": "sum", "columnSlug": "amount"}, None),
             ("average", "number", {"function": "avg", "columnSlug": "amount"}, None),
             ("smallest", "number", {"function": "min", "columnSlug": "amount"}, None),
             ("last_close", "date", {"function": "max", "columnSlug": "closed"}, None),
             ("won", "number", {"function": "sum", "columnSlug": "amount"},
              {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
                  {"kind": "string", "columnSlug": "stage", "operator": "is", "values": ["won"]}]}]})]
    for slug, ctype, aggregation, flt in cases:
        code, out = add_column(companies["uuid"], {"slug": slug, "type": ctype, "kind": "metric",
                                                   "relationshipUuid": rel, "aggregation": aggregation, "filter": flt})
        assert code == 0, (slug, out)
    rows = {r["_id"]: r for r in ok("storage", "record", "list", "--model-uuid", companies["uuid"])["records"]}
    assert {k: (r["deals"], r["stages"], r["total"], r["average"], r["smallest"], r["last_close"], r["won"])
            for k, r in rows.items()} == {
        "acme.com": (3, 2, 600, 200, 100, "2025-03-01T00:00:00.000Z", 350),
        "beta.io": (1, 1, 40, 40, 40, None, 40),
        "gamma.com": (0, 0, 0, None, None, None, 0)}
    # (c) writes to the related model: insert, update that moves a deal, remove
    upsert(deals["uuid"], [{"_id": "d5", "company": "gamma.com", "amount": 5, "stage": "won"},
                           {"_id": "d2", "company": "beta.io"}])
    assert values(companies["uuid"], "deals") == {"acme.com": 2, "beta.io": 2, "gamma.com": 1}
    assert values(companies["uuid"], "total") == {"acme.com": 350, "beta.io": 290, "gamma.com": 5}
    upsert(deals["uuid"], [{"_id": "d1", "stage": "lost"}])
    assert values(companies["uuid"], "won") == {"acme.com": 250, "beta.io": 40, "gamma.com": 5}
    ok("storage", "record", "remove", "--model-uuid", deals["uuid"], "--ids", "d3,d4")
    assert values(companies["uuid"], "deals") == {"acme.com": 1, "beta.io": 1, "gamma.com": 1}
    assert values(companies["uuid"], "won") == {"acme.com": 0, "beta.io": 0, "gamma.com": 5}
    # (b) a new company gets its metric at once; a computed column reading a metric follows it
    code, out = add_column(companies["uuid"], computed("status", "record.won > 0 ? 'customer' : 'prospect'"))
    assert code == 0, out
    upsert(deals["uuid"], [{"_id": "d6", "company": "delta.dev", "amount": 9, "stage": "won"}])
    upsert(companies["uuid"], [{"domain": "delta.dev", "name": "Delta"}])
    assert values(companies["uuid"], "won")["delta.dev"] == 9
    assert values(companies["uuid"], "status") == {"acme.com": "prospect", "beta.io": "prospect",
                                                   "gamma.com": "customer", "delta.dev": "customer"}
    upsert(deals["uuid"], [{"_id": "d2", "company": "beta.io", "stage": "won"}])
    assert values(companies["uuid"], "status")["beta.io"] == "customer"
    # a segment on a metric follows writes to the related model
    flt = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "number", "columnSlug": "won", "operator": "greaterThan", "value": 100}]}]}
    segment = ok("segmentation", "segment", "create", "--name", "Big", "--model-uuid", companies["uuid"],
                 "--filter", j(flt))["segment"]
    assert segment["recordsCount"] == 1
    out = ok("segmentation", "segment", "fetch", "--model-uuid", companies["uuid"], "--filter", j(flt), "--enrich")
    assert [(r["_id"], r["won"]) for r in out["records"]] == [("beta.io", 250)]


def test_lookup_columns_take_one_related_value() -> None:
    companies, deals, _ = crm()
    code, out = add_column(deals["uuid"], {"slug": "company_name", "type": "string", "kind": "lookup",
                                           "join": {"toModelUuid": companies["uuid"], "fromColumnSlug": "company",
                                                    "toColumnSlug": "domain"}, "extractColumnSlug": "name"})
    assert code == 0, out
    assert values(deals["uuid"], "company_name") == {"d1": "Acme", "d2": "Acme", "d3": "Acme", "d4": "Beta"}
    # several matches: the latest related time column wins (nulls last), then the smallest id
    won = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "string", "columnSlug": "stage", "operator": "is", "values": ["won"]}]}]}
    for slug, flt in (("latest_stage", None), ("latest_won", won)):
        code, out = add_column(companies["uuid"], {"slug": slug, "type": "number", "kind": "lookup", "filter": flt,
                                                   "join": {"toModelUuid": deals["uuid"], "fromColumnSlug": "domain",
                                                            "toColumnSlug": "company"}, "extractColumnSlug": "amount"})
        assert code == 0, out
    assert values(companies["uuid"], "latest_stage") == {"acme.com": 250, "beta.io": 40, "gamma.com": None}
    assert values(companies["uuid"], "latest_won") == {"acme.com": 250, "beta.io": 40, "gamma.com": None}
    upsert(deals["uuid"], [{"_id": "d3", "amount": 999}, {"_id": "d7", "company": "gamma.com", "amount": 1},
                           {"_id": "d0", "company": "gamma.com", "amount": 2}])
    assert values(companies["uuid"], "latest_won") == {"acme.com": 999, "beta.io": 40, "gamma.com": None}
    assert values(companies["uuid"], "latest_stage") == {"acme.com": 250, "beta.io": 40, "gamma.com": 2}
    upsert(deals["uuid"], [{"_id": "d8", "company": "gamma.com", "amount": 8, "closed": "2024-01-01"}])
    assert values(companies["uuid"], "latest_stage")["gamma.com"] == 8  # a dated row beats undated ones
    # (c) renaming a company updates the deals' lookup; (b) moving a deal re-reads it
    upsert(companies["uuid"], [{"domain": "acme.com", "name": "Acme Corp"}])
    upsert(deals["uuid"], [{"_id": "d4", "company": "acme.com"}])
    assert values(deals["uuid"], "company_name") == {"d0": "Gamma", "d1": "Acme Corp", "d2": "Acme Corp",
                                                     "d3": "Acme Corp", "d4": "Acme Corp", "d7": "Gamma",
                                                     "d8": "Gamma"}


def test_derived_column_errors() -> None:
    companies, deals, rel = crm()
    bad = [
        ({"slug": "x", "type": "string", "kind": "computed"}, "expression"),
        ({"slug": "x", "type": "string", "kind": "computed", "expression": {"kind": "sql", "expression": "1"}},
         "jsExpression"),
        ({"slug": "x", "type": "string", "kind": "computed",
          "expression": {"kind": "jsExpression", "expression": "record.nope"}}, "nope"),
        ({"slug": "x", "type": "string", "kind": "computed",
          "expression": {"kind": "jsExpression", "expression": "record.name +* 2"}}, "not valid JavaScript"),
        ({"slug": "x", "type": "string", "kind": "templateExpression",
          "expression": {"kind": "templateExpression", "expression": "Hi {{ record.name ) }}"}}, "kind must be"),
        ({"slug": "x", "type": "string", "kind": "computed",
          "expression": {"kind": "templateExpression", "expression": "Hi {{ record.name ) }}"}},
         "not valid JavaScript"),
        ({"slug": "x", "type": "number", "kind": "metric", "aggregation": {"function": "count"}}, "relationshipUuid"),
        ({"slug": "x", "type": "number", "kind": "metric", "relationshipUuid": rel}, "aggregation"),
        ({"slug": "x", "type": "number", "kind": "metric", "relationshipUuid": rel,
          "aggregation": {"function": "median", "columnSlug": "amount"}}, "median"),
        ({"slug": "x", "type": "number", "kind": "metric", "relationshipUuid": "0" * 8,
          "aggregation": {"function": "count"}}, "relationship not found"),
        ({"slug": "x", "type": "number", "kind": "metric", "relationshipUuid": rel,
          "aggregation": {"function": "sum", "columnSlug": "stage"}}, "number column"),
        ({"slug": "x", "type": "number", "kind": "metric", "relationshipUuid": rel,
          "aggregation": {"function": "sum", "columnSlug": "nope"}}, "nope"),
        ({"slug": "x", "type": "string", "kind": "metric", "relationshipUuid": rel,
          "aggregation": {"function": "count"}}, "number"),
        ({"slug": "x", "type": "number", "kind": "metric", "relationshipUuid": rel,
          "aggregation": {"function": "count"}, "filter": {"conjunction": "and", "groups": []}}, "conjonction"),
        ({"slug": "x", "type": "string", "kind": "lookup", "extractColumnSlug": "stage"}, "join"),
        ({"slug": "x", "type": "string", "kind": "lookup", "extractColumnSlug": "stage",
          "join": {"toModelUuid": deals["uuid"], "fromColumnSlug": "domain", "toColumnSlug": "company"}}, None),
        ({"slug": "y", "type": "number", "kind": "lookup", "extractColumnSlug": "stage",
          "join": {"toModelUuid": deals["uuid"], "fromColumnSlug": "domain", "toColumnSlug": "company"}},
         "type must be string"),
        ({"slug": "y", "type": "string", "kind": "lookup", "extractColumnSlug": "stage",
          "join": {"toModelUuid": deals["uuid"], "fromColumnSlug": "employees", "toColumnSlug": "company"}},
         "same type"),
    ]
    for column, message in bad:
        code, out = add_column(companies["uuid"], column)
        if message is None:
            assert code == 0, out
            continue
        assert code != 0, (column, out)
        assert message in out["errorMessage"], (column, out)
    # nothing half-written: only the one valid column was added
    listed = ok("storage", "column", "list", "--model-uuid", companies["uuid"])["columns"]
    assert [c["slug"] for c in listed] == ["domain", "name", "employees", "x"]
    code, out = run_cli("storage", "column", "update", "--model-uuid", companies["uuid"], "--column",
                        j({"slug": "name", "type": "string", "kind": "computed",
                           "expression": {"kind": "jsExpression", "expression": "1"}}))
    assert code != 0 and "cannot become" in out["errorMessage"]
    # a computed expression that throws on a record stores null there
    code, out = add_column(companies["uuid"], {"slug": "parsed", "type": "object", "kind": "computed",
                                               "expression": {"kind": "jsExpression",
                                                              "expression": "JSON.parse(record.name)"}})
    assert code == 0, out
    assert values(companies["uuid"], "parsed") == {"acme.com": None, "beta.io": None, "gamma.com": None}
    # a column that derived columns of the same model read cannot be removed; ALL filter still works
    assert ok("segmentation", "segment", "fetch", "--model-uuid", companies["uuid"], "--filter", j(ALL))["count"] == 3


@pytest.mark.embedded_only  # moves the debounce window of this process, which a server does not share
def test_imports_and_model_nodes_recompute_and_ignore_derived_keys(tmp_path: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from lading.services.segmentation import changes as segment_changes

    monkeypatch.setattr(segment_changes, "DEBOUNCE", timedelta(0))
    companies, deals, rel = crm()
    code, out = add_column(companies["uuid"], {"slug": "deals", "type": "number", "kind": "metric",
                                               "relationshipUuid": rel, "aggregation": {"function": "count"}})
    assert code == 0, out
    code, out = add_column(companies["uuid"], computed("shout", "record.name && record.name.toUpperCase() + '!'"))
    assert code == 0, out
    flt = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
        {"kind": "number", "columnSlug": "deals", "operator": "greaterThan", "value": 1}]}]}
    segment = ok("segmentation", "segment", "create", "--name", "Busy", "--model-uuid", companies["uuid"],
                 "--filter", j(flt))["segment"]
    assert segment["recordsCount"] == 1
    # a CSV import into the related model (insert + replace) moves the metric; derived keys are ignored
    path = tmp_path / "deals.csv"
    path.write_text("_id,company,amount,stage\nd1,beta.io,1,won\nd9,beta.io,2,won\n", encoding="utf-8")
    code, out = run_cli("storage", "record", "import", "--model-uuid", deals["uuid"], "--file", str(path),
                        "--mode", "replace")
    assert code == 0, out
    assert out["import"]["removedRecordsCount"] == 3 and out["import"]["insertedRecordsCount"] == 1
    assert values(companies["uuid"], "deals") == {"acme.com": 0, "beta.io": 2, "gamma.com": 0}
    path = tmp_path / "companies.json"
    path.write_text(j([{"domain": "acme.com", "name": "Acme Two", "deals": 77, "shout": "no"},
                       {"domain": "zeta.org", "name": "Zeta", "deals": 5}]), encoding="utf-8")
    code, out = run_cli("storage", "record", "import", "--model-uuid", companies["uuid"], "--file", str(path),
                        "--no-create-columns")
    assert code == 0, out
    assert out["import"]["createdColumns"] == [] and out["import"]["updatedRecordsCount"] == 1
    assert values(companies["uuid"], "deals") == {"acme.com": 0, "beta.io": 2, "gamma.com": 0, "zeta.org": 0}
    assert values(companies["uuid"], "shout") == {"acme.com": "ACME TWO!", "beta.io": "BETA!", "gamma.com": "GAMMA!",
                                                  "zeta.org": "ZETA!"}
    # the segment on the metric saw acme.com leave and beta.io join
    changes = ok("segmentation", "change", "list", "--segment-uuid", segment["uuid"])["changes"]
    assert changes and changes[0]["addedRecordsCount"] == 1 and changes[0]["removedRecordsCount"] == 1
    # a workflow's modelUpsert node writing a deal recomputes the metric
    from graphs import chain, end, node, start

    save = node("save", "modelUpsert", {"modelUuid": deals["uuid"],
                                        "data": {"_id": "d10", "company": "zeta.org", "amount": 3}})
    code, out = run_cli("orchestration", "run", "create", "--nodes", j(chain(start(), save, end([]))),
                        "--data", j({}), "--wait-until-finished")
    assert code == 0 and out["run"]["status"] == "success", out
    assert values(companies["uuid"], "deals")["zeta.org"] == 1
    # derived columns cannot be declared at model creation
    code, out = run_cli("storage", "model", "create", "--slug", "x", "--name", "X", "--dataset-uuid",
                        companies["datasetUuid"], "--extractor-slug", "native", "--config", "{}",
                        "--columns", j([computed("c", "1")]))
    assert code != 0 and "column create" in out["errorMessage"]


def test_relationships_and_models_that_derived_columns_read_are_kept() -> None:
    companies, deals, rel = crm()
    code, out = add_column(companies["uuid"], {"slug": "deal_count", "type": "number", "kind": "metric",
                                               "relationshipUuid": rel, "aggregation": {"function": "count"}})
    assert code == 0, out
    # Setting the same pair again keeps its uuid, so the metric still works.
    again = ok("storage", "relationship", "set", "--from-model-uuid", deals["uuid"], "--to-model-uuid",
               companies["uuid"], "--from-column-slug", "company", "--to-column-slug", "domain")["relationships"]
    assert [r["uuid"] for r in again] == [rel]
    upsert(deals["uuid"], [{"_id": "d5", "company": "beta.io", "amount": 1, "stage": "won", "closed": None}])
    assert values(companies["uuid"], "deal_count") == {"acme.com": 3, "beta.io": 2, "gamma.com": 0}
    # Dropping it, or the model it reads, is refused and changes nothing.
    code, out = run_cli("storage", "relationship", "set", "--from-model-uuid", deals["uuid"], "--relationships", "[]")
    assert code == 1 and out["reason"] == "invalidRelationship" and "companies.deal_count" in out["errorMessage"]
    assert [r["uuid"] for r in ok("storage", "relationship", "list", "--model-uuid", deals["uuid"])["relationships"]] \
        == [rel]
    code, out = run_cli("storage", "model", "remove", deals["uuid"])
    assert code == 1 and out["reason"] == "modelInUse" and "companies.deal_count" in out["errorMessage"]
    ok("storage", "column", "remove", "--model-uuid", companies["uuid"], "--column-slug", "deal_count")
    assert ok("storage", "model", "remove", deals["uuid"])["removed"] is True
