"""Compiling a validated filter to one SQLAlchemy Core boolean expression over a model's table.

The same expression runs on SQLite and PostgreSQL: values are bound through the column's own type
(dates, booleans), JSON properties go through `jsonsql`, case-insensitive matching folds ASCII letters
only on both backends (`lower(x COLLATE "C")` on PostgreSQL, SQLite's own LIKE). A positive
column condition is false or SQL NULL on a null value (both exclude the row); negated operators are
built as `col IS NULL OR NOT positive`, and `notIn` wraps its filter in `coalesce(…, false)`, so every
negation is an exact complement (data spec §8.2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    Table,
    and_,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
)

from lading.data.filters import ast
from lading.data.filters.jsonsql import JsonValue, array_elements, property_of

ESCAPE = "/"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(value: str) -> str:
    """Case folding of `contains`/`startsWith`/`endsWith`: ASCII letters only, identical on both backends."""
    return value.translate(_ASCII_LOWER)


def _like_escape(value: str) -> str:
    return value.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


@dataclass(frozen=True)
class CompileContext:
    """Where a filter runs: backend, workspace (run history is per workspace), now, related tables."""

    dialect: str
    workspace_uuid: str
    now: datetime  # naive UTC
    related_table: Callable[[str], Table] | None = None

    @property
    def now_aware(self) -> datetime:
        return self.now.replace(tzinfo=UTC)


def compile_filter(flt: ast.Filter, table: Any, ctx: CompileContext, types: dict[str, str]) -> ColumnElement[bool]:
    """The WHERE expression of `flt` over `table` (a Table or an alias); `types` maps column slug → type."""
    return _Compiler(ctx, table, types).filter(flt)


def order_by(sort: Sequence[ast.SortKey], table: Any) -> list[Any]:
    """Sort keys with nulls last in both directions, then `_id` ascending as the tie-breaker (§9).

    Text follows the store's collation (code-point order for SQLite and a C/C.UTF-8 PostgreSQL), so
    the indexes on sorted columns stay usable.
    """
    keys: list[Any] = []
    for key in sort:
        col = table.c[key.column]
        keys.append((col.desc() if key.descending else col.asc()).nulls_last())
    if not any(k.column == "_id" for k in sort):
        keys.append(table.c["_id"].asc())
    return keys


def member_ids(flt: ast.Filter, sort: Sequence[ast.SortKey], limit: int | None, table: Table,
               ctx: CompileContext, types: dict[str, str]) -> Select[Any]:
    """`SELECT _id` of the records a (filter, sort, limit) selects: a segment's membership."""
    alias = table.alias()
    query = select(alias.c["_id"]).where(compile_filter(flt, alias, ctx, types))
    if limit is not None:
        query = query.order_by(*order_by(sort, alias)).limit(limit)
    return query


_SNAKE = {name: re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower() for name in (
    "StringCond", "NumberCond", "DateCond", "BooleanCond", "NullCond", "PropertyCond",
    "MatchCond", "SegmentCond", "EnrollmentCond", "OccurrenceCond", "SqlCond")}


class _Compiler:
    def __init__(self, ctx: CompileContext, table: Any, types: dict[str, str]) -> None:
        self.ctx = ctx
        self.table = table
        self.types = types
        self.pg = ctx.dialect == "postgresql"

    def _fold_sql(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.lower(expr.collate("C") if self.pg else expr)

    def _like(self, expr: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
        """Case-insensitive (ASCII) LIKE: SQLite's LIKE already folds ASCII letters, so no lower() per row."""
        if self.pg:
            return self._fold_sql(expr).like(pattern, escape=ESCAPE)
        return expr.like(pattern, escape=ESCAPE)

    # --- structure -------------------------------------------------------------------------------

    def filter(self, flt: ast.Filter) -> ColumnElement[bool]:
        return self._join(flt.conj, [self.group(g) for g in flt.groups])

    def group(self, group: ast.Group) -> ColumnElement[bool]:
        return self._join(group.conj, [self.condition(c) for c in group.conditions])

    @staticmethod
    def _join(conj: str, parts: list[ColumnElement[bool]]) -> ColumnElement[bool]:
        if not parts:
            return true()
        if len(parts) == 1:
            return parts[0]
        return and_(*parts) if conj == "and" else or_(*parts)

    def condition(self, cond: ast.Condition) -> ColumnElement[bool]:
        method = getattr(self, "_" + _SNAKE[type(cond).__name__])
        return method(cond)

    # --- column conditions -----------------------------------------------------------------------

    def _negatable(self, col: ColumnElement[Any], negate: bool, positive: ColumnElement[bool]) -> ColumnElement[bool]:
        return or_(col.is_(None), not_(positive)) if negate else positive

    def _string_cond(self, c: ast.StringCond) -> ColumnElement[bool]:
        col = self.table.c[c.column]
        op = c.operator
        if op == "isNull":
            return col.is_(None)
        if op == "isNotNull":
            return col.is_not(None)
        if op == "isEmpty":
            return or_(col.is_(None), col == "")
        if op == "isNotEmpty":
            return and_(col.is_not(None), col != "")
        if op in ("is", "isNot"):
            positive = col == c.values[0] if len(c.values) == 1 else col.in_(c.values)
            return self._negatable(col, op == "isNot", positive)
        patterns = []
        for value in c.values:
            body = _like_escape(fold(value))
            pattern = {"contains": f"%{body}%", "doesNotContain": f"%{body}%", "startsWith": f"{body}%",
                       "endsWith": f"%{body}"}[op]
            patterns.append(self._like(col, pattern))
        return self._negatable(col, op == "doesNotContain", or_(*patterns))

    def _null_test(self, col: ColumnElement[Any], op: str) -> ColumnElement[bool]:
        return col.is_(None) if op == "isNull" else col.is_not(None)

    def _number_cond(self, c: ast.NumberCond) -> ColumnElement[bool]:
        col, op = self.table.c[c.column], c.operator
        if op in ("isNull", "isNotNull"):
            return self._null_test(col, op)
        if op == "between":
            return and_(col >= c.value, col <= c.last)
        if op == "greaterThan":
            return col > c.value
        if op == "lowerThan":
            return col < c.value
        return self._negatable(col, op == "isNot", col == c.value)

    def _date_cond(self, c: ast.DateCond) -> ColumnElement[bool]:
        """A date-only value is its whole UTC day: `is` = within it, `greaterThan` = after its end,
        `lowerThan` = before its start, `between` = first day's start to last day's end."""
        col, op, bound = self.table.c[c.column], c.operator, c.value
        if op in ("isNull", "isNotNull") or bound is None:
            return self._null_test(col, op)
        if op == "between":
            assert c.last is not None
            upper = col < c.last.end if c.last.end else col <= c.last.start
            return and_(col >= bound.start, upper)
        if op == "greaterThan":
            return col >= bound.end if bound.end else col > bound.start
        if op == "lowerThan":
            return col < bound.start
        eq = and_(col >= bound.start, col < bound.end) if bound.end else col == bound.start
        return self._negatable(col, op == "isNot", eq)

    def _boolean_cond(self, c: ast.BooleanCond) -> ColumnElement[bool]:
        col = self.table.c[c.column]
        return {"isTrue": lambda: col == true(), "isFalse": lambda: col == false(),
                "isNull": lambda: col.is_(None), "isNotNull": lambda: col.is_not(None)}[c.operator]()

    def _null_cond(self, c: ast.NullCond) -> ColumnElement[bool]:
        # A JSON column may hold SQL NULL or a JSON null; both read as null.
        is_null = property_of(self.ctx.dialect, self.table.c[c.column], ()).is_type("missing", "null")
        return is_null if c.operator == "isNull" else not_(is_null)

    # --- JSON ------------------------------------------------------------------------------------

    def _property_cond(self, c: ast.PropertyCond) -> ColumnElement[bool]:
        if self.types.get(c.column) == "array":
            return self._match_cond(ast.MatchCond(c.column, True, "and", (c,)))
        return self.property(property_of(self.ctx.dialect, self.table.c[c.column], c.path), c)

    def _match_cond(self, c: ast.MatchCond) -> ColumnElement[bool]:
        col = self.table.c[c.column]
        if not c.is_array:
            return self._join(c.conj, [self.property(property_of(self.ctx.dialect, col, p.path), p)
                                       for p in c.conditions])
        elems, doc = array_elements(self.ctx.dialect, col)
        inner = self._join(c.conj, [self.property(property_of(self.ctx.dialect, doc, p.path), p)
                                    for p in c.conditions])
        return exists(select(literal(1)).select_from(elems).where(inner))

    def property(self, v: JsonValue, c: ast.PropertyCond) -> ColumnElement[bool]:
        op = c.operator
        if op == "isNull":
            return v.is_type("missing", "null")
        if op == "isNotNull":
            return not_(v.is_type("missing", "null"))
        if op == "isEmpty":
            return v.is_empty()
        if op == "isNotEmpty":
            return not_(v.is_empty())
        if op in ("isNot", "doesNotContain"):
            return not_(self.property(v, ast.PropertyCond(c.column, c.path, "is" if op == "isNot" else "contains",
                                                          c.value)))
        value = c.value
        if op == "is":
            if isinstance(value, bool):
                return v.equals_bool(value)
            if isinstance(value, float):
                return and_(v.is_type("number"), v.number == value)
            return and_(v.is_type("string"), v.text == value)
        if op in ("contains", "startsWith", "endsWith"):
            body = _like_escape(fold(value))
            pattern = {"contains": f"%{body}%", "startsWith": f"{body}%", "endsWith": f"%{body}"}[op]
            return and_(v.is_type("string"), self._like(v.text, pattern))
        kind, expr = ("number", v.number) if isinstance(value, float) else ("string", v.text)
        if op == "greaterThan":
            return and_(v.is_type(kind), expr > value)
        if op == "lowerThan":
            return and_(v.is_type(kind), expr < value)
        return and_(v.is_type(kind), expr >= value, expr <= c.other)  # between

    # --- cross-object conditions -----------------------------------------------------------------

    def _segment_cond(self, c: ast.SegmentCond) -> ColumnElement[bool]:
        if c.limit is None:
            inner = func.coalesce(self.filter(c.filter), false())
        else:
            base = self.table.element if hasattr(self.table, "element") else self.table
            inner = self.table.c["_id"].in_(member_ids(c.filter, c.sort, c.limit, base, self.ctx, self.types))
        return inner if c.operator == "in" else not_(inner)

    def _period(self, column: ColumnElement[Any], period: ast.Period | None, aware: bool) -> list[ColumnElement[bool]]:
        if period is None or (period.operator == "moreThan" and period.days == 0):
            return []
        now = self.ctx.now_aware if aware else self.ctx.now
        if period.operator == "lessThan":
            return [column >= now - timedelta(days=period.days)]
        if period.operator == "moreThan":
            return [column < now - timedelta(days=period.days)]
        day = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=period.days)
        return [column >= day, column < day + timedelta(days=1)]

    @staticmethod
    def _frequency(freq: ast.Frequency, matches: Select[Any]) -> ColumnElement[bool]:
        op, n = freq.operator, freq.value
        if op == "not" or (op == "exactly" and n == 0):
            return not_(exists(matches))
        if op == "moreThan" and n == 0:
            return exists(matches)
        if op == "lessThan" and n == 0:
            return false()
        count = matches.with_only_columns(func.count()).scalar_subquery()
        return {"moreThan": count > n, "lessThan": count < n, "exactly": count == n}[op]

    def _enrollment_cond(self, c: ast.EnrollmentCond) -> ColumnElement[bool]:
        from lading.store.schema import executions, runs

        record_id = self.table.c["_id"]
        root = runs.alias("enrolled_run")
        scope = [root.c.workspace_uuid == self.ctx.workspace_uuid, root.c.workflow_uuid == c.workflow_uuid,
                 root.c.parent_run_uuid.is_(None), root.c.record_id == record_id]
        if c.activity == "workflowEntered":
            matches = select(literal(1)).select_from(root).where(
                *scope, *self._period(root.c.created_at, c.period, aware=False))
        elif c.activity == "workflowLeft":
            matches = select(literal(1)).select_from(root).where(
                *scope, root.c.status.in_(("success", "error", "cancelled")), root.c.finished_at.is_not(None),
                *self._period(root.c.finished_at, c.period, aware=False))
        else:
            member = runs.alias("member_run")
            ex = executions.alias("node_execution")
            node = [ex.c.node_slug == c.node_slug] if c.node_slug else []
            matches = (select(literal(1))
                       .select_from(ex.join(member, member.c.uuid == ex.c.run_uuid)
                                    .join(root, root.c.uuid == member.c.root_run_uuid))
                       .where(*scope, ex.c.workspace_uuid == self.ctx.workspace_uuid,
                              ex.c.workflow_uuid == c.workflow_uuid, ex.c.finished_at.is_not(None),
                              ex.c.status.in_(("success", "error", "skipped", "cancelled")), *node,
                              *self._period(ex.c.finished_at, c.period, aware=False)))
        return self._frequency(c.frequency, matches)

    def _occurrence_cond(self, c: ast.OccurrenceCond) -> ColumnElement[bool]:
        if self.ctx.related_table is None:
            raise AssertionError("occurrence conditions need related tables")
        related = self.ctx.related_table(c.related_model_uuid).alias("occurrence")
        inner_types = {col.key: "" for col in related.c}
        inner = _Compiler(self.ctx, related, inner_types)
        conds = inner._join(c.conj, [inner.condition(x) for x in c.conditions])
        matches = select(literal(1)).select_from(related).where(
            related.c[c.related_column] == self.table.c[c.local_column], conds,
            *self._period(related.c[c.time_column], c.period, aware=True))
        return self._frequency(c.frequency, matches)

    def _sql_cond(self, c: ast.SqlCond) -> ColumnElement[bool]:
        return literal_column(f"({c.clause})", Boolean)

