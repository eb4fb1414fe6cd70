"""Records in models through the real CLI: import (CSV, JSON, NDJSON), upsert, remove, list (data spec §4)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_storage_models_cli import make_model, ok

from conftest import j, run_cli


def records(model_uuid: str, **flags: str) -> list[dict[str, Any]]:
    args = ["storage", "record", "list", "--model-uuid", model_uuid]
    for flag, value in flags.items():
        args += [f"--{flag}", value]
    return ok(*args)["records"]


def import_file(model_uuid: str, path: Path, *flags: str) -> tuple[int, Any]:
    return run_cli("storage", "record", "import", "--model-uuid", model_uuid, "--file", str(path), *flags)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_csv_import_creates_columns_and_upserts_by_id(tmp_path: Path) -> None:
    model = make_model("companies", [{"slug": "domain", "type": "string"}, {"slug": "employees", "type": "number"},
                                     {"slug": "founded", "type": "date"}, {"slug": "active", "type": "boolean"}],
                       id_column_slug="domain")
    csv_text = ("\ufeffDomain,Company Name,Employees,Founded,Active\r\n"
                'acme.com,"Acme, Inc",500,2020-01-15,yes\r\n'
                'beta.io,"Beta\nLabs",12.5,2021-06-01T10:30:00+02:00,0\r\n'
                "gamma.com,Gamma,,,\r\n")
    path = write(tmp_path, "companies.csv", csv_text)
    code, out = import_file(model["uuid"], path)
    assert code == 0, out
    assert out["import"] == {
        "modelUuid": model["uuid"], "status": "success", "insertedRecordsCount": 3, "updatedRecordsCount": 0,
        "unchangedRecordsCount": 0, "removedRecordsCount": 0, "skippedRecordsCount": 0,
        "createdColumns": ["company_name"], "createdColumnTypes": [{"slug": "company_name", "type": "string"}],
        "errors": []}
    rows = records(model["uuid"])
    assert rows == [
        {"_id": "acme.com", "domain": "acme.com", "employees": 500, "founded": "2020-01-15T00:00:00.000Z",
         "active": True, "company_name": "Acme, Inc"},
        {"_id": "beta.io", "domain": "beta.io", "employees": 12.5, "founded": "2021-06-01T08:30:00.000Z",
         "active": False, "company_name": "Beta\nLabs"},
        {"_id": "gamma.com", "domain": "gamma.com", "employees": None, "founded": None, "active": None,
         "company_name": "Gamma"}]
    created = ok("storage", "model", "get", model["uuid"])["model"]["columns"][-1]
    assert created == {"slug": "company_name", "type": "string", "label": "Company Name", "kind": "original",
                       "originalSlug": "Company Name", "description": None, "properties": None}

    # The same file again: nothing changes, nothing is rewritten.
    code, out = import_file(model["uuid"], path)
    assert out["import"]["unchangedRecordsCount"] == 3 and out["import"]["insertedRecordsCount"] == 0
    before = ok("storage", "query", "execute", "SELECT _id, _updated_at FROM default.companies ORDER BY _id")["rows"]
    path2 = write(tmp_path, "more.csv", "domain,employees\nacme.com,600\ndelta.dev,3\n")
    code, out = import_file(model["uuid"], path2)
    assert (out["import"]["insertedRecordsCount"], out["import"]["updatedRecordsCount"]) == (1, 1)
    after = {r["_id"]: r for r in records(model["uuid"])}
    # Keys absent from the file keep their values.
    assert after["acme.com"]["employees"] == 600 and after["acme.com"]["company_name"] == "Acme, Inc"
    assert after["delta.dev"]["active"] is None
    stamps = ok("storage", "query", "execute", "SELECT _id, _updated_at FROM default.companies ORDER BY _id")["rows"]
    assert stamps[1] == before[1]  # beta.io was not rewritten
    assert stamps[0]["_updated_at"] >= before[0]["_updated_at"]


def test_json_and_ndjson_import_infer_types_and_report_bad_rows(tmp_path: Path) -> None:
    model = make_model("people")
    rows = [{"_id": "p1", "name": "Ann", "age": 31, "vip": True, "address": {"city": "Paris"}, "tags": ["a", "b"]},
            {"_id": "p2", "name": "Bob", "age": "old"},
            {"_id": "p3", "name": "Cy", "age": 40}]
    code, out = import_file(model["uuid"], write(tmp_path, "people.json", json.dumps(rows)))
    assert code == 0, out
    report = out["import"]
    assert report["status"] == "error" and report["insertedRecordsCount"] == 2 and report["skippedRecordsCount"] == 1
    assert report["createdColumns"] == ["name", "age", "vip", "address", "tags"]
    assert report["errors"] == [{"line": 2, "id": "p2", "message": "column age: 'old' is not a number"}]
    types = {c["slug"]: c["type"] for c in ok("storage", "column", "list", "--model-uuid", model["uuid"])["columns"]}
    assert types == {"name": "string", "age": "number", "vip": "boolean", "address": "object", "tags": "array"}
    assert records(model["uuid"])[0] == {"_id": "p1", "name": "Ann", "age": 31, "vip": True,
                                         "address": {"city": "Paris"}, "tags": ["a", "b"]}

    ndjson = '{"_id": "p2", "name": "Bob", "age": 52}\n\n{"name": "No id"}\nnot json\n[1]\n'
    code, out = import_file(model["uuid"], write(tmp_path, "more.ndjson", ndjson))
    report = out["import"]
    assert report["insertedRecordsCount"] == 2 and report["skippedRecordsCount"] == 2
    assert [e["line"] for e in report["errors"]] == [4, 5]
    generated = next(r for r in records(model["uuid"]) if r["name"] == "No id")
    assert len(generated["_id"]) == 36  # a UUID when the id column is _id and the row has none


def test_strict_import_aborts_whole_and_dry_run_writes_nothing(tmp_path: Path) -> None:
    model = make_model("people", [{"slug": "age", "type": "number"}])
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j([{"_id": "keep", "age": 1}]))
    lines = "".join(json.dumps({"_id": f"r{i}", "age": i, "extra": "x"}) + "\n" for i in range(5000))
    lines += json.dumps({"_id": "bad", "age": "nope"}) + "\n"
    path = write(tmp_path, "rows.ndjson", lines)
    code, out = import_file(model["uuid"], path, "--strict")
    assert code != 0 and "line 5001" in out["errorMessage"] and "nothing was imported" in out["errorMessage"]
    assert records(model["uuid"]) == [{"_id": "keep", "age": 1}]
    assert [c["slug"] for c in ok("storage", "column", "list", "--model-uuid", model["uuid"])["columns"]] == ["age"]

    code, out = import_file(model["uuid"], path, "--dry-run")
    assert code == 0 and out["import"]["dryRun"] is True
    assert out["import"]["insertedRecordsCount"] == 5000 and out["import"]["skippedRecordsCount"] == 1
    assert out["import"]["createdColumns"] == ["extra"]
    assert records(model["uuid"]) == [{"_id": "keep", "age": 1}]
    assert [c["slug"] for c in ok("storage", "column", "list", "--model-uuid", model["uuid"])["columns"]] == ["age"]


def test_import_whose_columns_do_not_match_is_refused_whole(tmp_path: Path) -> None:
    model = make_model("companies", [{"slug": "domain", "type": "string"}, {"slug": "name", "type": "string"}],
                       id_column_slug="domain")
    code, out = import_file(model["uuid"], write(tmp_path, "a.csv", "domain,name,revenue\nx.com,X,1\n"),
                            "--no-create-columns")
    assert code != 0 and "'revenue'" in out["errorMessage"] and out["reason"] == "columnMismatch"
    code, out = import_file(model["uuid"], write(tmp_path, "b.csv", "name\nX\n"))
    assert code != 0 and "domain" in out["errorMessage"]
    # A JSON key unknown to the model deep in the file: the rows before it are not kept either.
    rows = [{"domain": f"d{i}.com", "name": "ok"} for i in range(3000)] + [{"domain": "z.com", "colour": "red"}]
    code, out = import_file(model["uuid"], write(tmp_path, "c.json", json.dumps(rows)), "--no-create-columns")
    assert code != 0 and "'colour'" in out["errorMessage"] and "line 3001" in out["errorMessage"]
    assert records(model["uuid"]) == []
    code, out = import_file(model["uuid"], write(tmp_path, "d.txt", "x"))
    assert code != 0 and "--format" in out["errorMessage"]
    code, out = import_file(model["uuid"], tmp_path / "missing.csv")
    assert code != 0 and "missing.csv" in out["errorMessage"]
    code, out = import_file(model["uuid"], write(tmp_path, "e.csv", "domain,name\na.com,A\n"), "--mode", "merge")
    assert code != 0 and "--mode" in out["errorMessage"]


def test_duplicate_ids_in_one_file_merge_in_order(tmp_path: Path) -> None:
    model = make_model("things", [{"slug": "n", "type": "number"}, {"slug": "tag", "type": "string"}])
    lines = [f"t{i},{i},a" for i in range(2500)]
    lines[2400] = "t10,10,b"  # a later chunk repeats an id of the first one
    lines[5] = "t4,4,a"  # the same chunk repeats an identical row
    code, out = import_file(model["uuid"], write(tmp_path, "dups.csv", "_id,n,tag\n" + "\n".join(lines) + "\n"))
    report = out["import"]
    assert (report["insertedRecordsCount"], report["updatedRecordsCount"], report["unchangedRecordsCount"]) == (
        2498, 1, 1), report
    rows = ok("storage", "query", "execute", "SELECT count(*) AS n, max(tag) AS t FROM default.things")["rows"]
    assert rows == [{"n": 2498, "t": "b"}]
    tagged = ok("storage", "query", "execute", "SELECT _id FROM default.things WHERE tag = 'b'")["rows"]
    assert tagged == [{"_id": "t10"}]


def test_csv_bad_values_are_reported_by_line_and_the_rest_imported(tmp_path: Path) -> None:
    model = make_model("things", [{"slug": "n", "type": "number"}, {"slug": "ok", "type": "boolean"}])
    lines = [f"t{i},{i},true" for i in range(2100)]
    lines[1500] = "t1500,lots,true"
    lines[2050] = "t2050,1,maybe"
    lines[7] = ",7,true"  # an empty _id gets a generated one
    code, out = import_file(model["uuid"], write(tmp_path, "bad.csv", "_id,n,ok\n" + "\n".join(lines) + "\n"))
    report = out["import"]
    assert report["insertedRecordsCount"] == 2098 and report["skippedRecordsCount"] == 2
    assert report["errors"] == [
        {"line": 1502, "id": "t1500", "message": "column n: 'lots' is not a number"},
        {"line": 2052, "id": "t2050", "message": "column ok: 'maybe' is not a boolean (true/false/1/0/yes/no)"}]
    rows = ok("storage", "query", "execute", "SELECT count(*) AS c, sum(n) AS s FROM default.things")["rows"]
    assert rows == [{"c": 2098, "s": sum(range(2100)) - 1500 - 2050}]
    generated = ok("storage", "query", "execute", "SELECT _id FROM default.things WHERE n = 7")["rows"]
    assert len(generated[0]["_id"]) == 36


def test_bulk_update_changes_only_what_differs(tmp_path: Path) -> None:
    model = make_model("things", [{"slug": "n", "type": "number"}, {"slug": "meta", "type": "object"},
                                  {"slug": "seen", "type": "date"}])
    first = [{"_id": f"t{i}", "n": i, "meta": {"i": i}, "seen": "2024-01-01"} for i in range(300)]
    import_file(model["uuid"], write(tmp_path, "a.json", json.dumps(first)))
    second = [{"_id": f"t{i}", "n": i + (1 if i < 250 else 0), "meta": {"i": i}} for i in range(300)]
    code, out = import_file(model["uuid"], write(tmp_path, "b.json", json.dumps(second)))
    assert (out["import"]["updatedRecordsCount"], out["import"]["unchangedRecordsCount"]) == (250, 50)
    rows = ok("storage", "query", "execute", "SELECT _id, n, meta, seen FROM default.things "
              "WHERE _id IN ('t0', 't299') ORDER BY _id")["rows"]
    assert rows == [{"_id": "t0", "n": 1, "meta": {"i": 0}, "seen": "2024-01-01T00:00:00.000Z"},
                    {"_id": "t299", "n": 299, "meta": {"i": 299}, "seen": "2024-01-01T00:00:00.000Z"}]
    third = [{"_id": f"t{i}", "meta": {"i": -i}, "seen": None} for i in range(300)]
    code, out = import_file(model["uuid"], write(tmp_path, "c.json", json.dumps(third)))
    assert out["import"]["updatedRecordsCount"] == 300
    rows = ok("storage", "query", "execute", "SELECT n, meta, seen FROM default.things WHERE _id = 't7'")["rows"]
    assert rows == [{"n": 8, "meta": {"i": -7}, "seen": None}]


def test_insert_and_replace_modes(tmp_path: Path) -> None:
    model = make_model("things", [{"slug": "n", "type": "number"}])
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records",
       j([{"_id": "a", "n": 1}, {"_id": "b", "n": 2}, {"_id": "c", "n": 3}]))
    code, out = import_file(model["uuid"], write(tmp_path, "i.ndjson", '{"_id":"a","n":9}\n{"_id":"d","n":4}\n'),
                            "--mode", "insert")
    report = out["import"]
    assert report["insertedRecordsCount"] == 1 and report["skippedRecordsCount"] == 1
    assert "already exists" in report["errors"][0]["message"] and report["errors"][0]["id"] == "a"
    code, out = import_file(model["uuid"], write(tmp_path, "r.ndjson", '{"_id":"a","n":1}\n{"_id":"b","n":20}\n'),
                            "--mode", "replace")
    report = out["import"]
    assert (report["unchangedRecordsCount"], report["updatedRecordsCount"], report["removedRecordsCount"]) == (1, 1, 2)
    assert records(model["uuid"]) == [{"_id": "a", "n": 1}, {"_id": "b", "n": 20}]


def test_upsert_merges_clears_and_caps() -> None:
    model = make_model("people", [{"slug": "name", "type": "string"}, {"slug": "email", "type": "string"}])
    out = ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records",
             j([{"_id": "1", "name": "Ann", "email": "ann@x.io"}, {"name": "Gen"}, "not an object"]))
    assert (out["insertedRecordsCount"], out["skippedRecordsCount"]) == (2, 1)
    assert out["errors"] == [{"line": 3, "id": None, "message": "each record must be a JSON object"}]
    out = ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records",
             j([{"_id": "1", "email": None}, {"_id": "1", "name": "Ann B"}]))
    assert out["updatedRecordsCount"] == 2
    ann = next(r for r in records(model["uuid"]) if r["_id"] == "1")
    assert ann == {"_id": "1", "name": "Ann B", "email": None}
    title = ok("storage", "query", "execute", "SELECT _title FROM default.people WHERE _id = '1'")["rows"]
    assert title == [{"_title": "Ann B"}]
    code, out = run_cli("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records",
                        j([{"name": str(i)} for i in range(1001)]))
    assert code != 0 and "1000" in out["errorMessage"]
    code, out = run_cli("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", "{bad")
    assert code != 0


def test_remove_and_list_paging() -> None:
    model = make_model("items", [{"slug": "n", "type": "number"}])
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records",
       j([{"_id": f"i{i:02d}", "n": i} for i in range(12)]))
    page = records(model["uuid"], limit="5", offset="5")
    assert [r["_id"] for r in page] == ["i05", "i06", "i07", "i08", "i09"]
    assert len(records(model["uuid"])) == 12
    code, out = run_cli("storage", "record", "list", "--model-uuid", model["uuid"], "--limit", "1001")
    assert code != 0
    out = ok("storage", "record", "remove", "--model-uuid", model["uuid"], "--ids", "i00,i01,unknown")
    assert out == {"removedRecordsCount": 2}
    assert [r["_id"] for r in records(model["uuid"], limit="2")] == ["i02", "i03"]
    code, out = run_cli("storage", "record", "list", "--model-uuid", "00000000-0000-4000-8000-000000000000")
    assert code != 0 and out["reason"] == "modelNotFound"


def test_a_csv_that_is_not_utf8_is_refused_whole(tmp_path: Path) -> None:
    model = make_model("people", [{"slug": "name", "type": "string"}])
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"_id,name\na,ok\nb,Jos\xe9\n")
    code, out = run_cli("storage", "record", "import", "--model-uuid", model["uuid"], "--file", str(path))
    assert code != 0 and out["reason"] == "invalidData" and "UTF-8" in out["errorMessage"], out
    assert ok("storage", "record", "list", "--model-uuid", model["uuid"])["records"] == []  # nothing written
