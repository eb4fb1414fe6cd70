"""Wide models: the per-model column cap (1,000 columns, system columns not counted) is checked before
any DDL runs, for imports that would create columns, `storage column create` and `storage model create`,
and a refused change leaves neither catalog columns nor physical columns behind (data spec §3, §4.3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_storage_models_cli import make_model, ok

from conftest import j, run_cli

LIMIT = 1000


def physical_columns(model: dict[str, Any]) -> list[str]:
    """The model table's real columns, read from the database (not from the catalog)."""
    from sqlalchemy import inspect

    from lading.services.wiring import open_session
    from lading.store.repositories import storage as repo

    session = open_session()
    with session.db.read() as conn:
        row = repo.get_model(conn, session.workspace_uuid, model["uuid"])
        return [c["name"] for c in inspect(conn).get_columns(row.table_name, schema=row.table_schema or None)]


def catalog_slugs(model: dict[str, Any]) -> list[str]:
    return [c["slug"] for c in ok("storage", "column", "list", "--model-uuid", model["uuid"])["columns"]]


def wide_csv(tmp_path: Path, name: str, count: int, *, first: str = "id") -> Path:
    path = tmp_path / name
    header = [first, *(f"c{i}" for i in range(count - 1))]
    path.write_text(",".join(header) + "\n" + ",".join(["r1", *(str(i) for i in range(count - 1))]) + "\n")
    return path


def import_file(model: dict[str, Any], path: Path) -> tuple[int, Any]:
    return run_cli("storage", "record", "import", "--model-uuid", model["uuid"], "--file", str(path))


def assert_too_many(code: int, out: Any, count: int) -> None:
    assert code == 1, out
    assert out["reason"] == "tooManyColumns", out
    assert out["details"] == {"limit": LIMIT, "count": count}
    assert f"{count:,}" in out["errorMessage"] and f"{LIMIT:,}" in out["errorMessage"]
    assert "ALTER" not in out["errorMessage"] and "sqlite3" not in out["errorMessage"]


def test_a_csv_with_3000_new_columns_is_refused_before_any_column_is_added(tmp_path: Path) -> None:
    model = make_model("wide", [{"slug": "id", "type": "string"}], id_column_slug="id")
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j([{"id": "keep", "c0": "x"}]))
    before_physical = physical_columns(model)
    before_records = ok("storage", "record", "list", "--model-uuid", model["uuid"])["records"]

    code, out = import_file(model, wide_csv(tmp_path, "wide.csv", 3000))
    # `id` and `c0` exist: 2,998 new columns on top of the model's 2.
    assert_too_many(code, out, 3000)
    assert catalog_slugs(model) == ["id", "c0"]
    assert physical_columns(model) == before_physical
    assert ok("storage", "record", "list", "--model-uuid", model["uuid"])["records"] == before_records


def test_exactly_at_the_cap_imports_and_one_more_column_is_refused(tmp_path: Path) -> None:
    model = make_model("wide")
    code, out = import_file(model, wide_csv(tmp_path, "at.csv", LIMIT, first="c_first"))
    assert code == 0, out
    assert len(out["import"]["createdColumns"]) == LIMIT and out["import"]["insertedRecordsCount"] == 1
    assert len(catalog_slugs(model)) == LIMIT
    assert len(physical_columns(model)) == LIMIT + 5
    row = ok("storage", "record", "list", "--model-uuid", model["uuid"])["records"][0]
    assert row["c_first"] == "r1" and row[f"c{LIMIT - 2}"] is not None

    # One more column, by any route, is refused and changes nothing.
    code, out = run_cli("storage", "column", "create", "--model-uuid", model["uuid"],
                        "--column", j({"slug": "extra", "type": "string"}))
    assert_too_many(code, out, LIMIT + 1)
    code, out = run_cli("storage", "record", "upsert", "--model-uuid", model["uuid"],
                        "--records", j([{"c_first": "r2", "extra": 1}]))
    assert_too_many(code, out, LIMIT + 1)
    path = tmp_path / "more.ndjson"
    path.write_text(json.dumps({"c_first": "r3"}) + "\n" + json.dumps({"c_first": "r4", "other": True}) + "\n")
    code, out = import_file(model, path)
    assert_too_many(code, out, LIMIT + 1)
    assert len(catalog_slugs(model)) == LIMIT
    assert len(physical_columns(model)) == LIMIT + 5
    assert [r["c_first"] for r in ok("storage", "record", "list", "--model-uuid", model["uuid"])["records"]] == ["r1"]

    # Columns that already exist are still written; a type change (which adds a scratch column) still works.
    ok("storage", "record", "upsert", "--model-uuid", model["uuid"], "--records", j([{"c_first": "r1", "c0": "7"}]))
    ok("storage", "column", "update", "--model-uuid", model["uuid"],
       "--column", j({"slug": "c0", "type": "number", "kind": "original"}))
    assert len(physical_columns(model)) == LIMIT + 5


def test_one_above_the_cap_in_a_csv_is_refused_whole(tmp_path: Path) -> None:
    model = make_model("wide")
    code, out = import_file(model, wide_csv(tmp_path, "above.csv", LIMIT + 1, first="c_first"))
    assert_too_many(code, out, LIMIT + 1)
    assert catalog_slugs(model) == []
    assert len(physical_columns(model)) == 5


def test_json_rows_that_grow_the_model_past_the_cap_roll_back_whole(tmp_path: Path) -> None:
    model = make_model("wide")
    path = tmp_path / "rows.json"
    rows = [{"_id": "a", **{f"k{i}": i for i in range(LIMIT - 1)}}, {"_id": "b", "late1": 1, "late2": 2}]
    path.write_text(json.dumps(rows))
    code, out = import_file(model, path)
    assert_too_many(code, out, LIMIT + 1)
    assert catalog_slugs(model) == []
    assert len(physical_columns(model)) == 5
    assert ok("storage", "record", "list", "--model-uuid", model["uuid"])["records"] == []


def test_model_create_with_too_many_columns_is_refused() -> None:
    columns = [{"slug": f"c{i}", "type": "string"} for i in range(LIMIT + 1)]
    dataset = next(d["uuid"] for d in ok("storage", "dataset", "list")["datasets"] if d["slug"] == "default")
    code, out = run_cli("storage", "model", "create", "--slug", "wide", "--name", "Wide", "--dataset-uuid", dataset,
                        "--extractor-slug", "native", "--config", "{}", "--columns", j(columns))
    assert_too_many(code, out, LIMIT + 1)
    assert ok("storage", "model", "list")["models"] == []
    assert len(make_model("wide", columns[:LIMIT])["columns"]) == LIMIT
