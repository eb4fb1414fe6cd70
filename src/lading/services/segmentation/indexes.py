"""Indexes chosen from what a model's segments filter and sort by, and the page plan they allow.

Saving a segment (create or update) indexes its model for that segment's questions:

- a *filter index* over the columns its plain conditions test, equality columns first, then one
  `startsWith` column (case-insensitive on SQLite, its folded text on PostgreSQL, so its
  `LIKE 'abc%'` reads a range): the count of
  `segment fetch` then reads a narrow index range (covering when every condition is a plain column
  condition) instead of the whole table;
- a *sort index* in the segment's exact order (nulls last, `_id` as the tie-breaker), so the first
  pages of a frequent match are read in order and stop after a page;
- on PostgreSQL, statistics on the folded text of case-insensitive string conditions, so the planner
  knows how many rows they keep and picks between the two.

SQLite's planner, without statistics, always prefers the filter index and sorts every match; `fetch`
counts first and, when walking the sort index reaches a page sooner than the matches are sorted,
names the sort index (`page_index`).
"""

from __future__ import annotations

from typing import Any

from lading.data.filters import ast
from lading.data.physical import FOLDED

# Past this many columns a filter index costs more on writes than it saves on reads.
MAX_FILTER_COLUMNS = 5
_PLAIN = (ast.StringCond, ast.NumberCond, ast.DateCond, ast.BooleanCond)
_FOLDED = ("contains", "doesNotContain", "startsWith", "endsWith")


def _is_equality(cond: Any) -> bool:
    if isinstance(cond, ast.StringCond | ast.NumberCond):
        return cond.operator == "is"
    return isinstance(cond, ast.BooleanCond) and cond.operator in ("isTrue", "isFalse")


def _is_prefix(cond: Any) -> bool:
    return isinstance(cond, ast.StringCond) and cond.operator == "startsWith" and len(cond.values) == 1


def filter_columns(flt: ast.Filter) -> tuple[list[str], bool, bool, set[str]]:
    """The filter index's columns (equality conditions that every match must meet first, then a
    column every match must start with a prefix in, then the other plain conditions' columns),
    whether the index covers the whole filter, whether it starts with a condition every match meets
    (so it narrows the rows read), and the prefix columns (SQLite reads `LIKE 'abc%'` as a range of
    a case-insensitive index column)."""
    required = flt.conj == "and" or len(flt.groups) == 1
    first: list[str] = []
    prefix: list[str] = []
    rest: list[str] = []
    covering = True
    for group in flt.groups:
        group_required = required and (group.conj == "and" or len(group.conditions) == 1)
        for cond in group.conditions:
            if not isinstance(cond, _PLAIN):
                covering = False
            elif group_required and _is_equality(cond):
                first.append(cond.column)
            elif group_required and _is_prefix(cond):
                prefix.append(cond.column)
            else:
                rest.append(cond.column)
    prefix = [c for c in dict.fromkeys(prefix) if c not in first][:1]
    columns = list(dict.fromkeys(first + prefix + rest))
    if len(columns) > MAX_FILTER_COLUMNS:
        columns, covering = columns[:MAX_FILTER_COLUMNS], False
    return columns, covering, bool(first or prefix), set(prefix)


def _folded_columns(flt: ast.Filter) -> list[str]:
    return list(dict.fromkeys(c.column for g in flt.groups for c in g.conditions
                              if isinstance(c, ast.StringCond) and c.operator in _FOLDED))


def sort_parts(sort: tuple[ast.SortKey, ...], dialect: str) -> list[tuple[str, str]]:
    """The sort index's definition in `filters.order_by` order: nulls last, `_id` ascending last.
    SQLite sorts nulls first, so its descending order already puts them last."""
    parts: list[tuple[str, str]] = []
    for key in sort:
        if dialect == "postgresql":
            parts.append((key.column, "DESC NULLS LAST" if key.descending else "ASC"))
        else:
            parts.append((key.column, "DESC" if key.descending else "ASC"))
    if not any(k.column == "_id" for k in sort):
        parts.append(("_id", "ASC"))
    return parts


def _wanted(ev: Any, dialect: str) -> list[list[tuple[str, str]]]:
    """The index definitions one segment's (filter, sort) asks for."""
    wanted: list[list[tuple[str, str]]] = []
    columns, covering, narrows, prefix = filter_columns(ev.filter)
    # An index that neither covers the filter nor narrows the rows read saves nothing.
    if columns and (covering or narrows):
        folded = "COLLATE NOCASE" if dialect == "sqlite" else FOLDED
        wanted.append([(c, folded if c in prefix else "") for c in columns])
    if ev.sort and not (len(ev.sort) == 1 and ev.sort[0].column == "_id"):
        wanted.append(sort_parts(ev.sort, dialect))
    return wanted


def ensure_segment_indexes(conn: Any, ev: Any) -> None:
    """Index the model for one segment's (filter, sort): see the module docstring."""
    from lading.data.physical import ensure_folded_statistics, ensure_index

    handle = ev.handle
    for parts in _wanted(ev, conn.dialect.name):
        ensure_index(conn, handle.table_schema, handle.table_name, parts)
    if conn.dialect.name == "postgresql":
        for slug in _folded_columns(ev.filter):
            ensure_folded_statistics(conn, handle.table_schema, handle.table_name, slug)


def prune_segment_indexes(conn: Any, workspace_uuid: str, handle: Any, now: Any) -> None:
    """Drop the segment indexes of a model that none of its live segments asks for any more (after a
    segment's filter or sort changed, or it was removed): each index costs every write."""
    from lading.data.filters.errors import FilterError
    from lading.data.physical import composite_index_name, drop_index, segment_indexes
    from lading.data.segments import evaluate
    from lading.store.repositories import segments as repo

    needed: set[str] = set()
    for seg in repo.list_segments(conn, workspace_uuid, model_uuid=handle.uuid):
        try:
            ev = evaluate(conn, handle, seg.filter, seg.sort, seg.records_limit, now, visiting=(seg.uuid,))
        except FilterError:  # a segment its model's changes made invalid keeps nothing
            continue
        needed.update(composite_index_name(handle.table_name, parts) for parts in _wanted(ev, conn.dialect.name))
    for name in segment_indexes(conn, handle.table_schema, handle.table_name):
        if name not in needed:
            drop_index(conn, handle.table_schema, name)


def page_index(conn: Any, ev: Any, matches: int, wanted: int) -> str | None:
    """SQLite: the sort index to read a page through, when walking it in order reaches `wanted`
    matching rows (page end) in fewer row visits than sorting all `matches` would cost; else None
    (the planner's own choice). Expected visits to find `wanted` of `matches` among `total` rows in
    order: wanted × total / matches."""
    from lading.data.physical import composite_index_name, index_exists

    if conn.dialect.name != "sqlite" or matches <= 0:
        return None
    handle = ev.handle
    if not ev.sort or (len(ev.sort) == 1 and ev.sort[0].column == "_id"):
        if ev.sort and ev.sort[0].descending:
            return None
        name = f"sqlite_autoindex_{handle.table_name}_1"  # the `_id` primary key
    else:
        name = composite_index_name(handle.table_name, sort_parts(ev.sort, "sqlite"))
    total = conn.exec_driver_sql(f'SELECT max(rowid) FROM "{handle.table_name}"').scalar() or 0
    if wanted * int(total) > matches * matches or not index_exists(conn, handle.table_schema, name):
        return None
    return name


def settle_table(db: Any, handle: Any) -> None:
    """PostgreSQL: after saving a segment, `VACUUM (ANALYZE)` its model's table when most of its pages
    are not yet marked all-visible (a fresh import: autovacuum comes later), so a fetch's count reads
    the filter index alone (index-only) instead of visiting every matching row's page; and the
    planner's statistics include the new statistics objects. Outside any transaction, as VACUUM
    requires; it takes no lock that blocks reads or writes."""
    from lading.data.physical import qualified

    if not db.is_postgres:
        return
    table = qualified(handle.table_schema, handle.table_name)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        pages, visible = conn.exec_driver_sql(
            "SELECT relpages, relallvisible FROM pg_class WHERE oid = %(t)s::regclass", {"t": table}).one()
        if int(pages or 0) > 0 and int(visible or 0) >= 0.9 * int(pages):
            conn.exec_driver_sql(f"ANALYZE {table}")
        else:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")
