"""Filter validation (data spec §8): loose JSON in, a checked `ast.Filter` out, or a `FilterError`.

Lading is strict on purpose: an unknown key (a misspelled `conjunction`), kind or operator, a column
the model does not have, a condition whose kind does not match the column's type, a malformed date —
each is an error naming the offending part, never a silently empty result.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeGuard, TypeVar

from lading.data.filters import ast
from lading.data.filters.errors import FilterError, Path
from lading.domain.errors import json_type, shown

SYSTEM_COLUMNS: dict[str, str] = {"_id": "string", "_title": "string", "_time": "date",
                                  "_created_at": "date", "_updated_at": "date"}

TEXT_OPS = ("is", "isNot", "contains", "doesNotContain", "startsWith", "endsWith")
STRING_OPS = (*TEXT_OPS, "isNull", "isNotNull", "isEmpty", "isNotEmpty")
ORDERED_OPS = ("is", "isNot", "greaterThan", "lowerThan", "between", "isNull", "isNotNull")
BOOLEAN_OPS = ("isTrue", "isFalse", "isNull", "isNotNull")
JSON_OPS = ("isNull", "isNotNull", "matchConditions")
NULL_OPS = ("isNull", "isNotNull")
PROPERTY_OPS = (*TEXT_OPS, "greaterThan", "lowerThan", "between", "isNull", "isNotNull", "isEmpty", "isNotEmpty")
OPERATORS: dict[str, tuple[str, ...]] = {
    "string": STRING_OPS, "number": ORDERED_OPS, "date": ORDERED_OPS, "boolean": BOOLEAN_OPS,
    "object": JSON_OPS, "array": JSON_OPS, "vector": NULL_OPS, "any": NULL_OPS, "objectProperty": PROPERTY_OPS,
    "segment": ("in", "notIn"),
}
KINDS = ("string", "number", "date", "boolean", "object", "array", "vector", "any", "objectProperty", "segment",
         "enrollment", "occurrence", "sql")
ACTIVITIES = ("workflowEntered", "workflowNodeExecuted", "workflowLeft")
FREQUENCY_OPS = ("not", "moreThan", "lessThan", "exactly")
PERIOD_OPS = ("moreThan", "lessThan", "exactly")
_COLUMN_KEYS = ("kind", "columnSlug", "slug", "operator")
KEYS: dict[str, tuple[str, ...]] = {
    "string": (*_COLUMN_KEYS, "values", "value"),
    "number": (*_COLUMN_KEYS, "value", "firstValue", "lastValue"),
    "date": (*_COLUMN_KEYS, "value", "firstValue", "lastValue"),
    "boolean": _COLUMN_KEYS,
    "object": (*_COLUMN_KEYS, "conjonction", "conditions", "propertyConditions"),
    "array": (*_COLUMN_KEYS, "conjonction", "conditions", "propertyConditions"),
    "vector": _COLUMN_KEYS,
    "any": _COLUMN_KEYS,
    "objectProperty": (*_COLUMN_KEYS, "propertyName", "value", "otherValue"),
    "segment": ("kind", "operator", "segmentUuid"),
    "enrollment": ("kind", "workflowUuid", "activityKind", "nodeSlug", "frequency", "period"),
    "occurrence": ("kind", "relatedModelUuid", "frequency", "period", "conjonction", "conditions"),
    "sql": ("kind", "name", "clause"),
}
OCCURRENCE_KINDS = ("string", "number", "date", "boolean")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PROPERTY_SEGMENT = re.compile(r'^[^."\\]+$')
MAX_DEPTH = 8


@dataclass(frozen=True)
class ModelSchema:
    """What a filter may reference on one model: column types (system columns included) and its time column."""

    uuid: str
    columns: Mapping[str, str]
    time_column: str = "_time"

    @staticmethod
    def of(uuid: str, user_columns: Mapping[str, str], time_column: str | None = None) -> ModelSchema:
        return ModelSchema(uuid, {**SYSTEM_COLUMNS, **user_columns}, time_column or "_time")


@dataclass(frozen=True)
class SegmentDefinition:
    uuid: str
    model_uuid: str
    filter: Any
    sort: Any
    limit: int | None


class Resolver(Protocol):
    """Lookups some condition kinds need (other segments, related models, workflows, the SQL guard)."""

    def segment(self, uuid: str) -> SegmentDefinition | None: ...
    def related(self, model_uuid: str, related_uuid: str) -> tuple[ModelSchema, str, str] | None: ...
    def workflow_exists(self, uuid: str) -> bool: ...
    def check_sql(self, clause: str, schema: ModelSchema) -> str: ...


class NoResolver:
    """For contexts without a store (e.g. the reference tests): cross-object kinds are refused."""

    def segment(self, uuid: str) -> SegmentDefinition | None:
        return None

    def related(self, model_uuid: str, related_uuid: str) -> tuple[ModelSchema, str, str] | None:
        return None

    def workflow_exists(self, uuid: str) -> bool:
        return False

    def check_sql(self, clause: str, schema: ModelSchema) -> str:
        raise FilterError([], "sql conditions are not available here")


@dataclass
class _Parser:
    schema: ModelSchema
    resolver: Resolver
    visiting: tuple[str, ...] = field(default_factory=tuple)  # segment uuids on the reference chain

    # --- structure -------------------------------------------------------------------------------

    def filter(self, raw: Any, path: Path) -> ast.Filter:
        obj = _object(raw, path, "a filter must be an object {\"conjonction\": \"and\", \"groups\": [...]}")
        _keys(obj, ("conjonction", "groups"), path,
              hint={"conditions": "conditions live inside groups[].conditions, never next to groups"})
        conj = _conj(obj, path, required=True)
        groups = obj.get("groups")
        if not isinstance(groups, list):
            raise FilterError([*path, "groups"], "must be an array of groups")
        return ast.Filter(conj, tuple(self.group(g, [*path, "groups", i]) for i, g in enumerate(groups)))

    def group(self, raw: Any, path: Path) -> ast.Group:
        obj = _object(raw, path, "a group must be an object {\"conjonction\": ..., \"conditions\": [...]}")
        _keys(obj, ("conjonction", "conditions"), path)
        conj = _conj(obj, path, required=True)
        conditions = obj.get("conditions")
        if not isinstance(conditions, list):
            raise FilterError([*path, "conditions"], "must be an array of conditions")
        return ast.Group(conj, tuple(self.condition(c, [*path, "conditions", i]) for i, c in enumerate(conditions)))

    def condition(self, raw: Any, path: Path, allowed_kinds: Sequence[str] = KINDS) -> ast.Condition:
        obj = _object(raw, path, "a condition must be an object with a \"kind\"")
        kind = obj.get("kind")
        if kind == "relation":
            raise FilterError([*path, "kind"], 'the kind "relation" is reserved and not available yet')
        if not isinstance(kind, str) or kind not in allowed_kinds:
            raise FilterError([*path, "kind"], f"unknown condition kind {shown(kind)}{_suggest(kind, allowed_kinds)}; "
                                               f"expected one of {', '.join(allowed_kinds)}")
        _keys(obj, KEYS[kind], path)
        if kind == "segment":
            return self.segment(obj, path)
        if kind == "enrollment":
            return self.enrollment(obj, path)
        if kind == "occurrence":
            return self.occurrence(obj, path)
        if kind == "sql":
            return self.sql(obj, path)
        return self.column_condition(kind, obj, path)

    # --- column conditions -----------------------------------------------------------------------

    def column_condition(self, kind: str, obj: Mapping[str, Any], path: Path,
                         parent_column: str | None = None) -> ast.Condition:
        column = self.column(kind, obj, path, parent_column)
        op = _operator(kind, obj, path)
        if kind == "string":
            if op in NULL_OPS or op in ("isEmpty", "isNotEmpty"):
                return ast.StringCond(column, op)
            return ast.StringCond(column, op, _strings(obj, path))
        if kind == "number":
            return _ordered_cond(ast.NumberCond, _number, column, op, obj, path)
        if kind == "date":
            return _ordered_cond(ast.DateCond, _date, column, op, obj, path)
        if kind == "boolean":
            return ast.BooleanCond(column, op)
        if kind == "objectProperty":
            return self.property(obj, column, op, path)
        if op == "matchConditions":
            return self.match(kind, column, obj, path)
        return ast.NullCond(column, op)

    def column(self, kind: str, obj: Mapping[str, Any], path: Path, parent_column: str | None) -> str:
        slug = obj.get("columnSlug", obj.get("slug", parent_column))
        if not isinstance(slug, str) or not slug:
            raise FilterError([*path, "columnSlug"], f"a {kind} condition needs \"columnSlug\"")
        if parent_column is not None and slug != parent_column:
            raise FilterError([*path, "columnSlug"], f"nested conditions must address column {shown(parent_column)}, "
                                                     f"not {shown(slug)}")
        col_type = self.schema.columns.get(slug)
        if col_type is None:
            raise FilterError([*path, "columnSlug"], f"unknown column {shown(slug)}"
                                                     f"{_suggest(slug, list(self.schema.columns))}")
        if kind == "objectProperty":
            if col_type not in ("object", "array", "any"):
                raise FilterError([*path, "kind"], f"column {shown(slug)} is a {col_type}; objectProperty conditions "
                                                   f"need an object or array column")
        elif col_type != kind:
            raise FilterError([*path, "kind"], f"column {shown(slug)} is a {col_type}, so a {shown(kind)} condition "
                                               "cannot "
                                               f"apply to it (use kind {shown(col_type)})")
        return slug

    def property(self, obj: Mapping[str, Any], column: str, op: str, path: Path) -> ast.PropertyCond:
        name = obj.get("propertyName")
        if not isinstance(name, str) or not name:
            raise FilterError([*path, "propertyName"], "objectProperty conditions need \"propertyName\" "
                                                       "(a key or a dotted path such as address.country)")
        segments = tuple(name.split("."))
        if not all(_PROPERTY_SEGMENT.match(s) for s in segments):
            raise FilterError([*path, "propertyName"],
                              f"invalid property path {shown(name)}: empty segment, '\"' or '\\'")
        if op in ("isNull", "isNotNull", "isEmpty", "isNotEmpty"):
            return ast.PropertyCond(column, segments, op)
        value = _scalar(obj, "value", path)
        if op in ("contains", "doesNotContain", "startsWith", "endsWith") and not isinstance(value, str):
            raise FilterError([*path, "value"], f"operator {shown(op)} needs a string value")
        if op in ("greaterThan", "lowerThan", "between"):
            if isinstance(value, bool):
                raise FilterError([*path, "value"], f"operator {shown(op)} needs a number or a string value")
            if op == "between":
                other = _scalar(obj, "otherValue", path)
                if isinstance(other, bool) or (type(other) is not type(value) and not (
                        _is_number(value) and _is_number(other))):
                    raise FilterError([*path, "otherValue"], "value and otherValue must both be numbers or "
                                                             "both be strings")
                if value > other:
                    raise FilterError([*path, "value"], "value is greater than otherValue, so nothing can match")
                return ast.PropertyCond(column, segments, op, value, other)
        return ast.PropertyCond(column, segments, op, value)

    def match(self, kind: str, column: str, obj: Mapping[str, Any], path: Path) -> ast.MatchCond:
        conj = _conj(obj, path, required=False)
        # Cargo's client nests them under `propertyConditions`, D §8.3 under `conditions` (api.md §4).
        key = "propertyConditions" if "propertyConditions" in obj else "conditions"
        if key == "propertyConditions" and "conditions" in obj:
            raise FilterError([*path, "propertyConditions"], "give the property conditions once, under "
                                                             "\"propertyConditions\" or \"conditions\"")
        conditions = obj.get(key)
        if not isinstance(conditions, list) or not conditions:
            raise FilterError([*path, key], "matchConditions needs a non-empty array of objectProperty "
                                            "conditions")
        out: list[ast.PropertyCond] = []
        for i, raw in enumerate(conditions):
            sub = [*path, key, i]
            cond_obj = _object(raw, sub, "a condition must be an object")
            if cond_obj.get("kind") != "objectProperty":
                raise FilterError([*sub, "kind"], f"matchConditions holds objectProperty conditions, not "
                                                  f"{shown(cond_obj.get('kind'))}")
            _keys(cond_obj, KEYS["objectProperty"], sub)
            cond = self.column_condition("objectProperty", cond_obj, sub, parent_column=column)
            assert isinstance(cond, ast.PropertyCond)
            out.append(cond)
        return ast.MatchCond(column, kind == "array", conj, tuple(out))

    # --- cross-object conditions -----------------------------------------------------------------

    def segment(self, obj: Mapping[str, Any], path: Path) -> ast.SegmentCond:
        op = _operator("segment", obj, path)
        uuid = obj.get("segmentUuid")
        if not isinstance(uuid, str) or not uuid:
            raise FilterError([*path, "segmentUuid"], "segment conditions need \"segmentUuid\"")
        if uuid in self.visiting:
            raise FilterError([*path, "segmentUuid"], f"segment {uuid} refers back to itself (reference cycle)")
        if len(self.visiting) >= MAX_DEPTH:
            raise FilterError([*path, "segmentUuid"], "segment references are nested too deeply")
        seg = self.resolver.segment(uuid)
        if seg is None:
            raise FilterError([*path, "segmentUuid"], f"segment not found: {uuid}")
        if seg.model_uuid != self.schema.uuid:
            raise FilterError([*path, "segmentUuid"], f"segment {uuid} is on another model ({seg.model_uuid})")
        nested = _Parser(self.schema, self.resolver, (*self.visiting, uuid))
        try:
            flt = nested.filter(seg.filter, [])
            sort = parse_sort(seg.sort, self.schema)
        except FilterError as exc:
            raise FilterError([*path, "segmentUuid"], f"segment {uuid} has an invalid filter: {exc.message}") from exc
        return ast.SegmentCond(op, uuid, flt, sort, seg.limit)

    def enrollment(self, obj: Mapping[str, Any], path: Path) -> ast.EnrollmentCond:
        workflow = obj.get("workflowUuid")
        if not isinstance(workflow, str) or not workflow:
            raise FilterError([*path, "workflowUuid"], "enrollment conditions need \"workflowUuid\"")
        if not self.resolver.workflow_exists(workflow):
            raise FilterError([*path, "workflowUuid"], f"Workflow not found: {workflow}")
        activity = obj.get("activityKind")
        if activity not in ACTIVITIES:
            raise FilterError([*path, "activityKind"], f"unknown activityKind {shown(activity)}"
                                                       f"{_suggest(activity, ACTIVITIES)}; expected one of "
                                                       f"{', '.join(ACTIVITIES)}")
        node = obj.get("nodeSlug")
        if node is not None and (activity != "workflowNodeExecuted" or not isinstance(node, str)):
            raise FilterError([*path, "nodeSlug"], "nodeSlug is a string and only goes with workflowNodeExecuted")
        return ast.EnrollmentCond(workflow, activity, node, _frequency(obj, path), _period(obj, path))

    def occurrence(self, obj: Mapping[str, Any], path: Path) -> ast.OccurrenceCond:
        related_uuid = obj.get("relatedModelUuid")
        if not isinstance(related_uuid, str) or not related_uuid:
            raise FilterError([*path, "relatedModelUuid"], "occurrence conditions need \"relatedModelUuid\"")
        found = self.resolver.related(self.schema.uuid, related_uuid)
        if found is None:
            raise FilterError([*path, "relatedModelUuid"], f"no relationship links this model to model "
                                                           f"{related_uuid} (see storage relationship set)")
        related, local, remote = found
        local_type, remote_type = self.schema.columns.get(local), related.columns.get(remote)
        if local_type != remote_type:
            raise FilterError([*path, "relatedModelUuid"], f"the relationship joins {shown(local)} ({local_type}) to "
                                                           f"{shown(remote)} ({remote_type}); the types must match")
        conj = _conj(obj, path, required=False)
        raw = obj.get("conditions", [])
        if not isinstance(raw, list):
            raise FilterError([*path, "conditions"], "must be an array of conditions")
        inner = _Parser(related, self.resolver, self.visiting)
        conditions = tuple(inner.condition(c, [*path, "conditions", i], OCCURRENCE_KINDS) for i, c in enumerate(raw))
        return ast.OccurrenceCond(related_uuid, local, remote, related.time_column, _frequency(obj, path),
                                  _period(obj, path), conj, conditions)

    def sql(self, obj: Mapping[str, Any], path: Path) -> ast.SqlCond:
        name, clause = obj.get("name"), obj.get("clause")
        if not isinstance(name, str):
            raise FilterError([*path, "name"], "sql conditions need a \"name\"")
        if not isinstance(clause, str) or not clause.strip():
            raise FilterError([*path, "clause"], "sql conditions need a non-empty \"clause\"")
        try:
            checked = self.resolver.check_sql(clause, self.schema)
        except FilterError as exc:
            raise FilterError([*path, "clause"], exc.message) from exc
        except Exception as exc:  # the guard's own validation errors
            raise FilterError([*path, "clause"], getattr(exc, "message", str(exc))) from exc
        return ast.SqlCond(name, checked)


# --- value helpers --------------------------------------------------------------------------------


def _object(raw: Any, path: Path, message: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise FilterError(path, message)
    return raw


def _suggest(word: Any, choices: Sequence[str]) -> str:
    if not isinstance(word, str):
        return ""
    known = {"conjunction": "conjonction", "column": "columnSlug", "column_slug": "columnSlug", "op": "operator",
             "condition": "conditions", "group": "groups", "property": "propertyName"}
    best = known.get(word) if known.get(word) in choices else None
    if best is None:
        close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
        best = close[0] if close else None
    return f" (did you mean {shown(best)}?)" if best else ""


def _keys(obj: Mapping[str, Any], allowed: Sequence[str], path: Path, hint: Mapping[str, str] | None = None) -> None:
    for key in obj:
        if key not in allowed:
            extra = (hint or {}).get(key)
            raise FilterError([*path, key], f"unknown key {shown(key)}{_suggest(key, allowed)}"
                                            + (f"; {extra}" if extra else f"; allowed keys: {', '.join(allowed)}"))


def _conj(obj: Mapping[str, Any], path: Path, required: bool) -> ast.Conj:
    if "conjonction" not in obj and not required:
        return "and"
    value = obj.get("conjonction")
    if value not in ("and", "or"):
        what = "is required" if "conjonction" not in obj else f"must be \"and\" or \"or\", not {shown(value)}"
        raise FilterError([*path, "conjonction"], f"\"conjonction\" {what}")
    return value


def _operator(kind: str, obj: Mapping[str, Any], path: Path) -> str:
    op = obj.get("operator")
    allowed = OPERATORS[kind]
    if op not in allowed:
        raise FilterError([*path, "operator"], f"operator {shown(op)} is not allowed for kind {shown(kind)}"
                                               f"{_suggest(op, allowed)}; allowed: {', '.join(allowed)}")
    return op


def _strings(obj: Mapping[str, Any], path: Path) -> tuple[str, ...]:
    key = "values" if "values" in obj else "value"
    raw = obj.get(key)
    if raw is None:
        raise FilterError([*path, "values"], f"operator {shown(obj.get('operator'))} needs \"values\" "
                                             "(a string or an array of strings)")
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise FilterError([*path, key], "must hold at least one string")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise FilterError([*path, key, *([i] if isinstance(raw, list) else [])],
                              f"must be a string, not {json_type(item)} {shown(item)}")
    return tuple(items)


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(obj: Mapping[str, Any], key: str, path: Path) -> float:
    value = obj.get(key)
    if not _is_number(value):
        what = "is required" if value is None else f"must be a number, not {json_type(value)} {shown(value)}"
        raise FilterError([*path, key], f"{key} {what}")
    return float(value)


def parse_date(value: Any, path: Path, key: str = "value") -> ast.DateBound:
    """ISO date (the whole UTC day) or date-time (naive = UTC)."""
    if not isinstance(value, str):
        what = "is required" if value is None else f"must be an ISO date string, not {json_type(value)}"
        raise FilterError(path, f"{key} {what}")
    text = value.strip()
    try:
        if _DATE_ONLY.match(text):
            start = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return ast.DateBound(start, start + timedelta(days=1))
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise FilterError(path, f"{key} {shown(value)} is not an ISO-8601 date (2025-01-15) or date-time "
                                f"(2025-01-15T10:00:00Z)") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return ast.DateBound(moment, None)


def _date(obj: Mapping[str, Any], key: str, path: Path) -> ast.DateBound:
    return parse_date(obj.get(key), [*path, key], key)


def _order_key(value: Any) -> Any:
    return value.start if isinstance(value, ast.DateBound) else value


_Bound = TypeVar("_Bound", float, ast.DateBound)


def _ordered_cond(make: Callable[[str, str, _Bound | None, _Bound | None], ast.Condition],
                  conv: Callable[[Mapping[str, Any], str, Path], _Bound],
                  column: str, op: str, obj: Mapping[str, Any], path: Path) -> ast.Condition:
    """A number or date condition: no value for the null operators, two ordered ones for `between`."""
    if op in NULL_OPS:
        return make(column, op, None, None)
    if op == "between":
        first, last = conv(obj, "firstValue", path), conv(obj, "lastValue", path)
        if _order_key(first) > _order_key(last):
            raise FilterError([*path, "firstValue"], "firstValue is after lastValue, so nothing can match")
        return make(column, op, first, last)
    return make(column, op, conv(obj, "value", path), None)


def _scalar(obj: Mapping[str, Any], key: str, path: Path) -> Any:
    value = obj.get(key)
    if value is None:
        raise FilterError([*path, key], f"operator {shown(obj.get('operator'))} needs \"{key}\" (use isNull to match "
                                        "missing values)")
    if not isinstance(value, str | int | float | bool):
        raise FilterError([*path, key], f"must be a string, number or boolean, not {json_type(value)}")
    return float(value) if _is_number(value) else value


def _count(raw: Mapping[str, Any], key: str, path: Path) -> int:
    value = raw.get("value")
    if not _is_number(value) or value < 0 or int(value) != value:
        raise FilterError([*path, key, "value"], "must be a non-negative whole number")
    return int(value)


def _frequency(obj: Mapping[str, Any], path: Path) -> ast.Frequency:
    raw = obj.get("frequency")
    if not isinstance(raw, dict):
        raise FilterError([*path, "frequency"], "needs {\"operator\": \"not\"|\"moreThan\"|\"lessThan\"|\"exactly\", "
                                                "\"value\": n}")
    _keys(raw, ("operator", "value"), [*path, "frequency"])
    op = raw.get("operator")
    if op not in FREQUENCY_OPS:
        raise FilterError([*path, "frequency", "operator"], f"unknown frequency operator {shown(op)}; expected one of "
                                                            f"{', '.join(FREQUENCY_OPS)}")
    if op == "not":
        if raw.get("value") is not None:
            raise FilterError([*path, "frequency", "value"], "frequency \"not\" takes no value")
        return ast.Frequency("not")
    return ast.Frequency(op, _count(raw, "frequency", path))


def _period(obj: Mapping[str, Any], path: Path) -> ast.Period | None:
    raw = obj.get("period")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise FilterError([*path, "period"], "needs {\"operator\": ..., \"value\": n, \"unit\": \"day\"}")
    _keys(raw, ("operator", "value", "unit"), [*path, "period"])
    op = raw.get("operator")
    if op not in PERIOD_OPS:
        raise FilterError([*path, "period", "operator"], f"unknown period operator {shown(op)}; expected one of "
                                                         f"{', '.join(PERIOD_OPS)}")
    if raw.get("unit", "day") != "day":
        raise FilterError([*path, "period", "unit"], f"unit must be \"day\", not {shown(raw.get('unit'))}")
    return ast.Period(op, _count(raw, "period", path))


# --- entry points ---------------------------------------------------------------------------------


def parse_filter(raw: Any, schema: ModelSchema, resolver: Resolver | None = None,
                 visiting: tuple[str, ...] = ()) -> ast.Filter:
    """Validate a filter against a model; `visiting` holds the segment being defined (cycle detection)."""
    return _Parser(schema, resolver or NoResolver(), visiting).filter(raw, [])


def parse_sort(raw: Any, schema: ModelSchema) -> tuple[ast.SortKey, ...]:
    """`[{"columnSlug","kind":"asc"|"desc"}]` (§9); object/array/vector/any columns have no order."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise FilterError(["sort"], "a sort is an array of {\"columnSlug\", \"kind\": \"asc\"|\"desc\"}")
    keys: list[ast.SortKey] = []
    for i, item in enumerate(raw):
        path: list[str | int] = ["sort", i]
        obj = _object(item, path, "a sort key is an object {\"columnSlug\", \"kind\"}")
        _keys(obj, ("columnSlug", "slug", "kind"), path)
        slug = obj.get("columnSlug", obj.get("slug"))
        col_type = schema.columns.get(slug) if isinstance(slug, str) else None
        if col_type is None:
            raise FilterError([*path, "columnSlug"],
                              f"unknown column {shown(slug)}{_suggest(slug, list(schema.columns))}")
        if col_type not in ("string", "number", "date", "boolean"):
            raise FilterError([*path, "columnSlug"], f"column {shown(slug)} is a {col_type} and cannot be sorted on")
        direction = obj.get("kind", "asc")
        if direction not in ("asc", "desc"):
            raise FilterError([*path, "kind"], f"sort kind must be \"asc\" or \"desc\", not {shown(direction)}")
        keys.append(ast.SortKey(slug, direction == "desc"))
    return tuple(keys)


def answered_filter(raw: Any) -> Any:
    """A stored filter as Lading answers it: the property conditions of an object/array
    `matchConditions` under `propertyConditions`, the key Cargo's client reads (api.md §4), whichever
    of the two accepted keys the caller wrote. Anything else is returned as given."""
    if isinstance(raw, list):
        return [answered_filter(item) for item in raw]
    if not isinstance(raw, dict):
        return raw
    out = {key: answered_filter(value) for key, value in raw.items()}
    if (out.get("kind") in ("object", "array") and out.get("operator") == "matchConditions"
            and "conditions" in out and "propertyConditions" not in out):
        out["propertyConditions"] = out.pop("conditions")
    return out


def segment_references(raw: Any) -> set[str]:
    """The segments a stored filter's `segment` conditions name, at any depth (inside occurrence
    filters of related models too): what must not be removed while the filter exists."""
    found: set[str] = set()
    stack = [raw]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("kind") == "segment" and isinstance(item.get("segmentUuid"), str):
                found.add(item["segmentUuid"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
