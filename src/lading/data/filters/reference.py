"""A plain-Python evaluator of validated filters: the executable definition of what a filter means.

It exists so the SQL compiler can be checked against an independent reading of the same semantics
(the property-based tests compare both on random filters and random records). Records are dicts of
Python values: str, float, bool, aware UTC datetime, dict/list (JSON) or None. Cross-object kinds
(enrollment, occurrence, sql) are evaluated through callbacks the caller supplies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from lading.data.filters import ast
from lading.data.filters.to_sql import fold

Record = Mapping[str, Any]
External = Callable[[ast.Condition, Record], bool]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def matches(flt: ast.Filter, record: Record, types: Mapping[str, str], external: External | None = None,
            members: Callable[[ast.SegmentCond], set[Any]] | None = None) -> bool:
    return _Evaluator(types, external, members).filter(flt, record)


def select(flt: ast.Filter, sort: Sequence[ast.SortKey], limit: int | None, records: Sequence[Record],
           types: Mapping[str, str], external: External | None = None) -> list[Record]:
    """The records a (filter, sort, limit) selects, in order (nulls last, `_id` tie-breaker); segment
    references are evaluated over the same records."""

    def members(cond: ast.SegmentCond) -> set[Any]:
        return {r["_id"] for r in select(cond.filter, cond.sort, cond.limit, records, types, external)}

    chosen = [r for r in records if matches(flt, r, types, external, members)]
    ordered = sort_records(chosen, sort)
    return ordered if limit is None else ordered[:limit]


def sort_records(records: Sequence[Record], sort: Sequence[ast.SortKey]) -> list[Record]:
    out = sorted(records, key=lambda r: r["_id"])
    for key in reversed(sort):
        present = [r for r in out if r.get(key.column) is not None]
        missing = [r for r in out if r.get(key.column) is None]
        present.sort(key=itemgetter(key.column), reverse=key.descending)
        out = present + missing
    return out


class _Evaluator:
    def __init__(self, types: Mapping[str, str], external: External | None,
                 members: Callable[[ast.SegmentCond], set[Any]] | None) -> None:
        self.types = types
        self.external = external
        self.members = members

    def filter(self, flt: ast.Filter, rec: Record) -> bool:
        results = [self.group(g, rec) for g in flt.groups]
        return all(results) if flt.conj == "and" else (any(results) if results else True)

    def group(self, group: ast.Group, rec: Record) -> bool:
        results = [self.condition(c, rec) for c in group.conditions]
        return all(results) if group.conj == "and" else (any(results) if results else True)

    def condition(self, c: ast.Condition, rec: Record) -> bool:
        if isinstance(c, ast.StringCond):
            return _string(c, rec.get(c.column))
        if isinstance(c, ast.NumberCond):
            return _number(c, rec.get(c.column))
        if isinstance(c, ast.DateCond):
            return _date(c, rec.get(c.column))
        if isinstance(c, ast.BooleanCond):
            v = rec.get(c.column)
            return {"isTrue": v is True, "isFalse": v is False, "isNull": v is None, "isNotNull": v is not None}[
                c.operator]
        if isinstance(c, ast.NullCond):
            return (rec.get(c.column) is None) == (c.operator == "isNull")
        if isinstance(c, ast.PropertyCond):
            if self.types.get(c.column) == "array":
                return self.condition(ast.MatchCond(c.column, True, "and", (c,)), rec)
            return prop(c, _get(rec.get(c.column), c.path))
        if isinstance(c, ast.MatchCond):
            value = rec.get(c.column)
            if not c.is_array:
                results = [prop(p, _get(value, p.path)) for p in c.conditions]
                return all(results) if c.conj == "and" else any(results)
            if not isinstance(value, list):
                return False
            for element in value:
                results = [prop(p, _get(element, p.path)) for p in c.conditions]
                if all(results) if c.conj == "and" else any(results):
                    return True
            return False
        if isinstance(c, ast.SegmentCond):
            if c.limit is None:
                inside = self.filter(c.filter, rec)
            else:
                if self.members is None:
                    raise TypeError("a segment condition with a limit needs the caller's `members` callback")
                inside = rec["_id"] in self.members(c)
            return inside if c.operator == "in" else not inside
        if self.external is None:
            raise TypeError(f"{type(c).__name__} is evaluated by the caller's `external` callback; none was given")
        return self.external(c, rec)


# Every typed condition (string, number, date, object property) tests presence the same way: None is null.
_PRESENCE = ("isNull", "isNotNull")


def _string(c: ast.StringCond, v: Any) -> bool:
    op = c.operator
    if op in _PRESENCE:
        return (v is None) == (op == "isNull")
    if op == "isEmpty":
        return v is None or v == ""
    if op == "isNotEmpty":
        return not (v is None or v == "")
    if op in ("isNot", "doesNotContain"):
        return not _string(ast.StringCond(c.column, "is" if op == "isNot" else "contains", c.values), v)
    if v is None:
        return False
    if op == "is":
        return v in c.values
    low = fold(v)
    test = {"contains": lambda x: x in low, "startsWith": low.startswith, "endsWith": low.endswith}[op]
    return any(test(fold(x)) for x in c.values)


def _number(c: ast.NumberCond, v: Any) -> bool:
    op = c.operator
    if op in _PRESENCE:
        return (v is None) == (op == "isNull")
    if op == "isNot":
        return v is None or v != c.value
    if v is None:
        return False
    return {"is": lambda: v == c.value, "greaterThan": lambda: v > c.value, "lowerThan": lambda: v < c.value,
            "between": lambda: c.value <= v <= c.last}[op]()


def _date(c: ast.DateCond, v: datetime | None) -> bool:
    op, b = c.operator, c.value
    if op in _PRESENCE:
        return (v is None) == (op == "isNull")
    if op == "isNot":
        return v is None or not _date(ast.DateCond(c.column, "is", b), v)
    if v is None or b is None:
        return False
    if op == "is":
        return b.start <= v < b.end if b.end else v == b.start
    if op == "greaterThan":
        return v >= b.end if b.end else v > b.start
    if op == "lowerThan":
        return v < b.start
    last = c.last
    assert last is not None
    return b.start <= v and (v < last.end if last.end else v <= last.start)


def _get(doc: Any, path: Sequence[str]) -> Any:
    for key in path:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def prop(c: ast.PropertyCond, v: Any) -> bool:
    """One objectProperty condition on the property's value `v` (None = missing or JSON null)."""
    op, value = c.operator, c.value
    if op in _PRESENCE:
        return (v is None) == (op == "isNull")
    if op == "isEmpty":
        return v is None or v == "" or v == [] or v == {}
    if op == "isNotEmpty":
        return not (v is None or v == "" or v == [] or v == {})
    if op in ("isNot", "doesNotContain"):
        return not prop(ast.PropertyCond(c.column, c.path, "is" if op == "isNot" else "contains", value), v)
    if op == "is":
        if isinstance(value, bool):
            return isinstance(v, bool) and v == value
        if _is_number(value):
            return _is_number(v) and v == value
        return isinstance(v, str) and v == value
    if op in ("contains", "startsWith", "endsWith"):
        if not isinstance(v, str):
            return False
        low, needle = fold(v), fold(value)
        return {"contains": needle in low, "startsWith": low.startswith(needle), "endsWith": low.endswith(needle)}[op]
    same_type = _is_number(v) if _is_number(value) else isinstance(v, str)
    if not same_type:
        return False
    if op == "greaterThan":
        return bool(v > value)
    if op == "lowerThan":
        return bool(v < value)
    return bool(value <= v <= c.other)
