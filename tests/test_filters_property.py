"""Property test: compiled filter SQL and the plain-Python reference evaluator select the same records.

Each example draws a random model (typed columns), random rows and a random filter over those columns
(every column kind and operator, nested and/or), creates the model's physical table on the test
backend (SQLite, or PostgreSQL when LADING_TEST_DATABASE_URL is set), and compares the ids the SQL
selects — and, with a random sort and limit, their order — with the reference evaluation. Filters
may reference a saved segment (in / notIn) that has its own random filter, sort and limit.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, insert, select

from lading.data import filters
from lading.data.filters import reference
from lading.data.physical import build_table, create_table

TYPES = ("string", "number", "date", "boolean", "object", "array", "any", "vector")
TEXTS = ("", "a", "A", "ab", "Ab", "b%", "_b", "a/b", "é", "É", "acme", "ACME corp", "x y")
NUMBERS = (-1.5, 0.0, 1.0, 2.0, 10.0, 100.25)
DATES = tuple(datetime(2025, 1, d, h, m, tzinfo=UTC) for d in (14, 15, 16) for h, m in ((0, 0), (10, 30), (23, 59)))
DATE_VALUES = ("2025-01-14", "2025-01-15", "2025-01-16", "2025-01-15T10:30:00Z", "2025-01-15T00:00:00",
               "2025-01-16T23:59:00+00:00")
KEYS = ("k", "n", "deep")
SEGMENT = "saved-segment"


class OneSegment(filters.NoResolver):
    def __init__(self, saved: filters.SegmentDefinition) -> None:
        self.saved = saved

    def segment(self, uuid: str) -> filters.SegmentDefinition | None:
        return self.saved if uuid == self.saved.uuid else None


@pytest.fixture(scope="module")
def engine() -> Iterator[tuple[Engine, str]]:
    url = os.environ.get("LADING_TEST_DATABASE_URL")
    folder = None
    if url:
        eng = create_engine(url)
        schema = f"hyp_{uuid.uuid4().hex[:10]}"
        with eng.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    else:
        folder = tempfile.TemporaryDirectory()
        eng = create_engine(f"sqlite:///{folder.name}/property.db")
        schema = ""
    yield eng, schema
    if url:
        with eng.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    eng.dispose()
    if folder is not None:
        folder.cleanup()


# --- values -------------------------------------------------------------------------------------------

scalars = st.one_of(st.sampled_from(TEXTS), st.sampled_from(NUMBERS), st.booleans(), st.none())
objects = st.dictionaries(st.sampled_from(KEYS), st.one_of(scalars, st.fixed_dictionaries({"k": scalars})),
                          max_size=3)


def value_of(kind: str) -> st.SearchStrategy[Any]:
    base = {"string": st.sampled_from(TEXTS), "number": st.sampled_from(NUMBERS), "date": st.sampled_from(DATES),
            "boolean": st.booleans(), "object": objects,
            "array": st.lists(st.one_of(objects, scalars), max_size=3),
            "any": st.one_of(scalars, objects, st.lists(scalars, max_size=2)),
            "vector": st.lists(st.sampled_from(NUMBERS), max_size=3)}[kind]
    return st.one_of(st.none(), base)


# --- conditions ---------------------------------------------------------------------------------------


@st.composite
def property_condition(draw: st.DrawFn, slug: str) -> dict[str, Any]:
    path = draw(st.sampled_from(("k", "n", "deep.k", "missing")))
    op = draw(st.sampled_from(filters_parse().PROPERTY_OPS))
    cond: dict[str, Any] = {"kind": "objectProperty", "columnSlug": slug, "propertyName": path, "operator": op}
    if op in ("contains", "doesNotContain", "startsWith", "endsWith"):
        cond["value"] = draw(st.sampled_from(TEXTS))
    elif op in ("greaterThan", "lowerThan"):
        cond["value"] = draw(st.one_of(st.sampled_from(NUMBERS), st.sampled_from(TEXTS)))
    elif op == "between":
        if draw(st.booleans()):
            a, b = sorted(draw(st.lists(st.sampled_from(NUMBERS), min_size=2, max_size=2)))
        else:
            a, b = sorted(draw(st.lists(st.sampled_from(TEXTS), min_size=2, max_size=2)))
        cond["value"], cond["otherValue"] = a, b
    elif op in ("is", "isNot"):
        cond["value"] = draw(st.one_of(st.sampled_from(TEXTS), st.sampled_from(NUMBERS), st.booleans()))
    return cond


def filters_parse() -> Any:
    from lading.data.filters import parse

    return parse


@st.composite
def condition(draw: st.DrawFn, columns: dict[str, str], with_segment: bool = False) -> dict[str, Any]:
    if with_segment and draw(st.integers(0, 2)) == 0:
        return {"kind": "segment", "operator": draw(st.sampled_from(("in", "notIn"))), "segmentUuid": SEGMENT}
    slug = draw(st.sampled_from(sorted(columns)))
    kind = columns[slug]
    if kind in ("object", "array", "any") and draw(st.booleans()):
        if kind == "any" or draw(st.booleans()):
            return draw(property_condition(slug))
        conds = draw(st.lists(property_condition(slug), min_size=1, max_size=3))
        return {"kind": kind, "columnSlug": slug, "operator": "matchConditions",
                "conjonction": draw(st.sampled_from(("and", "or"))), "conditions": conds}
    op = draw(st.sampled_from(filters_parse().OPERATORS[kind]))
    if op == "matchConditions":
        op = "isNull"
    cond: dict[str, Any] = {"kind": kind, "columnSlug": slug, "operator": op}
    if kind == "string" and op in filters_parse().TEXT_OPS:
        values = draw(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=3))
        cond["values"] = values if len(values) > 1 or draw(st.booleans()) else values[0]
    elif kind in ("number", "date") and op not in ("isNull", "isNotNull"):
        pool = NUMBERS if kind == "number" else DATE_VALUES
        if op == "between":
            a, b = sorted(draw(st.lists(st.sampled_from(pool), min_size=2, max_size=2)),
                          key=lambda v: filters_parse().parse_date(v, []).start if kind == "date" else v)
            cond["firstValue"], cond["lastValue"] = a, b
        else:
            cond["value"] = draw(st.sampled_from(pool))
    return cond


@st.composite
def model_rows_filter(draw: st.DrawFn) -> tuple[Any, ...]:
    kinds = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=5))
    columns = {f"c{i}_{kind}": kind for i, kind in enumerate(kinds)}
    rows = []
    for i in range(draw(st.integers(0, 12))):
        row = {"_id": f"r{i:02d}"}
        for slug, kind in columns.items():
            row[slug] = draw(value_of(kind))
        rows.append(row)
    sortable = [s for s, k in columns.items() if k in ("string", "number", "date", "boolean")]

    def draw_filter(with_segment: bool) -> dict[str, Any]:
        least = 0 if with_segment else 1
        groups = [{"conjonction": draw(st.sampled_from(("and", "or"))),
                   "conditions": draw(st.lists(condition(columns, with_segment), min_size=least, max_size=3))}
                  for _ in range(draw(st.integers(least, 3)))]
        return {"conjonction": draw(st.sampled_from(("and", "or"))), "groups": groups}

    def draw_sort() -> list[dict[str, Any]]:
        return [{"columnSlug": s, "kind": draw(st.sampled_from(("asc", "desc")))}
                for s in draw(st.lists(st.sampled_from(sortable), unique=True, max_size=2))] if sortable else []

    # A saved segment the filter may reference (in / notIn), itself with a filter, sort and limit.
    saved = filters.SegmentDefinition(SEGMENT, "model", draw_filter(False), draw_sort(),
                                      draw(st.one_of(st.none(), st.integers(1, 6))))
    flt = draw_filter(True)
    return columns, rows, flt, draw_sort(), draw(st.one_of(st.none(), st.integers(1, 6))), saved


_counter = iter(range(10**9))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                  HealthCheck.function_scoped_fixture])
@given(model_rows_filter())
def test_compiled_sql_matches_reference(engine: tuple[Engine, str], case: Any) -> None:
    eng, schema = engine
    columns, rows, raw_filter, raw_sort, limit, saved = case
    backend = eng.dialect.name
    schema_def = filters.ModelSchema.of("model", columns)
    flt = filters.parse_filter(raw_filter, schema_def, OneSegment(saved))
    sort = filters.parse_sort(raw_sort, schema_def)
    types = dict(schema_def.columns)
    name = f"t{next(_counter)}_{uuid.uuid4().hex[:6]}"
    table = build_table(backend, schema, name, list(columns.items()))
    ctx = filters.CompileContext(backend, "ws", datetime(2026, 1, 1))
    with eng.begin() as conn:
        create_table(conn, backend, schema, name, list(columns.items()))
        if rows:
            conn.execute(insert(table), rows)
        where = filters.compile_filter(flt, table, ctx, types)
        matched = set(conn.execute(select(table.c["_id"]).where(where)).scalars())
        query = select(table.c["_id"]).where(where).order_by(*filters.order_by(sort, table))
        ordered = list(conn.execute(query if limit is None else query.limit(limit)).scalars())
        conn.exec_driver_sql(f'DROP TABLE {f"{chr(34)}{schema}{chr(34)}." if schema else ""}"{name}"')
    expected = {r["_id"] for r in reference.select(flt, (), None, rows, types)}
    assert matched == expected, (raw_filter, saved, rows)
    expected_order = [r["_id"] for r in reference.select(flt, sort, limit, rows, types)]
    assert ordered == expected_order, (raw_filter, raw_sort, limit)
