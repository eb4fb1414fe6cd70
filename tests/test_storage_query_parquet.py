"""`storage query download --format parquet` (data.md §6.2): the full result as a Parquet file whose
columns keep their types, read back with pyarrow as a user's notebook would."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pyarrow.parquet as pq

from conftest import j, run_cli


def _read_parquet(url: str) -> Any:
    """The table behind a download URL: a `file://` path embedded, a signed server URL in remote mode."""
    parts = urlsplit(url)
    assert parts.path.endswith("/query.parquet"), url
    if parts.scheme == "file":
        return pq.read_table(Path(unquote(parts.path)))
    import httpx

    response = httpx.get(url, timeout=60)
    assert response.status_code == 200, response.text
    return pq.read_table(io.BytesIO(response.content))


def _deals(records: list[dict[str, Any]]) -> None:
    code, out = run_cli("storage", "dataset", "create", "--slug", "crm", "--name", "CRM")
    assert code == 0, out
    code, out = run_cli("storage", "model", "create", "--slug", "deals", "--name", "Deals", "--dataset-uuid",
                        out["dataset"]["uuid"], "--extractor-slug", "native", "--config", "{}")
    assert code == 0, out
    model = out["model"]["uuid"]
    for slug, kind in (("amount", "number"), ("stage", "string"), ("won", "boolean"), ("meta", "object")):
        code, out = run_cli("storage", "column", "create", "--model-uuid", model, "--column",
                            j({"slug": slug, "type": kind, "label": slug, "kind": "custom"}))
        assert code == 0, out
    code, out = run_cli("storage", "record", "upsert", "--model-uuid", model, "--records", j(records))
    assert code == 0, out


def test_parquet_keeps_numbers_booleans_text_objects_and_nulls() -> None:
    _deals([{"_id": "d-1", "amount": 2185, "stage": "won", "won": True, "meta": {"source": "web"}},
            {"_id": "d-2", "amount": 49.5, "stage": None, "won": False, "meta": None},
            {"_id": "d-3", "amount": None, "stage": "lost", "won": None, "meta": {"tags": ["a", "b"]}}])
    code, out = run_cli("storage", "query", "download", "--query",
                        "SELECT _id, amount, stage, won, meta FROM crm.deals ORDER BY _id", "--format", "parquet")
    assert code == 0, out
    table = _read_parquet(out["url"])
    assert table.column_names == ["_id", "amount", "stage", "won", "meta"]
    rows = table.to_pylist()
    assert [r["_id"] for r in rows] == ["d-1", "d-2", "d-3"]
    assert [r["amount"] for r in rows] == [2185, 49.5, None]
    assert [r["stage"] for r in rows] == ["won", None, "lost"]
    assert [r["won"] for r in rows] == [True, False, None]
    assert rows[0]["meta"] is not None and '"source"' in rows[0]["meta"] and rows[1]["meta"] is None


def test_an_integer_column_stays_integer_and_an_empty_result_keeps_its_columns() -> None:
    _deals([{"_id": f"d-{i}", "amount": i, "stage": "open"} for i in range(1, 4)])
    code, out = run_cli("storage", "query", "download", "--query",
                        "SELECT count(*) AS n, sum(amount) AS total FROM crm.deals", "--format", "parquet")
    assert code == 0, out
    table = _read_parquet(out["url"])
    assert str(table.schema.field("n").type) == "int64" and table.to_pylist() == [{"n": 3, "total": 6}]
    code, out = run_cli("storage", "query", "download", "--query",
                        "SELECT _id, stage FROM crm.deals WHERE stage = 'closed'", "--format", "parquet")
    assert code == 0, out
    empty = _read_parquet(out["url"])
    assert empty.num_rows == 0 and empty.column_names == ["_id", "stage"]


def test_an_unknown_format_is_refused_with_the_accepted_ones() -> None:
    _deals([{"_id": "d-1", "amount": 1}])
    code, out = run_cli("storage", "query", "download", "--query", "SELECT * FROM crm.deals", "--format", "xlsx")
    assert code == 1 and out["reason"] == "invalidData"
    assert "csv, json or parquet" in out["errorMessage"]
