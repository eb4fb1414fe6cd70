"""Materialising derived columns (data spec §3.1): catalog checks and recomputation.

Derived values are ordinary physical columns. `metric` and `lookup` values are computed in SQL — one
`UPDATE … SET col = (correlated SELECT)` per column and recompute, the same statement on SQLite and
PostgreSQL, guarded by `IS DISTINCT FROM` so unchanged rows are not rewritten. `computed` values are
evaluated row by row through an `Evaluate` callable the service layer passes down (the data layer does
not import the engine). A row whose derived value changes gets `_updated_at = now`; that is how a
change travels on: computed columns reading a metric are re-evaluated for exactly those rows, and
models whose metrics or lookups read this one are refreshed after it (`refresh`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, or_, select, true, update

from lading.data import derived, physical
from lading.data.columns import CoercionError, coerce
from lading.data.models import ModelHandle, handle_from_row
from lading.domain.errors import NotFoundError, ValidationError
from lading.store.repositories import storage as repo

# evaluate(expression, records) -> one value per record (None where the expression failed).
Evaluate = Callable[[dict[str, Any], list[dict[str, Any]]], list[Any]]
SQL_KINDS = ("metric", "lookup")
PAGE = 1000
ORDERABLE = ("number", "date", "string")
MAX_ROUNDS = 50  # refreshes per write: a bound for derived columns that read each other across models


@dataclass
class WriteInfo:
    """What a write did to a model, as far as derived columns care."""

    now: datetime
    inserted: bool = False
    updated_slugs: set[str] = field(default_factory=set)
    removed: bool = False
    # Derived columns whose values changed during the refresh (filled in as it runs).
    dirty: set[str] = field(default_factory=set)


def _types(handle: ModelHandle) -> dict[str, str]:
    return {**physical.SYSTEM_TYPES, **{c.slug: c.type for c in handle.columns}}


def _fail(slug: str, message: str) -> ValidationError:
    return ValidationError(f"column {slug}: {message}", reason="invalidColumn")


# --- resolving a metric / lookup --------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """How a metric or lookup reaches its related model: this model's `local` = related `remote`."""

    related: ModelHandle
    local: str
    remote: str


def link_of(conn: Any, ws: str, model_uuid: str, column: dict[str, Any]) -> Link:
    """The related model and join columns of a metric/lookup column (NotFound/Validation errors)."""
    slug = column["slug"]
    if column["kind"] == "metric":
        rel = next((r for r in repo.relationships_of_model(conn, ws, model_uuid)
                    if r.uuid == column["relationshipUuid"]), None)
        if rel is None:
            raise NotFoundError(f"column {slug}: relationship not found: {column['relationshipUuid']} (it must "
                                "join this model to another)", reason="relationshipNotFound")
        if rel.to_model_uuid == model_uuid:  # also a model related to itself: it aggregates what points at it
            local, remote, related_uuid = rel.to_column_slug, rel.from_column_slug, rel.from_model_uuid
        else:
            local, remote, related_uuid = rel.from_column_slug, rel.to_column_slug, rel.to_model_uuid
    else:
        join = column["join"]
        local, remote, related_uuid = join["fromColumnSlug"], join["toColumnSlug"], join["toModelUuid"]
    row = repo.get_model(conn, ws, related_uuid)
    if row is None:
        raise NotFoundError(f"column {slug}: related model not found: {related_uuid}", reason="modelNotFound")
    return Link(handle_from_row(conn, row), local, remote)


def check_definition(conn: Any, ws: str, model_row: Any, column: dict[str, Any],
                     columns: list[dict[str, Any]]) -> None:
    """Catalog checks of a derived column: referenced columns exist with usable types, no cycle."""
    slug, kind = column["slug"], column["kind"]
    own = {**physical.SYSTEM_TYPES, **{c["slug"]: c["type"] for c in columns}}
    by_slug = {c["slug"]: c for c in columns}
    if kind == "computed":
        for used in column["columnsUsed"]:
            if used == slug:
                raise _fail(slug, "a computed column cannot read itself")
            if used not in own:
                raise NotFoundError(f"column {slug}: columnsUsed names {used}, which is not a column of model "
                                    f"{model_row.slug}", reason="columnNotFound")
        _check_cycle(slug, column, by_slug)
        return
    link = link_of(conn, ws, model_row.uuid, column)
    remote_types = _types(link.related)
    if link.local not in own:
        raise NotFoundError(f"column {slug}: join column {link.local} is not a column of model {model_row.slug}",
                            reason="columnNotFound")
    if by_slug.get(link.local, {}).get("kind") in ("computed", "metric", "lookup"):
        raise _fail(slug, f"the join column {link.local} must be a stored column, not a derived one")
    if link.remote not in remote_types:
        raise NotFoundError(f"column {slug}: join column {link.remote} is not a column of model "
                            f"{link.related.slug}", reason="columnNotFound")
    if own[link.local] != remote_types[link.remote]:
        raise _fail(slug, f"join columns {link.local} ({own[link.local]}) and {link.related.slug}.{link.remote} "
                          f"({remote_types[link.remote]}) must have the same type")
    if kind == "metric":
        function, target = column["aggregation"]["function"], column["aggregation"]["columnSlug"]
        if target is not None and target not in remote_types:
            raise NotFoundError(f"column {slug}: aggregation.columnSlug {target} is not a column of model "
                                f"{link.related.slug}", reason="columnNotFound")
        if function in ("sum", "avg") and remote_types[target] != "number":
            raise _fail(slug, f"{function} needs a number column; {link.related.slug}.{target} is "
                              f"{remote_types[target]}")
        if function in ("min", "max"):
            if remote_types[target] not in ORDERABLE:
                raise _fail(slug, f"{function} needs a number, date or string column; {link.related.slug}.{target} "
                                  f"is {remote_types[target]}")
            if column["type"] != remote_types[target]:
                raise _fail(slug, f"type must be {remote_types[target]}, the type of {link.related.slug}.{target}")
        elif column["type"] != "number":
            raise _fail(slug, f"a {function} metric is a number column, not {column['type']}")
    else:
        extract = column["extractColumnSlug"]
        if extract not in remote_types:
            raise NotFoundError(f"column {slug}: extractColumnSlug {extract} is not a column of model "
                                f"{link.related.slug}", reason="columnNotFound")
        if column["type"] != remote_types[extract]:
            raise _fail(slug, f"type must be {remote_types[extract]}, the type of {link.related.slug}.{extract}")
    if column.get("filter") is not None:
        _related_filter(conn, ws, link, column, datetime.now(), link.related.table.alias("rel"))


def index_join(conn: Any, ws: str, model_uuid: str, column: dict[str, Any]) -> None:
    """Index both join columns of a metric/lookup: each recompute probes the related one once per row,
    and propagation selects this model's rows by the local one."""
    if column["kind"] not in SQL_KINDS:
        return
    link = link_of(conn, ws, model_uuid, column)
    row = repo.get_model(conn, ws, model_uuid)
    assert row is not None  # the caller holds this model's row
    for schema, table, slug in ((link.related.table_schema, link.related.table_name, link.remote),
                                (row.table_schema, row.table_name, link.local)):
        if slug != "_id":
            physical.ensure_column_index(conn, schema, table, slug)


def _check_cycle(slug: str, column: dict[str, Any], by_slug: dict[str, dict[str, Any]]) -> None:
    seen: set[str] = set()
    stack = list(column["columnsUsed"])
    while stack:
        name = stack.pop()
        if name == slug:
            raise _fail(slug, "computed columns cannot read each other in a cycle")
        other = by_slug.get(name)
        if name in seen or other is None or other.get("kind") != "computed":
            continue
        seen.add(name)
        stack.extend(other.get("columnsUsed") or [])


def _related_filter(conn: Any, ws: str, link: Link, column: dict[str, Any], now: datetime, alias: Any) -> Any:
    from lading.data import filters
    from lading.data.segments import StoreResolver, schema_of, types_of

    resolver = StoreResolver(conn, ws)
    try:
        flt = filters.parse_filter(column["filter"], schema_of(link.related), resolver)
    except filters.FilterError as exc:
        raise _fail(column["slug"], f"filter: {exc}") from None
    ctx = filters.CompileContext(conn.dialect.name, ws, now.replace(tzinfo=None), resolver.related_table)
    return filters.compile_filter(flt, alias, ctx, types_of(link.related))


# --- recomputing ------------------------------------------------------------------------------------


def _value_expression(conn: Any, ws: str, handle: ModelHandle, column: dict[str, Any], now: datetime) -> Any:
    """The correlated scalar subquery giving a metric/lookup value for the outer row of `handle.table`."""
    link = link_of(conn, ws, handle.uuid, column)
    outer = handle.table

    def matching(alias: Any) -> list[ColumnElement[bool]]:
        where = [alias.c[link.remote] == outer.c[link.local]]
        if column.get("filter") is not None:
            where.append(_related_filter(conn, ws, link, column, now, alias))
        return where

    if column["kind"] == "lookup":
        # latest time (nulls last), then the smallest id — written as min/max subqueries rather than
        # ORDER BY … LIMIT 1, which PostgreSQL may plan as a walk of the whole primary key per row.
        pick = link.related.table.alias("rel_id")
        time_col = link.related.time_column_slug
        conditions = matching(pick)
        if time_col:
            latest_rel = link.related.table.alias("rel_time")
            latest = (select(func.max(latest_rel.c[time_col])).where(*matching(latest_rel)).correlate(outer)
                      .scalar_subquery())
            conditions.append(or_(pick.c[time_col] == latest, latest.is_(None)))
        # min(coalesce(_id, '')) rather than min(_id): PostgreSQL turns a plain min over the primary key
        # into a walk of that index (ORDER BY _id LIMIT 1), filtering every row, instead of probing the
        # join column's index. `_id` is never null, so the value is the same.
        chosen = (select(func.min(func.coalesce(pick.c["_id"], ""))).where(*conditions).correlate(outer)
                  .scalar_subquery())
        rel = link.related.table.alias("rel")
        return select(rel.c[column["extractColumnSlug"]]).where(rel.c["_id"] == chosen).scalar_subquery()
    rel = link.related.table.alias("rel")
    where = matching(rel)
    function, target = column["aggregation"]["function"], column["aggregation"]["columnSlug"]
    col = rel.c[target] if target is not None else None
    agg = {
        "count": func.count(col) if col is not None else func.count(),
        "countDistinct": func.count(col.distinct()) if col is not None else None,
        "sum": func.coalesce(func.sum(col), 0) if col is not None else None,
        "avg": func.avg(col) if col is not None else None,
        "min": func.min(col) if col is not None else None,
        "max": func.max(col) if col is not None else None,
    }[function]
    assert agg is not None  # normalise() requires aggregation.columnSlug for every function but count
    return select(agg).select_from(rel).where(*where).scalar_subquery()


def _sql_column(conn: Any, ws: str, handle: ModelHandle, column: dict[str, Any], scope: Any, now: datetime) -> int:
    table: Table = handle.table
    value = _value_expression(conn, ws, handle, column, now)
    stmt = (update(table).values({column["slug"]: value, "_updated_at": now})
            .where(scope, table.c[column["slug"]].is_distinct_from(value)))
    return int(conn.execute(stmt).rowcount or 0)


def _computed_order(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Computed columns with each after the computed columns it reads."""
    computed = {c["slug"]: c for c in columns if c.get("kind") == "computed"}
    order: list[dict[str, Any]] = []
    done: set[str] = set()

    def visit(slug: str, path: tuple[str, ...]) -> None:
        if slug in done or slug in path:
            return
        for used in computed[slug].get("columnsUsed") or []:
            if used in computed:
                visit(used, (*path, slug))
        done.add(slug)
        order.append(computed[slug])

    for slug in computed:
        visit(slug, ())
    return order


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, datetime):
        from lading.store.clock import iso

        return iso(value)
    return value


def _computed_pass(conn: Any, handle: ModelHandle, columns: list[dict[str, Any]], scope: Any, now: datetime,
                   evaluate: Evaluate) -> int:
    """Evaluate `columns` (in order) for the rows in `scope`; write the rows whose values changed."""
    backend = conn.dialect.name
    table = handle.table
    types = _types(handle)
    names = ["_id", "_title", "_time", *(c.slug for c in handle.columns)]
    targets = [c["slug"] for c in columns]
    changed_rows = 0
    last = ""
    while True:
        rows = conn.execute(select(*(table.c[n] for n in names)).where(scope, table.c["_id"] > last)
                            .order_by(table.c["_id"]).limit(PAGE)).all()
        if not rows:
            return changed_rows
        records = [{n: _plain(physical.from_stored(backend, types[n], v)) for n, v in zip(names, row, strict=True)}
                   for row in rows]
        stored = [dict(r) for r in records]
        for column in columns:
            values = evaluate(column["expression"], records)
            for record, value in zip(records, values, strict=True):
                try:
                    record[column["slug"]] = _plain(coerce(value, column["type"]))
                except CoercionError:
                    record[column["slug"]] = None
        updates = []
        for record, old in zip(records, stored, strict=True):
            if any(record[s] != old[s] for s in targets):
                updates.append({**{f"v_{s}": _bind(backend, types[s], record[s]) for s in targets},
                                "v__id": record["_id"]})
        if updates:
            from sqlalchemy import bindparam

            stmt = (update(table).where(table.c["_id"] == bindparam("v__id"))
                    .values({**{s: bindparam(f"v_{s}") for s in targets}, "_updated_at": now}))
            conn.execute(stmt, updates)
            changed_rows += len(updates)
        last = rows[-1][0]


def _bind(backend: str, column_type: str, value: Any) -> Any:
    """A presented value back as what the SQLAlchemy column type binds (dates as datetimes)."""
    if value is None:
        return None
    if column_type == "date":
        return physical.parse_date(value)
    if column_type == "number":
        return float(value)
    return value


def refresh(conn: Any, ws: str, model_uuid: str, info: WriteInfo, evaluate: Evaluate, *,
            sql_scopes: dict[str, Callable[[Table], Any]] | None = None, full: set[str] | None = None) -> bool:
    """Recompute what `info` made stale in one model. `sql_scopes` maps metric/lookup slugs to the rows
    to refresh (`fn(table) -> SQL predicate`); `full` names derived columns to recompute on every row (a column
    created or updated). Returns whether any derived value changed."""
    row = repo.get_model(conn, ws, model_uuid)
    if row is None:
        return False
    handle = handle_from_row(conn, row)
    table = handle.table
    columns = list(row.columns or [])
    full = full or set()
    scopes: dict[str, ColumnElement[bool]] = {slug: scope(table) for slug, scope in (sql_scopes or {}).items()}
    written = table.c["_updated_at"] == info.now
    moved = info.updated_slugs | info.dirty
    for column in columns:
        if column.get("kind") not in SQL_KINDS:
            continue
        slug = column["slug"]
        if slug in full:
            scopes[slug] = true()
        elif info.inserted or _join_column(column, conn, ws, model_uuid) in moved:
            scopes[slug] = scopes[slug] | written if slug in scopes else written
    changed = False
    for column in columns:
        scope = scopes.get(column["slug"]) if column.get("kind") in SQL_KINDS else None
        if scope is None:
            continue
        try:
            check_definition(conn, ws, row, column, columns)
        except (NotFoundError, ValidationError):
            continue  # its relationship or related columns are gone or changed type: values stay as they were
        count = _sql_column(conn, ws, handle, column, scope, info.now)
        if count:
            info.dirty.add(column["slug"])
            changed = True
    order = _computed_order(columns)
    needed: list[dict[str, Any]] = []
    every_row = False
    for column in order:
        used = set(column.get("columnsUsed") or [])
        if column["slug"] in full:
            every_row = True
        elif not (info.inserted or used & (info.updated_slugs | info.dirty) or used & {c["slug"] for c in needed}
                  or derived.reads_whole_record(column["expression"])):
            continue
        needed.append(column)
    if needed:
        scope = true() if every_row else written
        if _computed_pass(conn, handle, needed, scope, info.now, evaluate):
            info.dirty.update(c["slug"] for c in needed)
            changed = True
    return changed


def _join_column(column: dict[str, Any], conn: Any, ws: str, model_uuid: str) -> str | None:
    try:
        return link_of(conn, ws, model_uuid, column).local
    except (NotFoundError, ValidationError):
        return None


def dependents(conn: Any, ws: str, model_uuid: str) -> dict[str, list[tuple[dict[str, Any], Link]]]:
    """Models (other than or including this one) whose metric/lookup columns read `model_uuid`."""
    out: dict[str, list[tuple[dict[str, Any], Link]]] = {}
    for row in repo.list_models(conn, ws):
        for column in row.columns or []:
            if column.get("kind") not in SQL_KINDS:
                continue
            if column["kind"] == "lookup" and column["join"]["toModelUuid"] != model_uuid:
                continue
            try:
                link = link_of(conn, ws, row.uuid, column)
            except (NotFoundError, ValidationError):
                continue
            if link.related.uuid == model_uuid:
                out.setdefault(row.uuid, []).append((column, link))
    return out


def _rows_in(local: str, keys: Select[Any]) -> Callable[[Table], ColumnElement[bool]]:
    """A refresh scope: the rows whose `local` column is among `keys`."""
    return lambda table: table.c[local].in_(keys)


def propagate(conn: Any, ws: str, model_uuid: str, info: WriteInfo, evaluate: Evaluate) -> set[str]:
    """After `model_uuid` was written (and refreshed): refresh the models whose metrics and lookups read
    it, then theirs, each model once. Returns the uuids of models whose derived values changed."""
    changed: set[str] = set()
    queue: list[tuple[str, WriteInfo]] = [(model_uuid, info)]
    visited = {model_uuid}
    rounds = 0
    while queue and rounds < MAX_ROUNDS:
        rounds += 1
        source, source_info = queue.pop(0)
        for target, reads in dependents(conn, ws, source).items():
            if target in visited and target != source:
                continue
            moved = source_info.updated_slugs | source_info.dirty
            scopes: dict[str, Callable[[Table], Any]] = {}
            for column, link in reads:
                related = link.related.table
                if source_info.removed or link.remote in moved:
                    scopes[column["slug"]] = lambda table: true()
                else:
                    keys = select(related.c[link.remote]).where(related.c["_updated_at"] == source_info.now)
                    scopes[column["slug"]] = _rows_in(link.local, keys)
            if not scopes:
                continue
            target_info = WriteInfo(now=source_info.now)
            if refresh(conn, ws, target, target_info, evaluate, sql_scopes=scopes):
                changed.add(target)
                visited.add(target)
                queue.append((target, target_info))
    return changed


def any_derived(conn: Any, ws: str, model_row: Any) -> bool:
    """Whether a write to this model can change any derived value (its own or another model's)."""
    if any(c.get("kind") in ("computed", "metric", "lookup") for c in model_row.columns or []):
        return True
    return bool(dependents(conn, ws, model_row.uuid))

