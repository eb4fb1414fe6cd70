"""Indexes chosen from a model's segments, and `segment fetch` pages read through them.

A saved segment indexes its model for its filter and its sort; a fetch counts from the filter index
and reads its page through whichever index is cheaper. These tests hold the answers to what a plain
evaluation gives (same records, same order, same count, nulls last, every page and offset) and
check the indexes exist, on the embedded store and on PostgreSQL.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

COLUMNS = [{"slug": "name", "type": "string"}, {"slug": "country", "type": "string"},
           {"slug": "industry", "type": "string"}, {"slug": "employees", "type": "number"},
           {"slug": "revenue", "type": "number"}]
FILTER = {"conjonction": "and", "groups": [{"conjonction": "and", "conditions": [
    {"kind": "string", "columnSlug": "country", "operator": "is", "values": ["US"]},
    {"kind": "number", "columnSlug": "employees", "operator": "greaterThan", "value": 10},
    {"kind": "string", "columnSlug": "industry", "operator": "startsWith", "values": ["soft"]},
]}]}


def _session() -> Any:
    from lading.services.wiring import open_session

    return open_session()


def _records(n: int) -> list[dict[str, Any]]:
    rnd = random.Random(7)
    return [{"_id": f"c{i:04d}", "name": f"Co {i}", "country": ("US", "FR", "us")[i % 3],
             "industry": ("Software", "SOFTWARE", "Retail", None)[(i // 3) % 4],
             "employees": rnd.randint(1, 40), "revenue": None if i % 7 == 0 else rnd.randint(1, 50) * 10}
            for i in range(n)]


def _expected(records: list[dict[str, Any]], descending: bool) -> list[str]:
    """The plain evaluation: US, employees > 10, industry starting with "soft" in any case; sorted by
    revenue (nulls last either way) then `_id`."""
    matching = [r for r in records if r["country"] == "US" and r["employees"] > 10
                and (r["industry"] or "").lower().startswith("soft")]
    with_value = sorted((r for r in matching if r["revenue"] is not None),
                        key=lambda r: ((-r["revenue"]) if descending else r["revenue"], r["_id"]))
    return [r["_id"] for r in with_value] + sorted(r["_id"] for r in matching if r["revenue"] is None)


def _model(sess: Any, records: list[dict[str, Any]]) -> str:
    from lading.services.storage import datasets, models
    from lading.services.storage import records as storage_records

    dataset = datasets.list_datasets(sess)["datasets"][0]["uuid"]
    model = models.create_model(sess, slug="companies", name="Companies", dataset_uuid=dataset,
                                columns=COLUMNS)["model"]["uuid"]
    for start in range(0, len(records), 1000):
        storage_records.upsert_records(sess, model_uuid=model, records=records[start:start + 1000])
    return str(model)


def _index_columns(sess: Any, model: str) -> list[list[str]]:
    """The column lists of the model table's indexes."""
    from lading.data.models import load_model

    with sess.db.read() as conn:
        handle = load_model(conn, sess.workspace_uuid, model)
        if conn.dialect.name == "sqlite":
            names = [r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (handle.table_name,))]
            return [[str(r[2]) for r in conn.exec_driver_sql(f'PRAGMA index_info("{n}")')] for n in names]
        rows = conn.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %(s)s AND tablename = %(t)s",
            {"s": handle.table_schema, "t": handle.table_name}).scalars()
        key_parts = [d.split(" INCLUDE ")[0].split("(", 1)[1].rstrip(")").split(",") for d in rows]
        return [[next(t for t in re.findall(r"[A-Za-z_]\w*", part) if t != "lower") for part in parts]
                for parts in key_parts]


def _page_index(sess: Any, model: str, sort: Any, matches: int, wanted: int) -> str | None:
    from lading.services.segmentation.indexes import page_index
    from lading.services.segmentation.segments import _evaluate

    with sess.db.read() as conn:
        return page_index(conn, _evaluate(sess, conn, model, FILTER, sort, None), matches, wanted)


@pytest.mark.parametrize("descending", [True, False])
def test_saved_segment_indexes_its_filter_and_sort_and_fetch_pages_agree(descending: bool) -> None:
    from lading.services.segmentation import segments

    sess = _session()
    records = _records(2000)
    model = _model(sess, records)
    sort = [{"columnSlug": "revenue", "kind": "desc" if descending else "asc"}]
    segments.create_segment(sess, name="US software", model_uuid=model, filter=FILTER, sort=sort)
    indexes = _index_columns(sess, model)
    assert ["country", "industry", "employees"] in indexes  # equality, prefix, then every tested column
    assert ["revenue", "_id"] in indexes  # the segment's order, `_id` breaking ties

    expected = _expected(records, descending)
    assert len(expected) > 200
    if sess.db.backend == "sqlite":  # a first page of a frequent match walks the sort index
        assert _page_index(sess, model, sort, len(expected), 10) is not None
        assert _page_index(sess, model, sort, 3, 10) is None
    for size, offset in ((10, 0), (7, 3), (25, 20), (100, 0), (5, len(expected) - 2), (5, len(expected) + 5)):
        out = segments.fetch(sess, model_uuid=model, filter=FILTER, sort=sort, fetching_limit=size,
                             fetching_offset=offset)
        assert out["count"] == len(expected)
        assert [r["_id"] for r in out["records"]] == expected[offset:offset + size]
    limited = segments.fetch(sess, model_uuid=model, filter=FILTER, sort=sort, limit=12, fetching_limit=10,
                             fetching_offset=5)
    assert limited["count"] == 12 and [r["_id"] for r in limited["records"]] == expected[5:12]


def test_rare_matches_read_through_the_filter_index_and_agree() -> None:
    """Few matches among many rows: SQLite is left to its own plan (the filter index), same answer."""
    from lading.services.segmentation import segments
    from lading.services.storage import records as storage_records

    sess = _session()
    records = [{**r, "country": "FR"} for r in _records(600)]
    records[5]["country"] = records[77]["country"] = "US"
    records[5]["industry"] = records[77]["industry"] = "software"
    records[5]["employees"] = records[77]["employees"] = 30
    model = _model(sess, records)
    sort = [{"columnSlug": "revenue", "kind": "desc"}]
    segments.create_segment(sess, name="rare", model_uuid=model, filter=FILTER, sort=sort)
    out = segments.fetch(sess, model_uuid=model, filter=FILTER, sort=sort, fetching_limit=10)
    assert out["count"] == 2 and [r["_id"] for r in out["records"]] == _expected(records, True)
    storage_records.upsert_records(sess, model_uuid=model, records=[{"_id": "c0005", "country": "FR"}])
    out = segments.fetch(sess, model_uuid=model, filter=FILTER, sort=sort, fetching_limit=10)
    assert [r["_id"] for r in out["records"]] == ["c0077"]


def test_default_sort_pages_by_id() -> None:
    from lading.services.segmentation import segments

    sess = _session()
    records = _records(300)
    model = _model(sess, records)
    segments.create_segment(sess, name="by id", model_uuid=model, filter=FILTER)
    expected = sorted(_expected(records, True))
    out = segments.fetch(sess, model_uuid=model, filter=FILTER, fetching_limit=8, fetching_offset=4)
    assert out["count"] == len(expected) and [r["_id"] for r in out["records"]] == expected[4:12]


def test_a_column_a_segment_index_names_can_still_be_removed() -> None:
    from lading.services.segmentation import segments
    from lading.services.storage import columns

    sess = _session()
    model = _model(sess, _records(50))
    seg = segments.create_segment(sess, name="US", model_uuid=model, filter=FILTER,
                                  sort=[{"columnSlug": "revenue", "kind": "desc"}])["segment"]
    segments.remove_segment(sess, seg["uuid"])
    columns.remove_column(sess, model_uuid=model, column_slug="employees")
    columns.remove_column(sess, model_uuid=model, column_slug="revenue")
    assert all("employees" not in cols and "revenue" not in cols for cols in _index_columns(sess, model))


def test_indexes_no_segment_asks_for_any_more_are_dropped() -> None:
    from lading.data.physical import segment_indexes
    from lading.services.segmentation import segments

    sess = _session()
    model = _model(sess, _records(60))
    first = segments.create_segment(sess, name="a", model_uuid=model, filter=FILTER,
                                    sort=[{"columnSlug": "revenue", "kind": "desc"}])["segment"]
    second = segments.create_segment(sess, name="b", model_uuid=model, filter=FILTER,
                                     sort=[{"columnSlug": "name", "kind": "asc"}])["segment"]
    assert ["name", "_id"] in _index_columns(sess, model) and ["revenue", "_id"] in _index_columns(sess, model)
    segments.update_segment(sess, uuid=second["uuid"], sort=[{"columnSlug": "employees", "kind": "asc"}])
    indexes = _index_columns(sess, model)
    assert ["name", "_id"] not in indexes and ["employees", "_id"] in indexes and ["revenue", "_id"] in indexes
    segments.remove_segment(sess, second["uuid"])
    segments.remove_segment(sess, first["uuid"])
    from lading.data.models import load_model

    with sess.db.read() as conn:
        handle = load_model(conn, sess.workspace_uuid, model)
        assert segment_indexes(conn, handle.table_schema, handle.table_name) == []
