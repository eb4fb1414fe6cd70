"""The simple condition form of Cargo's documents, mapped onto the filter language (data spec §8).

Cargo's agent documentation writes a batch's `filter` source as `{"field","operator","value"}` — one
condition, or a list of them meaning AND — where the filter language wants typed conditions inside
groups. A condition's `kind` must equal its column's type, so the mapping needs the model's column
types (`ModelSchema.columns`). Each simple condition becomes one group of the full filter (joined by
`and`); an operator the language lacks (`>=`, `<=`, `in` on numbers, `notEquals true`) becomes an `or`
group of conditions it has. Anything that cannot be mapped is a `FilterError` (`invalidFilter`) that
names the condition and lists what is accepted, never a silently empty match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lading.data.filters.errors import FilterError, Path
from lading.domain.errors import json_type, shown

# Spellings people and the documents use → one canonical operator name.
ALIASES: dict[str, str] = {
    "equals": "equals", "equal": "equals", "eq": "equals", "is": "equals", "=": "equals", "==": "equals",
    "notEquals": "notEquals", "notEqual": "notEquals", "ne": "notEquals", "neq": "notEquals", "isNot": "notEquals",
    "!=": "notEquals", "<>": "notEquals",
    "contains": "contains", "doesNotContain": "doesNotContain", "notContains": "doesNotContain",
    "startsWith": "startsWith", "endsWith": "endsWith",
    "greaterThan": "greaterThan", "gt": "greaterThan", ">": "greaterThan",
    "greaterThanOrEqual": "greaterThanOrEqual", "greaterThanOrEquals": "greaterThanOrEqual",
    "gte": "greaterThanOrEqual", ">=": "greaterThanOrEqual",
    "lessThan": "lowerThan", "lowerThan": "lowerThan", "lt": "lowerThan", "<": "lowerThan",
    "lessThanOrEqual": "lowerThanOrEqual", "lessThanOrEquals": "lowerThanOrEqual",
    "lowerThanOrEqual": "lowerThanOrEqual", "lte": "lowerThanOrEqual", "<=": "lowerThanOrEqual",
    "between": "between", "in": "in", "notIn": "notIn",
    "isEmpty": "isEmpty", "isNotEmpty": "isNotEmpty", "isNull": "isNull", "isNotNull": "isNotNull",
    "exists": "isNotNull", "notExists": "isNull",
    "isTrue": "isTrue", "isFalse": "isFalse",
}
SIMPLE_KEYS = ("field", "operator", "value")
_KEY_ALIASES = {"columnSlug": "field", "column": "field", "slug": "field", "values": "value"}
_NO_VALUE = ("isEmpty", "isNotEmpty", "isNull", "isNotNull", "isTrue", "isFalse")

Conditions = list[dict[str, Any]]


def accepted_operators() -> str:
    """The operator spellings the simple form accepts, each canonical name with its aliases:
    `equals (equal, eq, is, =, ==), notEquals (…), …`."""
    spellings: dict[str, list[str]] = {}
    for alias, canonical in ALIASES.items():
        spellings.setdefault(canonical, [])
        if alias != canonical:
            spellings[canonical].append(alias)
    return ", ".join(f"{name} ({', '.join(more)})" if more else name for name, more in spellings.items())


def _bounds(value: Any) -> list[Any] | None:
    """`between`'s two bounds: `[low, high]` or `{"from","to"}` (or `firstValue`/`lastValue`)."""
    if isinstance(value, dict):
        value = [value.get("from", value.get("firstValue")), value.get("to", value.get("lastValue"))]
    if isinstance(value, list) and len(value) == 2 and None not in value:
        return value
    return None


def is_simple(raw: Any) -> bool:
    """A simple condition, a lone condition, or a list of conditions (simple or full), rather than a
    full filter object (which has `conjonction`/`groups`)."""
    if isinstance(raw, list):
        return True
    return (isinstance(raw, dict) and "groups" not in raw and "conjonction" not in raw
            and ("operator" in raw or "field" in raw))


def to_filter(raw: Any, columns: Mapping[str, str], path: Path = ("filter",)) -> dict[str, Any]:
    """The full filter (`{"conjonction":"and","groups":[…]}`) equivalent to a simple condition or list.
    List items that already are full conditions (they have a `kind`) are kept as they are."""
    items = raw if isinstance(raw, list) else [raw]
    groups = []
    for index, item in enumerate(items):
        where = [*path, index] if isinstance(raw, list) else list(path)
        if isinstance(item, dict) and "kind" in item:
            groups.append({"conjonction": "and", "conditions": [item]})
            continue
        conj, conditions = _condition(item, columns, where)
        groups.append({"conjonction": conj, "conditions": conditions})
    return {"conjonction": "and", "groups": groups}


def _condition(raw: Any, columns: Mapping[str, str], path: Path) -> tuple[str, Conditions]:
    if not isinstance(raw, dict):
        raise FilterError(path, f'a condition must be an object {{"field","operator","value"}}, not {json_type(raw)}')
    item = {_KEY_ALIASES.get(k, k): v for k, v in raw.items()}
    unknown = [str(k) for k in item if k not in SIMPLE_KEYS]
    if unknown:
        raise FilterError([*path, unknown[0]], f'unknown key {shown(unknown[0])}; a simple condition has '
                                               f'"field", "operator" and "value"')
    field, op = item.get("field"), item.get("operator")
    if not isinstance(field, str) or not field:
        raise FilterError([*path, "field"], "must name a column of the model")
    if item.get("value", 0) is None and canonical_null(op):
        op = canonical_null(op)  # `equals null` is `isNull`: the language compares no nulls
    head, _, prop = field.partition(".")
    nested = field not in columns and bool(prop) and columns.get(head) in ("object", "array")
    if field not in columns and not nested:
        raise FilterError([*path, "field"], f"unknown column {shown(field)}; the model has "
                                            f"{', '.join(c for c in columns if not c.startswith('_') or c == '_id')}")
    canonical = ALIASES.get(op) if isinstance(op, str) else None
    if canonical is None:
        raise FilterError([*path, "operator"], f"unknown operator {shown(op)}; accepted operators: "
                                               f"{accepted_operators()}")
    if canonical not in _NO_VALUE and "value" not in item:
        raise FilterError([*path, "value"], f"operator {shown(op)} needs a value")
    if canonical == "between" and _bounds(item.get("value")) is None:
        raise FilterError([*path, "value"], 'between needs two bounds: [low, high] or {"from": low, "to": high}')
    if nested:
        result = _property(head, columns[head], prop, canonical, item.get("value"))
        if result is None:
            raise FilterError([*path, "operator"], f"operator {shown(op)} does not apply to the property "
                                                   f"{shown(field)}; accepted there: {', '.join(_PROPERTY_ACCEPTED)}")
        return result
    column_type = columns[field]
    mapper = _MAPPERS.get(column_type, _null_only)
    result = mapper(field, canonical, item.get("value"))
    if result is None:
        raise FilterError([*path, "operator"], f"operator {shown(op)} does not apply to column {shown(field)} of "
                                               f"type {column_type}; accepted there: {', '.join(_ACCEPTED[mapper])}")
    return result


def _property(column: str, column_type: str, prop: str, op: str, value: Any) -> tuple[str, Conditions] | None:
    """`metadata.industry` on an object (or array) column: `objectProperty` conditions under the column's
    `matchConditions` (for an array, true when one element matches)."""
    def cond(operator: str, v: Any = None, **more: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "objectProperty", "columnSlug": column, "propertyName": prop,
                               "operator": operator, **more}
        if v is not None:
            out["value"] = v
        return out

    direct = {"equals": "is", "notEquals": "isNot", "contains": "contains", "doesNotContain": "doesNotContain",
              "startsWith": "startsWith", "endsWith": "endsWith", "greaterThan": "greaterThan",
              "lowerThan": "lowerThan"}
    conj, conditions = "and", []
    if op in direct:
        conditions = [cond(direct[op], value)]
    elif op in ("isNull", "isNotNull", "isEmpty", "isNotEmpty"):
        conditions = [cond(op)]
    elif op in ("greaterThanOrEqual", "lowerThanOrEqual"):
        conj = "or"
        conditions = [cond("greaterThan" if op == "greaterThanOrEqual" else "lowerThan", value), cond("is", value)]
    elif op in ("in", "notIn"):
        conj = "or" if op == "in" else "and"
        conditions = [cond("is" if op == "in" else "isNot", v) for v in _values(value)]
    elif op == "between" and (bounds := _bounds(value)) is not None:
        conditions = [cond("between", bounds[0], otherValue=bounds[1])]
    else:
        return None
    return "and", [{"kind": column_type, "columnSlug": column, "operator": "matchConditions", "conjonction": conj,
                    "conditions": conditions}]


def canonical_null(op: Any) -> str | None:
    """`equals`/`notEquals` a JSON null, spelt as the null test it means."""
    canonical = ALIASES.get(op) if isinstance(op, str) else None
    return {"equals": "isNull", "notEquals": "isNotNull"}.get(canonical or "")


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _nullness(field: str, kind: str, op: str) -> tuple[str, Conditions] | None:
    mapped = {"isNull": "isNull", "isNotNull": "isNotNull", "isEmpty": "isNull", "isNotEmpty": "isNotNull"}.get(op)
    return ("and", [{"kind": kind, "columnSlug": field, "operator": mapped}]) if mapped else None


def _string(field: str, op: str, value: Any) -> tuple[str, Conditions] | None:
    def one(operator: str, values: Any = None) -> tuple[str, Conditions]:
        cond: dict[str, Any] = {"kind": "string", "columnSlug": field, "operator": operator}
        if values is not None:
            cond["values"] = [v if isinstance(v, str) else str(v) for v in _values(values)]
        return "and", [cond]

    if op in ("isNull", "isNotNull", "isEmpty", "isNotEmpty"):
        return one(op)
    simple = {"equals": "is", "in": "is", "notEquals": "isNot", "notIn": "isNot", "contains": "contains",
              "doesNotContain": "doesNotContain", "startsWith": "startsWith", "endsWith": "endsWith"}
    return one(simple[op], value) if op in simple else None


def _ordered(kind: str) -> Callable[[str, str, Any], tuple[str, Conditions] | None]:
    def mapper(field: str, op: str, value: Any) -> tuple[str, Conditions] | None:
        def cond(operator: str, v: Any) -> dict[str, Any]:
            return {"kind": kind, "columnSlug": field, "operator": operator, "value": v}

        if op in ("isNull", "isNotNull", "isEmpty", "isNotEmpty"):
            return _nullness(field, kind, op)
        if op in ("equals", "notEquals", "greaterThan", "lowerThan"):
            return "and", [cond({"equals": "is", "notEquals": "isNot"}.get(op, op), value)]
        if op == "greaterThanOrEqual":
            return "or", [cond("greaterThan", value), cond("is", value)]
        if op == "lowerThanOrEqual":
            return "or", [cond("lowerThan", value), cond("is", value)]
        if op == "in":
            return "or", [cond("is", v) for v in _values(value)]
        if op == "notIn":
            return "and", [cond("isNot", v) for v in _values(value)]
        if op == "between":
            bounds = _bounds(value)
            if bounds is None:
                return None
            return "and", [{"kind": kind, "columnSlug": field, "operator": "between",
                            "firstValue": bounds[0], "lastValue": bounds[1]}]
        return None

    return mapper


def _boolean(field: str, op: str, value: Any) -> tuple[str, Conditions] | None:
    def cond(operator: str) -> dict[str, Any]:
        return {"kind": "boolean", "columnSlug": field, "operator": operator}

    if op in ("isTrue", "isFalse", "isNull", "isNotNull"):
        return "and", [cond(op)]
    if op in ("isEmpty", "isNotEmpty"):
        return _nullness(field, "boolean", op)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        value = value.lower() == "true"
    if op in ("equals", "notEquals") and isinstance(value, bool):
        if (op == "equals") == value:
            return "and", [cond("isTrue")]
        return ("and", [cond("isFalse")]) if op == "equals" else ("or", [cond("isFalse"), cond("isNull")])
    return None


def _null_only_of(kind: str) -> Callable[[str, str, Any], tuple[str, Conditions] | None]:
    def mapper(field: str, op: str, value: Any) -> tuple[str, Conditions] | None:
        return _nullness(field, kind, op)

    return mapper


_null_only = _null_only_of("any")
_MAPPERS: dict[str, Callable[[str, str, Any], tuple[str, Conditions] | None]] = {
    "string": _string, "number": _ordered("number"), "date": _ordered("date"), "boolean": _boolean,
    "object": _null_only_of("object"), "array": _null_only_of("array"), "vector": _null_only_of("vector"),
    "any": _null_only,
}
_NULLS = ("isNull", "isNotNull", "isEmpty", "isNotEmpty")
_PROPERTY_ACCEPTED = ("equals", "notEquals", "contains", "doesNotContain", "startsWith", "endsWith", "greaterThan",
                      "greaterThanOrEqual", "lessThan", "lessThanOrEqual", "between", "in", "notIn", *_NULLS)
_ORDERED_ACCEPTED = ("equals", "notEquals", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual",
                     "between", "in", "notIn", *_NULLS)
_ACCEPTED: dict[Any, tuple[str, ...]] = {
    _string: ("equals", "notEquals", "in", "notIn", "contains", "doesNotContain", "startsWith", "endsWith", *_NULLS),
    _MAPPERS["number"]: _ORDERED_ACCEPTED, _MAPPERS["date"]: _ORDERED_ACCEPTED,
    _boolean: ("equals", "notEquals", "isTrue", "isFalse", *_NULLS),
    **{_MAPPERS[k]: _NULLS for k in ("object", "array", "vector", "any")},
}
