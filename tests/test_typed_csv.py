"""Typed data in, typed data out (issue 15 §1, data spec §4.3 revised), through the real CLI.

A CSV import types the columns it creates from the data — number, boolean, date, JSON object/array,
with leading-zero values and mixed columns staying text — after sniffing the delimiter, quoting and a
BOM; `--column-types` overrides, `--no-infer` keeps text. Values then keep their type everywhere they
go: record lists, segment downloads (JSON and CSV), runs of a batch over a segment and their download.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from test_storage_models_cli import make_model, ok

from conftest import j, read_export, run_cli
from graphs import chain, end, start, var

ALL = {"conjonction": "and", "groups": []}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def import_csv(model_uuid: str, path: Path, *flags: str) -> tuple[int, Any]:
    return run_cli("storage", "record", "import", "--model-uuid", model_uuid, "--file", str(path), *flags)


def column_types(model_uuid: str) -> dict[str, str]:
    return {c["slug"]: c["type"] for c in ok("storage", "column", "list", "--model-uuid", model_uuid)["columns"]}


def records(model_uuid: str) -> list[dict[str, Any]]:
    return list(ok("storage", "record", "list", "--model-uuid", model_uuid, "--limit", "1000")["records"])


COMPANIES = (
    "_id,zip,employees,revenue,active,founded,seen_at,meta,tags,mixed,sparse,blank,big_id,phone\n"
    'r1,02134,2185,12.5,true,2020-01-15,2021-06-01T10:30:00Z,"{""a"": 1}","[1, ""x""]",12,,,12345678901234567,'
    "+33 1 23\n"
    "r2,10001,-3,1e3,FALSE,1999-12-31,2021-06-01 10:30:00+02:00,{},[],twelve,7,,1,0612\n"
    "r3,,0,,,,,,,,,,,\n"
)


def test_new_columns_are_typed_from_the_data(tmp_path: Path) -> None:
    model = make_model("companies")
    code, out = import_csv(model["uuid"], write(tmp_path, "companies.csv", COMPANIES))
    assert code == 0, out
    expected = {"zip": "string", "employees": "number", "revenue": "number", "active": "boolean", "founded": "date",
                "seen_at": "date", "meta": "object", "tags": "array", "mixed": "string", "sparse": "number",
                "blank": "string", "big_id": "string", "phone": "string"}
    assert out["import"]["createdColumnTypes"] == [{"slug": s, "type": t} for s, t in expected.items()]
    assert out["import"]["createdColumns"] == list(expected)
    assert out["import"]["insertedRecordsCount"] == 3 and out["import"]["errors"] == []
    assert column_types(model["uuid"]) == expected
    r1, r2, r3 = records(model["uuid"])
    assert r1 == {"_id": "r1", "zip": "02134", "employees": 2185, "revenue": 12.5, "active": True,
                  "founded": "2020-01-15T00:00:00.000Z", "seen_at": "2021-06-01T10:30:00.000Z", "meta": {"a": 1},
                  "tags": [1, "x"], "mixed": "12", "sparse": None, "blank": None, "big_id": "12345678901234567",
                  "phone": "+33 1 23"}
    assert type(r1["employees"]) is int and r2["revenue"] == 1000 and r2["active"] is False
    assert r2["seen_at"] == "2021-06-01T08:30:00.000Z" and r2["sparse"] == 7 and r2["phone"] == "0612"
    assert r3 == {"_id": "r3", "zip": None, "employees": 0, "revenue": None, "active": None, "founded": None,
                  "seen_at": None, "meta": None, "tags": None, "mixed": None, "sparse": None, "blank": None,
                  "big_id": None, "phone": None}
    # The SQL face answers the same types.
    rows = ok("storage", "query", "execute", "SELECT employees, revenue FROM default.companies ORDER BY _id")["rows"]
    assert rows[0] == {"employees": 2185, "revenue": 12.5}


def test_only_created_columns_are_inferred_and_the_id_column_stays_text(tmp_path: Path) -> None:
    model = make_model("accounts", [{"slug": "code", "type": "string"}, {"slug": "score", "type": "string"}],
                       id_column_slug="code")
    code, out = import_csv(model["uuid"], write(tmp_path, "a.csv", "code,score,seats\n1001,5,3\n1002,6,4\n"))
    assert code == 0, out
    assert out["import"]["createdColumnTypes"] == [{"slug": "seats", "type": "number"}]
    assert records(model["uuid"])[0] == {"_id": "1001", "code": "1001", "score": "5", "seats": 3}
    fresh = make_model("fresh", id_column_slug="account_number")
    code, out = import_csv(fresh["uuid"], write(tmp_path, "b.csv", "account_number,seats\n7,1\n8,2\n"))
    assert out["import"]["createdColumnTypes"] == [{"slug": "account_number", "type": "string"},
                                                   {"slug": "seats", "type": "number"}]


def _csv(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def test_delimiter_quoting_and_bom_are_sniffed(tmp_path: Path) -> None:
    rows = [["Name", "Employees", "Note"], ["Acme, Inc; Ltd|Co\tX", "12", 'said "hi"\non two lines'],
            ["Beta", "7", "plain"]]
    for n, (delimiter, bom) in enumerate(((",", False), (";", True), ("\t", False), ("|", True))):
        model = make_model(f"sniffed{n}")
        text = ("\ufeff" if bom else "") + _csv(rows, delimiter)
        code, out = import_csv(model["uuid"], write(tmp_path, f"f{n}.csv", text))
        assert code == 0, (repr(delimiter), out)
        assert out["import"]["createdColumnTypes"] == [
            {"slug": "name", "type": "string"}, {"slug": "employees", "type": "number"},
            {"slug": "note", "type": "string"}], repr(delimiter)
        got = sorted((r["name"], r["employees"], r["note"]) for r in records(model["uuid"]))
        assert got == [("Acme, Inc; Ltd|Co\tX", 12, 'said "hi"\non two lines'), ("Beta", 7, "plain")], repr(delimiter)


def test_column_types_override_and_no_infer(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "zip,employees,active,when\n02134,2185,true,2020-01-15\n")
    model = make_model("overridden")
    code, out = import_csv(model["uuid"], path, "--column-types", j({"zip": "number", "employees": "string"}))
    assert code == 0, out
    assert out["import"]["createdColumnTypes"] == [
        {"slug": "zip", "type": "number"}, {"slug": "employees", "type": "string"},
        {"slug": "active", "type": "boolean"}, {"slug": "when", "type": "date"}]
    assert records(model["uuid"])[0] | {"_id": None} == {"_id": None, "zip": 2134, "employees": "2185",
                                                         "active": True, "when": "2020-01-15T00:00:00.000Z"}
    text_only = make_model("text_only")
    code, out = import_csv(text_only["uuid"], path, "--no-infer", "--column-types", j({"active": "boolean"}))
    assert code == 0, out
    assert column_types(text_only["uuid"]) == {"zip": "string", "employees": "string", "active": "boolean",
                                               "when": "string"}
    assert records(text_only["uuid"])[0] | {"_id": None} == {"_id": None, "zip": "02134", "employees": "2185",
                                                             "active": True, "when": "2020-01-15"}
    # A JSON import takes the same options.
    people = make_model("people")
    path = write(tmp_path, "p.json", json.dumps([{"_id": "p1", "age": 31, "code": 7}]))
    code, out = import_csv(people["uuid"], path, "--column-types", j({"code": "string"}))
    assert out["import"]["createdColumnTypes"] == [{"slug": "age", "type": "number"},
                                                   {"slug": "code", "type": "string"}]
    assert records(people["uuid"]) == [{"_id": "p1", "age": 31, "code": "7"}]


def test_bad_column_types_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    model = make_model("guarded", [{"slug": "employees", "type": "number"}])
    path = write(tmp_path, "g.csv", "name,employees\nAcme,12\n")
    cases = [("{not json", "--column-types must be a JSON object"),
             (j(["name"]), '["name"]'),
             (j({"name": "integer"}), "'integer'"),
             (j({"name": None}), "null"),
             (j({"revenue": "number"}), '["name","employees"]'),
             (j({"employees": "string"}), "already exists with type number"),
             (j({"_id": "string"}), "'_id'")]
    for raw, said in cases:
        code, out = import_csv(model["uuid"], path, "--column-types", raw)
        assert code == 1, (raw, out)
        assert out["reason"] == "invalidData" and said in out["errorMessage"], (raw, out)
        assert "None" not in out["errorMessage"] and "['" not in out["errorMessage"], out
    assert records(model["uuid"]) == [] and column_types(model["uuid"]) == {"employees": "number"}
    # A JSON import learns its keys as it reads: an unknown column is found at the end, and rolls back.
    path = write(tmp_path, "g.json", json.dumps([{"_id": "a", "name": "A"}]))
    code, out = import_csv(model["uuid"], path, "--column-types", j({"nope": "number"}))
    assert code == 1 and out["reason"] == "invalidData" and "'nope'" in out["errorMessage"], out
    assert records(model["uuid"]) == [] and column_types(model["uuid"]) == {"employees": "number"}


def test_header_mismatch_shows_the_header_read(tmp_path: Path) -> None:
    model = make_model("strict_cols", [{"slug": "domain", "type": "string"}, {"slug": "name", "type": "string"}],
                       id_column_slug="domain")
    code, out = import_csv(model["uuid"], write(tmp_path, "a.csv", "\ufeffDomain;Name;Revenue\nx.com;X;1\n"),
                           "--no-create-columns")
    assert code == 1 and out["reason"] == "columnMismatch", out
    assert '(header read: ["Domain","Name","Revenue"])' in out["errorMessage"], out
    code, out = import_csv(model["uuid"], write(tmp_path, "b.csv", "Name|Country\nX|FR\n"))
    assert code == 1 and out["reason"] == "columnMismatch", out
    assert "domain" in out["errorMessage"] and '["Name","Country"]' in out["errorMessage"], out
    assert out["details"] == {"header": ["Name", "Country"]}
    assert records(model["uuid"]) == []


# --- the round trip -------------------------------------------------------------------------------

_TEXT = st.text(alphabet="abcXYZ 019,;|\t\"'\né€", min_size=0, max_size=12)
_WHEN = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000, tzinfo=UTC))


def _stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


# Column → (strategy of typed values, the CSV text of a value, the type the import must infer).
COLUMN_KINDS: dict[str, tuple[Any, Any, str]] = {
    "count": (st.integers(-10**12, 10**12), str, "number"),
    "amount": (st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False), repr, "number"),
    "flag": (st.booleans(), lambda v: "true" if v else "false", "boolean"),
    "moment": (_WHEN.map(_stamp), str, "date"),
    "label": (_TEXT.map(lambda t: "s" + t), str, "string"),
    "postcode": (st.integers(0, 99999).map(lambda n: f"0{n}"), str, "string"),
    "attrs": (st.dictionaries(st.sampled_from("abc"), st.integers(-5, 5) | _TEXT, max_size=3), json.dumps, "object"),
    "items": (st.lists(st.integers(-5, 5) | _TEXT, max_size=3), json.dumps, "array"),
}


@st.composite
def typed_tables(draw: Any) -> tuple[str, list[dict[str, Any]]]:
    """A delimiter and rows of typed values (None: an empty cell); every column holds a value in row 0."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    count = draw(st.integers(1, 25))
    rows = []
    for i in range(count):
        row: dict[str, Any] = {"_id": f"r{i}"}
        for slug, (values, _, _) in COLUMN_KINDS.items():
            row[slug] = draw(values) if i == 0 else draw(st.none() | values)
        rows.append(row)
    return delimiter, rows


def _cell(slug: str, value: Any) -> str:
    return "" if value is None else COLUMN_KINDS[slug][1](value)


def _same(got: dict[str, Any], want: dict[str, Any]) -> None:
    """Every value of `want` in `got`, equal and of the same JSON type (an integral float reads as an integer)."""
    for slug, value in want.items():
        assert got[slug] == value, (slug, got, want)
        if value is None or isinstance(value, bool):
            assert got[slug] is value, (slug, got, want)
        elif isinstance(value, float):
            assert type(got[slug]) in (int, float), (slug, got, want)
        else:
            assert type(got[slug]) is type(value), (slug, got, want)


_COUNTER = iter(range(10**6))


@settings(max_examples=10, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(typed_tables())
def test_typed_values_round_trip_through_segment_download_batch_and_run_download(
        tmp_path: Path, table: tuple[str, list[dict[str, Any]]]) -> None:
    delimiter, rows = table
    n = next(_COUNTER)
    slugs = ["_id", *COLUMN_KINDS]
    text = _csv([slugs, *([_cell(s, r[s]) if s != "_id" else r[s] for s in slugs] for r in rows)], delimiter)
    model = make_model(f"typed{n}")
    code, out = import_csv(model["uuid"], write(tmp_path, f"typed{n}.csv", "\ufeff" + text))
    assert code == 0 and out["import"]["errors"] == [], out
    assert out["import"]["createdColumnTypes"] == [{"slug": s, "type": k[2]} for s, k in COLUMN_KINDS.items()]
    by_id = {r["_id"]: r for r in rows}

    stored = records(model["uuid"])
    assert len(stored) == len(rows)
    for record in stored:
        _same(record, by_id[record["_id"]])

    # Segment download, JSON and CSV; the CSV re-imports to the same types and values.
    segment = ok("segmentation", "segment", "create", "--name", f"All {n}", "--model-uuid", model["uuid"],
                 "--filter", j(ALL))["segment"]
    url = ok("segmentation", "segment", "download", "--model-uuid", model["uuid"], "--filter", j(ALL),
             "--format", "json")["url"]
    for record in json.loads(read_export(url)):
        _same(record, by_id[record["_id"]])
    url = ok("segmentation", "segment", "download", "--model-uuid", model["uuid"], "--filter", j(ALL))["url"]
    exported = read_export(url)
    copy = make_model(f"copy{n}")
    code, out = import_csv(copy["uuid"], write(tmp_path, f"copy{n}.csv", exported))
    assert code == 0 and out["import"]["errors"] == [], out
    created = {c["slug"]: c["type"] for c in out["import"]["createdColumnTypes"]}
    assert {s: created[s] for s in COLUMN_KINDS} == {s: k[2] for s, k in COLUMN_KINDS.items()}
    for record in records(copy["uuid"]):
        _same(record, by_id[record["_id"]])
    for line in csv.DictReader(io.StringIO(exported)):
        want = by_id[line["_id"]]["count"]
        assert line["count"] == ("" if want is None else str(want)), line

    # A batch over the segment: every run's start holds the record as typed, and so does its end.
    play = ok("orchestration", "play", "create", "--name", f"Echo {n}", "--model-uuid", model["uuid"])["play"]
    nodes = chain(start(), end([var(s, "{{nodes.start." + s + "}}") for s in COLUMN_KINDS]))
    ok("orchestration", "release", "deploy-draft", "--workflow-uuid", play["workflowUuid"], "--nodes", j(nodes))
    batch = ok("orchestration", "batch", "create", "--workflow-uuid", play["workflowUuid"], "--data",
               j({"kind": "segment", "segmentUuid": segment["uuid"]}), "--wait-until-finished")["batch"]
    assert batch["runsCount"] == len(rows) and batch["failedRunsCount"] == 0, batch
    code, lines = run_cli("orchestration", "run", "download", "--workflow-uuid", play["workflowUuid"],
                          "--batch-uuid", batch["uuid"])
    assert code == 0, lines
    runs = [json.loads(line) for line in (lines if isinstance(lines, str) else json.dumps(lines)).splitlines()]
    assert len(runs) == len(rows)
    for run in runs:
        want = by_id[run["recordId"]]
        assert run["status"] == "success", run
        _same(run["runContext"]["start"], want)
        _same(run["runContext"]["end"], {k: v for k, v in want.items() if k != "_id"})
    # The outputs file: JSON values as typed; CSV cells as their JSON text (2185, never 2185.0).
    outputs = ("orchestration", "run", "download-outputs", "--workflow-uuid", play["workflowUuid"],
               "--batch-uuid", batch["uuid"], "--output-node-slug", "end")
    for item in json.loads(read_export(ok(*outputs, "--format", "json")["url"])):
        want = by_id[item["recordId"]]
        _same(item["output"], {k: v for k, v in want.items() if k != "_id"})
        _same(item["input"], want)
    for line in csv.DictReader(io.StringIO(read_export(ok(*outputs)["url"]))):
        want = by_id[line["recordId"]]
        for side in ("input", "output"):
            assert line[f"{side}.count"] == ("" if want["count"] is None else str(want["count"])), line
            assert line[f"{side}.flag"] == ("" if want["flag"] is None else json.dumps(want["flag"])), line
            if want["amount"] is not None:
                assert json.loads(line[f"{side}.amount"]) == want["amount"], line



# --- the HTTP route and the remote CLI -------------------------------------------------------------


def _api_model(client: Any) -> str:
    import uuid

    datasets = client.get("/storage/datasets/list").json()["datasets"]
    default = next(d for d in datasets if d["slug"] == "default")
    response = client.post("/storage/models", json={"slug": f"m_{uuid.uuid4().hex[:8]}", "name": "Typed",
                                                    "datasetUuid": default["uuid"], "extractorSlug": "native",
                                                    "config": {}})
    assert response.status_code == 200, response.text
    return str(response.json()["model"]["uuid"])


def test_import_route_takes_column_types_and_infer(api_server: Any, remote: Any, tmp_path: Path) -> None:
    alpha, beta = api_server.client("alpha"), api_server.client("beta")
    text = b"\xef\xbb\xbfzip;employees;active\n02134;2185;true\n10001;;false\n"

    def send(model: str, client: Any = alpha, **fields: str) -> Any:
        return client.post("/storage/records/import", data={"modelUuid": model, **fields},
                           files={"file": ("typed.csv", text, "text/csv")})

    inferred = _api_model(alpha)
    done = send(inferred, columnTypes=j({"zip": "number"}))
    assert done.status_code == 200, done.text
    assert done.json()["import"]["createdColumnTypes"] == [
        {"slug": "zip", "type": "number"}, {"slug": "employees", "type": "number"},
        {"slug": "active", "type": "boolean"}]
    rows = alpha.post("/storage/records/list", json={"modelUuid": inferred}).json()["records"]
    assert sorted((r["zip"], r["employees"], r["active"]) for r in rows) == [(2134, 2185, True), (10001, None, False)]

    text_only = _api_model(alpha)
    done = send(text_only, infer="false")
    assert [c["type"] for c in done.json()["import"]["createdColumnTypes"]] == ["string", "string", "string"]

    refused = _api_model(alpha)
    for fields, reason in (({"columnTypes": "{zip"}, "invalidData"), ({"columnTypes": j({"zap": "number"})},
                                                                       "invalidData"),
                           ({"columnTypes": j({"zip": "int"})}, "invalidData"), ({"infer": "maybe"}, "invalidPayload")):
        response = send(refused, **fields)
        assert response.status_code == 400 and response.json()["reason"] == reason, (fields, response.text)
        assert response.json()["errorMessage"], response.text
    assert alpha.post("/storage/records/list", json={"modelUuid": refused}).json()["records"] == []
    assert send(inferred, client=beta).status_code == 404  # another workspace's model

    # The remote CLI answers what the embedded one does, refusals included.
    path = write(tmp_path, "typed.csv", text.decode("utf-8"))
    flags = ("--file", str(path), "--column-types", j({"zip": "string"}))
    first, second = _api_model(alpha), _api_model(alpha)
    code, over_http = remote("storage", "record", "import", "--model-uuid", first, *flags)
    embedded = api_server.lading("storage", "record", "import", "--model-uuid", second, *flags)
    assert code == 0 and over_http["import"] | {"modelUuid": None} == embedded["import"] | {"modelUuid": None}
    assert over_http["import"]["createdColumnTypes"][0] == {"slug": "zip", "type": "string"}
    bad = ("--file", str(path), "--column-types", j({"nope": "number"}))
    code, over_http = remote("storage", "record", "import", "--model-uuid", first, *bad)
    embedded = api_server.lading("storage", "record", "import", "--model-uuid", first, *bad, check=False)
    assert code == 1 and over_http == embedded and over_http["reason"] == "invalidData", (over_http, embedded)
